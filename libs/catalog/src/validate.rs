//! Catalog invariants: names, port ranges, dependencies and resource quantities.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::catalog::Catalog;
use crate::error::CatalogError;
use crate::model::ServiceEntry;

/// The managed gRPC port range.
pub const GRPC_PORTS: std::ops::RangeInclusive<u16> = 50101..=50199;
/// The managed admin (HTTP) port range.
pub const ADMIN_PORTS: std::ops::RangeInclusive<u16> = 51101..=51199;

/// Checks every invariant; the first violation found is returned.
pub fn validate(catalog: &Catalog) -> Result<(), CatalogError> {
    check_names(catalog)?;
    check_ports(catalog)?;
    let by_name: HashMap<&str, &ServiceEntry> = catalog
        .services
        .iter()
        .map(|service| (service.name.as_str(), service))
        .collect();
    for service in &catalog.services {
        check_service(service, &by_name)?;
    }
    check_hard_cycles(catalog, &by_name)
}

fn check_names(catalog: &Catalog) -> Result<(), CatalogError> {
    let mut seen = HashSet::new();
    for service in &catalog.services {
        if !is_kebab_case(&service.name) {
            return Err(CatalogError::InvalidName(service.name.clone()));
        }
        if !seen.insert(service.name.as_str()) {
            return Err(CatalogError::DuplicateName(service.name.clone()));
        }
    }
    Ok(())
}

fn is_kebab_case(name: &str) -> bool {
    let mut chars = name.chars();
    let starts_with_letter = chars.next().is_some_and(|c| c.is_ascii_lowercase());
    starts_with_letter
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.ends_with('-')
        && !name.contains("--")
}

fn check_ports(catalog: &Catalog) -> Result<(), CatalogError> {
    let mut owners: BTreeMap<u16, &str> = BTreeMap::new();
    for service in &catalog.services {
        if !GRPC_PORTS.contains(&service.grpc_port) {
            return Err(CatalogError::GrpcPortOutOfRange {
                service: service.name.clone(),
                port: service.grpc_port,
            });
        }
        if !ADMIN_PORTS.contains(&service.admin_port) {
            return Err(CatalogError::AdminPortOutOfRange {
                service: service.name.clone(),
                port: service.admin_port,
            });
        }
        for port in [service.grpc_port, service.admin_port] {
            if let Some(first) = owners.insert(port, &service.name) {
                return Err(CatalogError::PortClash {
                    port,
                    first: first.to_string(),
                    second: service.name.clone(),
                });
            }
        }
    }
    Ok(())
}

fn check_service(
    service: &ServiceEntry,
    by_name: &HashMap<&str, &ServiceEntry>,
) -> Result<(), CatalogError> {
    if service.grpc_services.is_empty() {
        return Err(CatalogError::NoGrpcService(service.name.clone()));
    }
    for dependency in service.all_deps() {
        if dependency == service.name {
            return Err(CatalogError::SelfDependency(service.name.clone()));
        }
        if !by_name.contains_key(dependency) {
            return Err(CatalogError::UnknownDependency {
                service: service.name.clone(),
                dependency: dependency.to_string(),
            });
        }
    }
    if service.implemented {
        for dependency in &service.hard_deps {
            if by_name
                .get(dependency.as_str())
                .is_some_and(|dep| !dep.implemented)
            {
                return Err(CatalogError::UnimplementedHardDependency {
                    service: service.name.clone(),
                    dependency: dependency.clone(),
                });
            }
        }
    }
    check_env(service)?;
    check_resources(service)
}

/// Settings become `${NAME:-default}` in compose: names must be plain and defaults must
/// not break the interpolation.
fn check_env(service: &ServiceEntry) -> Result<(), CatalogError> {
    for (name, default) in &service.env {
        let name_ok = name.starts_with(|c: char| c.is_ascii_uppercase())
            && name
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
        let default_ok = !default.contains(['$', '{', '}']);
        if !name_ok || !default_ok {
            return Err(CatalogError::InvalidEnv {
                service: service.name.clone(),
                name: name.clone(),
            });
        }
    }
    Ok(())
}

fn check_resources(service: &ServiceEntry) -> Result<(), CatalogError> {
    let resources = &service.resources;
    let fields = [
        ("cpu_request", &resources.cpu_request, true),
        ("cpu_limit", &resources.cpu_limit, true),
        ("memory_request", &resources.memory_request, false),
        ("memory_limit", &resources.memory_limit, false),
    ];
    for (field, value, is_cpu) in fields {
        let valid = if is_cpu {
            is_cpu_quantity(value)
        } else {
            crate::compose::memory_for_compose(value).is_some()
        };
        if !valid {
            return Err(CatalogError::InvalidResource {
                service: service.name.clone(),
                field,
                value: value.clone(),
            });
        }
    }
    Ok(())
}

/// `"250m"` or a whole or decimal number of cores such as `"2"` or `"0.5"`.
fn is_cpu_quantity(value: &str) -> bool {
    let number = value.strip_suffix('m').unwrap_or(value);
    !number.is_empty()
        && number.chars().all(|c| c.is_ascii_digit() || c == '.')
        && number.chars().filter(|c| *c == '.').count() <= 1
        && number.chars().any(|c| c.is_ascii_digit())
}

/// Depth-first search over hard dependencies; reports the first cycle as a path.
fn check_hard_cycles(
    catalog: &Catalog,
    by_name: &HashMap<&str, &ServiceEntry>,
) -> Result<(), CatalogError> {
    let mut done: HashSet<&str> = HashSet::new();
    for service in &catalog.services {
        let mut path = Vec::new();
        visit(&service.name, by_name, &mut done, &mut path)?;
    }
    Ok(())
}

fn visit<'a>(
    name: &'a str,
    by_name: &HashMap<&str, &'a ServiceEntry>,
    done: &mut HashSet<&'a str>,
    path: &mut Vec<&'a str>,
) -> Result<(), CatalogError> {
    if done.contains(name) {
        return Ok(());
    }
    if let Some(start) = path.iter().position(|step| *step == name) {
        let mut cycle: Vec<String> = path[start..].iter().map(|s| s.to_string()).collect();
        cycle.push(name.to_string());
        return Err(CatalogError::HardDependencyCycle(cycle));
    }
    path.push(name);
    if let Some(service) = by_name.get(name) {
        for dependency in &service.hard_deps {
            visit(dependency, by_name, done, path)?;
        }
    }
    path.pop();
    done.insert(name);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::CATALOG_TOML;

    /// The real catalog, parsed without validation, changed by `edit`, then validated.
    fn validate_edited(edit: impl FnOnce(&mut Catalog)) -> Result<(), CatalogError> {
        let mut catalog: Catalog = toml::from_str(CATALOG_TOML).expect("parses");
        edit(&mut catalog);
        validate(&catalog)
    }

    fn named<'a>(catalog: &'a mut Catalog, name: &str) -> &'a mut ServiceEntry {
        catalog
            .services
            .iter_mut()
            .find(|service| service.name == name)
            .expect("service exists")
    }

    #[test]
    fn real_catalog_is_valid() {
        assert_eq!(validate_edited(|_| {}), Ok(()));
    }

    #[test]
    fn settings_that_would_break_compose_interpolation_fail() {
        for (name, default) in [
            ("lower", "x"),
            ("GOOD", "${X}"),
            ("GOOD", "a}b"),
            ("1X", "x"),
        ] {
            let result = validate_edited(|c| {
                named(c, "okx-api").env = [(name.to_string(), default.to_string())].into();
            });
            assert_eq!(
                result,
                Err(CatalogError::InvalidEnv {
                    service: "okx-api".into(),
                    name: name.into()
                }),
                "{name}={default}"
            );
        }
        let fine = validate_edited(|c| {
            named(c, "okx-api").env =
                [("QUORUM_MARKET_SOURCE".to_string(), "sim".to_string())].into();
        });
        assert_eq!(fine, Ok(()));
    }

    #[test]
    fn duplicate_names_fail() {
        let result = validate_edited(|c| named(c, "okx-api").name = "binance-api".into());
        assert_eq!(
            result,
            Err(CatalogError::DuplicateName("binance-api".into()))
        );
    }

    #[test]
    fn non_kebab_names_fail() {
        for bad in [
            "Price-Feed",
            "price_feed",
            "price--feed",
            "-price",
            "price-",
            "9lives",
            "",
        ] {
            let result = validate_edited(|c| named(c, "price-feed").name = bad.into());
            assert_eq!(
                result,
                Err(CatalogError::InvalidName(bad.into())),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn ports_outside_the_ranges_fail() {
        let result = validate_edited(|c| named(c, "price-feed").grpc_port = 50200);
        assert!(matches!(
            result,
            Err(CatalogError::GrpcPortOutOfRange { port: 50200, .. })
        ));
        let result = validate_edited(|c| named(c, "price-feed").admin_port = 51100);
        assert!(matches!(
            result,
            Err(CatalogError::AdminPortOutOfRange { port: 51100, .. })
        ));
    }

    #[test]
    fn port_clashes_fail() {
        let result = validate_edited(|c| named(c, "coinbase-api").grpc_port = 50101);
        let expected = CatalogError::PortClash {
            port: 50101,
            first: "binance-api".into(),
            second: "coinbase-api".into(),
        };
        assert_eq!(result, Err(expected));
        let result = validate_edited(|c| named(c, "coinbase-api").admin_port = 51101);
        assert!(matches!(
            result,
            Err(CatalogError::PortClash { port: 51101, .. })
        ));
    }

    #[test]
    fn unknown_dependencies_fail() {
        let result = validate_edited(|c| named(c, "price-feed").soft_deps.push("nope".into()));
        let expected = CatalogError::UnknownDependency {
            service: "price-feed".into(),
            dependency: "nope".into(),
        };
        assert_eq!(result, Err(expected));
    }

    #[test]
    fn self_dependencies_fail() {
        let result =
            validate_edited(|c| named(c, "price-feed").hard_deps.push("price-feed".into()));
        assert_eq!(
            result,
            Err(CatalogError::SelfDependency("price-feed".into()))
        );
    }

    #[test]
    fn hard_dependency_cycles_fail() {
        let result = validate_edited(|c| {
            named(c, "portfolio-manager")
                .hard_deps
                .push("strategy-engine".into());
        });
        let Err(CatalogError::HardDependencyCycle(cycle)) = result else {
            panic!("expected a cycle, got {result:?}");
        };
        assert_eq!(cycle.first(), cycle.last());
        assert!(cycle.contains(&"portfolio-manager".to_string()));
    }

    #[test]
    fn soft_dependency_cycles_are_allowed() {
        let result = validate_edited(|c| {
            named(c, "portfolio-manager")
                .soft_deps
                .push("strategy-engine".into());
        });
        assert_eq!(result, Ok(()));
    }

    #[test]
    fn implemented_services_need_implemented_hard_deps() {
        let result = validate_edited(|c| {
            named(c, "health-checker")
                .hard_deps
                .push("volume-analyzer".into());
        });
        let expected = CatalogError::UnimplementedHardDependency {
            service: "health-checker".into(),
            dependency: "volume-analyzer".into(),
        };
        assert_eq!(result, Err(expected));
    }

    #[test]
    fn services_without_grpc_services_fail() {
        let result = validate_edited(|c| named(c, "price-feed").grpc_services.clear());
        assert_eq!(
            result,
            Err(CatalogError::NoGrpcService("price-feed".into()))
        );
    }

    #[test]
    fn bad_resource_quantities_fail() {
        let result =
            validate_edited(|c| named(c, "price-feed").resources.memory_limit = "lots".into());
        assert!(matches!(
            result,
            Err(CatalogError::InvalidResource {
                field: "memory_limit",
                ..
            })
        ));
        let result = validate_edited(|c| named(c, "price-feed").resources.cpu_request = "m".into());
        assert!(matches!(
            result,
            Err(CatalogError::InvalidResource {
                field: "cpu_request",
                ..
            })
        ));
    }

    #[test]
    fn errors_name_the_service() {
        let error = CatalogError::UnknownDependency {
            service: "price-feed".into(),
            dependency: "nope".into(),
        };
        assert!(error.to_string().contains("price-feed"));
    }
}
