//! market-data: rolling 24-hour statistics of every market, per venue and across venues,
//! updated from each trade on the bus: open, high, low, last, change percent, base and
//! quote volume, VWAP and trade count; market lists and top movers. State lives in
//! memory, so after a start the window fills over the following 24 hours.
pub mod consumer;
pub mod convert;
pub mod handlers;
pub mod markets;
pub mod ranking;
pub mod recent;
pub mod statistics;
pub mod window;

use std::sync::Arc;

use quorum_bus::BusArgs;
use quorum_kit::auth::AuthPolicy;
use quorum_kit::{ConfigError, Kit, Service};
use quorum_proto::marketdata::v1::market_data_service_server::MarketDataServiceServer;

use crate::consumer::Membership;
use crate::handlers::MarketDataHandler;
use crate::markets::Markets;

/// The service's catalog name.
pub const SERVICE: &str = "market-data";

/// market-data's own settings.
#[derive(Debug, Clone, clap::Args)]
pub struct Config {
    #[command(flatten)]
    pub bus: BusArgs,
    /// Name of this instance in the bus consumer group; keep it stable across restarts.
    #[arg(long, env = "HOSTNAME", default_value = "market-data-1")]
    pub consumer_name: String,
    /// Bus consumer group. Instances in one group share the trades, so give each
    /// replica a group of its own.
    #[arg(
        long,
        env = "QUORUM_MARKET_DATA_CONSUMER_GROUP",
        default_value = "market-data"
    )]
    pub consumer_group: String,
}

impl Config {
    /// Defaults for everything but the Redis URL (tests and tools).
    pub fn new(redis_url: impl Into<String>) -> Self {
        Self {
            bus: BusArgs::new(redis_url),
            consumer_name: "market-data-1".into(),
            consumer_group: SERVICE.into(),
        }
    }
}

/// Starts the trade consumer and returns the gRPC service. Every method needs a valid
/// token; no role is required.
pub async fn start(kit: Kit, config: Config) -> anyhow::Result<Service> {
    check(&config)?;
    let markets = Arc::new(Markets::new());
    let membership = Membership {
        group: config.consumer_group.clone(),
        consumer: config.consumer_name.clone(),
    };
    kit.spawn(
        "trade-consumer",
        consumer::run(
            config.bus.clone(),
            membership,
            markets.clone(),
            kit.shutdown_token(),
        ),
    );
    Ok(Service::new()
        .add(MarketDataServiceServer::new(MarketDataHandler::new(
            markets,
        )))
        .policy(AuthPolicy::new()))
}

/// The wall clock in Unix milliseconds.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// Refuses values that cannot work, naming the variable.
fn check(config: &Config) -> Result<(), ConfigError> {
    config.bus.check()?;
    if config.consumer_name.trim().is_empty() {
        return Err(ConfigError::new(
            "HOSTNAME",
            "must not be empty (it names this bus consumer)",
        ));
    }
    if config.consumer_group.trim().is_empty() {
        return Err(ConfigError::new(
            "QUORUM_MARKET_DATA_CONSUMER_GROUP",
            "must not be empty",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_values_name_their_variable() {
        assert!(check(&Config::new("redis://127.0.0.1:6379")).is_ok());
        type Edit = fn(&mut Config);
        let cases: Vec<(Edit, &str)> = vec![
            (|c| c.bus.redis_url = "http://x".into(), "REDIS_URL"),
            (|c| c.consumer_name = String::new(), "HOSTNAME"),
            (
                |c| c.consumer_group = " ".into(),
                "QUORUM_MARKET_DATA_CONSUMER_GROUP",
            ),
        ];
        for (edit, variable) in cases {
            let mut bad = Config::new("redis://127.0.0.1:6379");
            edit(&mut bad);
            assert_eq!(check(&bad).unwrap_err().variable, variable);
        }
    }
}
