//! health-checker: the Quorum service registry. It watches every catalog service over
//! grpc.health.v1, grades it (L1 registered, L2 serving with reflection and metrics, L3
//! passing its contract smoke check), marks it DEGRADED while a hard dependency is down,
//! and keeps a bounded history of every state change. State lives in memory.
mod api;
mod probe;
pub mod registry;
mod store;
mod watcher;

use std::sync::Arc;
use std::time::Duration;

use quorum_catalog::{CATALOG_PATH_ENV, Catalog};
use quorum_kit::auth::AuthPolicy;
use quorum_kit::{ConfigError, Kit, Service};
use quorum_proto::health::v1::health_checker_service_server::HealthCheckerServiceServer;

pub use api::{DEFAULT_HISTORY_LIMIT, MAX_HISTORY_LIMIT};
pub use registry::Target;

/// The service's catalog name.
pub const SERVICE: &str = "health-checker";

/// Quorum health-checker: watches, grades and tracks the history of every catalog service.
#[derive(Debug, Clone, clap::Args)]
pub struct Config {
    /// Milliseconds between grading probes of each service (and before watching a
    /// NOT_SERVING service again).
    #[arg(long, env = "QUORUM_HEALTH_PROBE_INTERVAL_MS", default_value_t = 2000)]
    pub probe_interval_ms: u64,
    /// Milliseconds one probe step (health, reflection, metrics, smoke call) may take.
    #[arg(long, env = "QUORUM_HEALTH_PROBE_TIMEOUT_MS", default_value_t = 1000)]
    pub probe_timeout_ms: u64,
    /// State changes kept per service.
    #[arg(long, env = "QUORUM_HEALTH_HISTORY", default_value_t = 100)]
    pub history: usize,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            probe_interval_ms: 2000,
            probe_timeout_ms: 1000,
            history: 100,
        }
    }
}

impl Config {
    fn timing(&self) -> Result<watcher::Timing, ConfigError> {
        if self.probe_interval_ms < 10 {
            let problem = "must be at least 10 (milliseconds)";
            return Err(ConfigError::new("QUORUM_HEALTH_PROBE_INTERVAL_MS", problem));
        }
        if self.probe_timeout_ms == 0 {
            let problem = "must be at least 1 (milliseconds)";
            return Err(ConfigError::new("QUORUM_HEALTH_PROBE_TIMEOUT_MS", problem));
        }
        if self.history == 0 {
            return Err(ConfigError::new(
                "QUORUM_HEALTH_HISTORY",
                "must be at least 1",
            ));
        }
        Ok(watcher::Timing {
            interval: Duration::from_millis(self.probe_interval_ms),
            timeout: Duration::from_millis(self.probe_timeout_ms),
        })
    }
}

/// Builds the service over every service of the catalog.
pub async fn start(kit: Kit, config: Config) -> anyhow::Result<Service> {
    let catalog =
        Catalog::load().map_err(|error| ConfigError::new(CATALOG_PATH_ENV, error.to_string()))?;
    start_with_registry(kit, config, registry::from_catalog(catalog)).await
}

/// Builds the service over the given targets, watching the implemented ones until the
/// kit shuts down.
pub async fn start_with_registry(
    kit: Kit,
    config: Config,
    registry: Vec<Target>,
) -> anyhow::Result<Service> {
    let timing = config.timing()?;
    let store = Arc::new(store::Store::new(registry, config.history));
    watcher::spawn_all(&kit, &store, timing);
    let api = api::HealthCheckerApi::new(store, kit.shutdown_token());
    Ok(Service::new()
        .add(HealthCheckerServiceServer::new(api))
        .policy(AuthPolicy::new()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_bad_values_name_their_variable() {
        assert!(Config::default().timing().is_ok());
        let zero_interval = Config {
            probe_interval_ms: 0,
            ..Config::default()
        };
        let error = zero_interval.timing().expect_err("interval 0 is refused");
        assert_eq!(error.variable, "QUORUM_HEALTH_PROBE_INTERVAL_MS");
        let no_history = Config {
            history: 0,
            ..Config::default()
        };
        let error = no_history.timing().expect_err("history 0 is refused");
        assert_eq!(error.variable, "QUORUM_HEALTH_HISTORY");
    }
}
