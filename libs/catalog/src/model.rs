//! The catalog's data types and the queries services make at run time.

use std::collections::BTreeMap;
use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};

use serde::{Deserialize, Serialize};

/// The six service families of the platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Category {
    Api,
    Data,
    Trading,
    Ai,
    Security,
    Infra,
}

impl Category {
    /// Every category, in catalog order.
    pub const ALL: [Category; 6] = [
        Category::Api,
        Category::Data,
        Category::Trading,
        Category::Ai,
        Category::Security,
        Category::Infra,
    ];

    /// The upper-case name used in the catalog file, e.g. `"API"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Api => "API",
            Category::Data => "DATA",
            Category::Trading => "TRADING",
            Category::Ai => "AI",
            Category::Security => "SECURITY",
            Category::Infra => "INFRA",
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Kubernetes-style resource quantities (`"50m"`, `"128Mi"`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Resources {
    pub cpu_request: String,
    pub cpu_limit: String,
    pub memory_request: String,
    pub memory_limit: String,
}

/// Env var that overrides the client address of the service named `service`:
/// `auth-manager` -> `QUORUM_AUTH_MANAGER_ADDR`.
pub fn address_env_var(service: &str) -> String {
    format!(
        "QUORUM_{}_ADDR",
        service.to_ascii_uppercase().replace('-', "_")
    )
}

/// One service of the catalog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceEntry {
    pub name: String,
    pub category: Category,
    pub description: String,
    pub grpc_port: u16,
    pub admin_port: u16,
    pub hard_deps: Vec<String>,
    pub soft_deps: Vec<String>,
    pub postgres: bool,
    pub redis: bool,
    pub gpu: bool,
    pub resources: Resources,
    pub grpc_services: Vec<String>,
    pub implemented: bool,
    /// The service's own settings and their defaults. Compose lets the shell override
    /// each (`${NAME:-default}`); Kubernetes sets the default.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub env: BTreeMap<String, String>,
}

impl ServiceEntry {
    /// Env var that overrides this service's client address, e.g. QUORUM_AUTH_MANAGER_ADDR.
    pub fn address_env_var(&self) -> String {
        address_env_var(&self.name)
    }

    /// Client endpoint: the env override if set and non-empty; else if env QUORUM_DISCOVERY == "dns" then
    /// "http://<name>:<grpc_port>", otherwise "http://127.0.0.1:<grpc_port>".
    pub fn endpoint(&self) -> String {
        self.endpoint_with(|key| std::env::var(key).ok())
    }

    /// [`ServiceEntry::endpoint`], but where the env var is unset `local` (the service's
    /// address in this process, when it runs here) comes before the DNS and loopback
    /// defaults.
    pub fn endpoint_preferring(&self, local: Option<&str>) -> String {
        self.endpoint_from(|key| std::env::var(key).ok(), local)
    }

    /// [`ServiceEntry::endpoint`] with an injectable environment, so it can be tested.
    pub fn endpoint_with(&self, env: impl Fn(&str) -> Option<String>) -> String {
        self.endpoint_from(env, None)
    }

    fn endpoint_from(&self, env: impl Fn(&str) -> Option<String>, local: Option<&str>) -> String {
        if let Some(address) = env(&self.address_env_var()).filter(|value| !value.is_empty()) {
            return address;
        }
        if let Some(address) = local {
            return address.to_string();
        }
        if env("QUORUM_DISCOVERY").as_deref() == Some("dns") {
            format!("http://{}:{}", self.name, self.grpc_port)
        } else {
            format!("http://127.0.0.1:{}", self.grpc_port)
        }
    }

    /// `0.0.0.0:<grpc_port>`.
    pub fn default_grpc_addr(&self) -> SocketAddr {
        SocketAddr::from((Ipv4Addr::UNSPECIFIED, self.grpc_port))
    }

    /// `0.0.0.0:<admin_port>`.
    pub fn default_admin_addr(&self) -> SocketAddr {
        SocketAddr::from((Ipv4Addr::UNSPECIFIED, self.admin_port))
    }

    /// Hard then soft dependencies, in catalog order.
    pub fn all_deps(&self) -> impl Iterator<Item = &str> {
        self.hard_deps
            .iter()
            .chain(self.soft_deps.iter())
            .map(String::as_str)
    }

    /// Whether `name` is one of this service's hard or soft dependencies.
    pub fn depends_on(&self, name: &str) -> bool {
        self.all_deps().any(|dep| dep == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Catalog;

    fn auth() -> ServiceEntry {
        let catalog = Catalog::load().expect("catalog loads");
        catalog.service("auth-manager").expect("present").clone()
    }

    #[test]
    fn env_var_name_is_upper_snake_case() {
        assert_eq!(auth().address_env_var(), "QUORUM_AUTH_MANAGER_ADDR");
    }

    #[test]
    fn a_local_address_comes_after_the_override_and_before_the_defaults() {
        let service = auth();
        let local = Some("http://127.0.0.1:60137");
        let overridden = |key: &str| {
            (key == "QUORUM_AUTH_MANAGER_ADDR").then(|| "http://10.0.0.1:9".to_string())
        };
        assert_eq!(
            service.endpoint_from(overridden, local),
            "http://10.0.0.1:9"
        );
        let dns = |key: &str| (key == "QUORUM_DISCOVERY").then(|| "dns".to_string());
        assert_eq!(service.endpoint_from(dns, local), "http://127.0.0.1:60137");
        assert_eq!(
            service.endpoint_from(dns, None),
            "http://auth-manager:50137"
        );
    }

    #[test]
    fn endpoint_prefers_override_then_dns_then_loopback() {
        let service = auth();
        let none = |_: &str| None;
        assert_eq!(service.endpoint_with(none), "http://127.0.0.1:50137");
        let dns = |key: &str| (key == "QUORUM_DISCOVERY").then(|| "dns".to_string());
        assert_eq!(service.endpoint_with(dns), "http://auth-manager:50137");
        let both = |key: &str| match key {
            "QUORUM_AUTH_MANAGER_ADDR" => Some("http://10.0.0.1:9".to_string()),
            "QUORUM_DISCOVERY" => Some("dns".to_string()),
            _ => None,
        };
        assert_eq!(service.endpoint_with(both), "http://10.0.0.1:9");
        let empty = |key: &str| (key == "QUORUM_AUTH_MANAGER_ADDR").then(String::new);
        assert_eq!(service.endpoint_with(empty), "http://127.0.0.1:50137");
    }

    #[test]
    fn default_addresses_bind_all_interfaces() {
        let service = auth();
        assert_eq!(service.default_grpc_addr().to_string(), "0.0.0.0:50137");
        assert_eq!(service.default_admin_addr().to_string(), "0.0.0.0:51137");
    }

    #[test]
    fn category_prints_like_the_catalog() {
        assert_eq!(Category::Security.to_string(), "SECURITY");
        assert_eq!(Category::Ai.to_string(), "AI");
    }
}
