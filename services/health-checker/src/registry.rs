//! The services to watch: built from the catalog, or handed in directly (tests).
use quorum_catalog::{Catalog, Category, ServiceEntry};

/// One service the health-checker knows about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub name: String,
    pub category: Category,
    /// gRPC endpoint, e.g. `http://127.0.0.1:50137`.
    pub endpoint: String,
    /// Admin HTTP address (`host:port`) serving `/metrics`.
    pub admin_addr: String,
    pub implemented: bool,
    pub hard_deps: Vec<String>,
    pub soft_deps: Vec<String>,
    /// Fully qualified gRPC services it declares, e.g. `quorum.auth.v1.AuthService`.
    pub grpc_services: Vec<String>,
}

impl Target {
    /// The target for a catalog entry, with its endpoint resolved from the environment.
    pub fn from_entry(entry: &ServiceEntry) -> Self {
        let endpoint = entry.endpoint();
        Self {
            admin_addr: admin_address(&endpoint, entry.admin_port),
            endpoint,
            name: entry.name.clone(),
            category: entry.category,
            implemented: entry.implemented,
            hard_deps: entry.hard_deps.clone(),
            soft_deps: entry.soft_deps.clone(),
            grpc_services: entry.grpc_services.clone(),
        }
    }
}

/// Every service of the catalog, in catalog order.
pub fn from_catalog(catalog: &Catalog) -> Vec<Target> {
    catalog.services.iter().map(Target::from_entry).collect()
}

/// The admin address for a gRPC endpoint: the endpoint's host with the admin port.
pub fn admin_address(endpoint: &str, admin_port: u16) -> String {
    let without_scheme = endpoint
        .split_once("://")
        .map_or(endpoint, |(_, rest)| rest);
    let authority = without_scheme.split('/').next().unwrap_or_default();
    let host = match authority.rsplit_once(':') {
        // An IPv6 literal without a port ends in `]`, which is not a port number.
        Some((host, port)) if port.chars().all(|c| c.is_ascii_digit()) => host,
        _ => authority,
    };
    let host = if host.is_empty() { "127.0.0.1" } else { host };
    format!("{host}:{admin_port}")
}

/// Parses a category name case-insensitively (`infra`, `INFRA`).
pub fn parse_category(text: &str) -> Option<Category> {
    Category::ALL
        .into_iter()
        .find(|category| category.as_str().eq_ignore_ascii_case(text.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_registry_has_every_service_and_marks_the_implemented_ones() {
        let catalog = Catalog::load().expect("catalog loads");
        let registry = from_catalog(catalog);
        assert_eq!(registry.len(), 52);
        let implemented: Vec<&str> = registry
            .iter()
            .filter(|target| target.implemented)
            .map(|target| target.name.as_str())
            .collect();
        let catalog = Catalog::load().expect("catalog loads");
        let expected: Vec<&str> = catalog.implemented().map(|s| s.name.as_str()).collect();
        assert!(expected.contains(&"health-checker"));
        assert_eq!(implemented, expected);
        let health = registry
            .iter()
            .find(|target| target.name == "health-checker")
            .expect("health-checker is registered");
        assert_eq!(health.category, Category::Infra);
        assert_eq!(health.hard_deps, ["auth-manager"]);
        assert_eq!(
            health.grpc_services,
            ["quorum.health.v1.HealthCheckerService"]
        );
        assert!(health.endpoint.ends_with(":50152"), "{}", health.endpoint);
        assert!(
            health.admin_addr.ends_with(":51152"),
            "{}",
            health.admin_addr
        );
    }

    #[test]
    fn admin_address_keeps_the_host_and_swaps_the_port() {
        assert_eq!(
            admin_address("http://127.0.0.1:50152", 51152),
            "127.0.0.1:51152"
        );
        assert_eq!(
            admin_address("http://auth-manager:50137", 51137),
            "auth-manager:51137"
        );
        assert_eq!(admin_address("https://10.0.0.1:9/", 10), "10.0.0.1:10");
        assert_eq!(admin_address("http://[::1]:50101", 51101), "[::1]:51101");
        assert_eq!(admin_address("http://svc", 7), "svc:7");
        assert_eq!(admin_address("", 7), "127.0.0.1:7");
    }

    #[test]
    fn categories_parse_case_insensitively() {
        assert_eq!(parse_category("infra"), Some(Category::Infra));
        assert_eq!(parse_category("Trading"), Some(Category::Trading));
        assert_eq!(parse_category("AI"), Some(Category::Ai));
        assert_eq!(parse_category("gpu"), None);
        assert_eq!(parse_category(""), None);
    }
}
