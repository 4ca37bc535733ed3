//! The whole catalog: parsing, the compiled-in copy, and lookups across services.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::error::CatalogError;
use crate::model::ServiceEntry;
use crate::validate::validate;

/// The catalog text compiled into every binary.
pub const CATALOG_TOML: &str = include_str!("../../../services/catalog.toml");

/// Env var naming a catalog file to read instead of the compiled-in one.
pub const CATALOG_PATH_ENV: &str = "QUORUM_CATALOG_PATH";

/// Every service of the platform, in catalog order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalog {
    #[serde(rename = "service")]
    pub services: Vec<ServiceEntry>,
}

impl Catalog {
    /// Parses and validates a catalog.
    pub fn parse(text: &str) -> Result<Catalog, CatalogError> {
        let catalog: Catalog =
            toml::from_str(text).map_err(|error| CatalogError::Parse(error.to_string()))?;
        validate(&catalog)?;
        Ok(catalog)
    }

    /// The catalog compiled into the binary (include_str! of services/catalog.toml), parsed once (OnceLock).
    /// If env QUORUM_CATALOG_PATH is set, that file is read instead.
    pub fn load() -> Result<&'static Catalog, CatalogError> {
        static LOADED: OnceLock<Result<Catalog, CatalogError>> = OnceLock::new();
        LOADED
            .get_or_init(|| match std::env::var(CATALOG_PATH_ENV) {
                Ok(path) if !path.is_empty() => Catalog::read(&path),
                _ => Catalog::parse(CATALOG_TOML),
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    /// Reads, parses and validates a catalog file.
    pub fn read(path: &str) -> Result<Catalog, CatalogError> {
        let text = std::fs::read_to_string(path).map_err(|error| CatalogError::Io {
            path: path.to_string(),
            message: error.to_string(),
        })?;
        Catalog::parse(&text)
    }

    /// The service called `name`.
    pub fn service(&self, name: &str) -> Option<&ServiceEntry> {
        self.services.iter().find(|service| service.name == name)
    }

    /// The services that are implemented, in catalog order.
    pub fn implemented(&self) -> impl Iterator<Item = &ServiceEntry> {
        self.services.iter().filter(|service| service.implemented)
    }

    /// Services that list `name` as a hard or soft dependency.
    pub fn dependents(&self, name: &str) -> Vec<&ServiceEntry> {
        self.services
            .iter()
            .filter(|service| service.depends_on(name))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Category;
    use std::collections::BTreeSet;

    #[test]
    fn real_catalog_has_every_service() {
        let catalog = Catalog::parse(CATALOG_TOML).expect("valid catalog");
        assert_eq!(catalog.services.len(), 52);
        let categories: BTreeSet<Category> = catalog.services.iter().map(|s| s.category).collect();
        assert_eq!(categories.len(), 6);
        let implemented: Vec<&str> = catalog.implemented().map(|s| s.name.as_str()).collect();
        assert_eq!(
            implemented,
            [
                "binance-api",
                "coinbase-api",
                "okx-api",
                "gate-io-api",
                "price-feed",
                "orderbook-manager",
                "trade-history",
                "market-data",
                "momentum-trader",
                "mean-reversion",
                "breakout-trader",
                "strategy-engine",
                "portfolio-manager",
                "risk-manager",
                "consensus-engine",
                "auth-manager",
                "audit-logger",
                "compliance-checker",
                "health-checker"
            ]
        );
    }

    #[test]
    fn ports_follow_catalog_order() {
        let catalog = Catalog::parse(CATALOG_TOML).expect("valid catalog");
        for (index, service) in catalog.services.iter().enumerate() {
            let expected = 50101 + u16::try_from(index).expect("small index");
            assert_eq!(service.grpc_port, expected, "{}", service.name);
            assert_eq!(service.admin_port, expected + 1000, "{}", service.name);
        }
        assert_eq!(catalog.services[0].name, "binance-api");
        assert_eq!(catalog.services[51].name, "health-checker");
    }

    #[test]
    fn every_service_but_auth_needs_auth() {
        let catalog = Catalog::parse(CATALOG_TOML).expect("valid catalog");
        for service in &catalog.services {
            let needs_auth = service.hard_deps.iter().any(|dep| dep == "auth-manager");
            assert_eq!(
                needs_auth,
                service.name != "auth-manager",
                "{}",
                service.name
            );
        }
        assert_eq!(catalog.dependents("auth-manager").len(), 51);
    }

    #[test]
    fn implemented_services_match_their_contracts() {
        let catalog = Catalog::parse(CATALOG_TOML).expect("valid catalog");
        let auth = catalog.service("auth-manager").expect("auth");
        assert!(auth.postgres && auth.redis && auth.hard_deps.is_empty());
        assert_eq!(auth.grpc_services, ["quorum.auth.v1.AuthService"]);
        let audit = catalog.service("audit-logger").expect("audit");
        assert!(audit.postgres && audit.redis);
        assert_eq!(audit.hard_deps, ["auth-manager"]);
        let health = catalog.service("health-checker").expect("health");
        assert!(!health.postgres && !health.redis);
        assert_eq!(
            health.grpc_services,
            ["quorum.health.v1.HealthCheckerService"]
        );
        let gpu: Vec<&str> = catalog
            .services
            .iter()
            .filter(|s| s.gpu)
            .map(|s| s.name.as_str())
            .collect();
        assert_eq!(gpu, ["price-predictor", "model-trainer"]);
    }

    #[test]
    fn load_returns_the_compiled_catalog() {
        let catalog = Catalog::load().expect("loads");
        assert!(catalog.service("price-feed").is_some());
        assert!(catalog.service("no-such-service").is_none());
    }

    #[test]
    fn unreadable_files_name_the_path() {
        let error = Catalog::read("no/such/catalog.toml").expect_err("missing file");
        assert!(matches!(&error, CatalogError::Io { path, .. } if path == "no/such/catalog.toml"));
        assert!(error.to_string().contains("no/such/catalog.toml"));
    }

    #[test]
    fn unknown_fields_are_rejected() {
        let text = CATALOG_TOML.replacen("gpu = false", "gpu = false\ncolour = \"red\"", 1);
        assert!(matches!(Catalog::parse(&text), Err(CatalogError::Parse(_))));
    }
}
