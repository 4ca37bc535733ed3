//! price-feed: consolidated quotes across venues. It follows every venue's top of book
//! and trades from the bus, leaves out stale, one-sided, crossed and outlier venues, and
//! serves the best bid, best ask, mid, weighted mid and last over the rest: by request,
//! as a conflating stream, and in Redis for other services. State lives in memory.
pub mod consolidate;
pub mod consumer;
pub mod convert;
pub mod handlers;
pub mod hub;
pub mod ingest;
pub mod outlier;
pub mod quote;
pub mod quote_store;
pub mod subscription;

use std::sync::Arc;
use std::time::Duration;

use quorum_bus::BusArgs;
use quorum_domain::Decimal;
use quorum_kit::auth::AuthPolicy;
use quorum_kit::{CancellationToken, ConfigError, Kit, Service};
use quorum_proto::marketdata::v1::price_feed_service_server::PriceFeedServiceServer;

use crate::consolidate::Rules;
use crate::consumer::Membership;
use crate::handlers::PriceFeedHandler;
use crate::hub::Hub;
use crate::outlier::OutlierRule;
use crate::quote_store::StoreConfig;

/// The service's catalog name.
pub const SERVICE: &str = "price-feed";

/// price-feed's own settings.
#[derive(Debug, Clone, clap::Args)]
pub struct Config {
    #[command(flatten)]
    pub bus: BusArgs,
    /// Name of this instance in the bus consumer group; keep it stable across restarts.
    #[arg(long, env = "HOSTNAME", default_value = "price-feed-1")]
    pub consumer_name: String,
    /// Bus consumer group. Instances in one group share the events, so give each
    /// replica a group of its own.
    #[arg(
        long,
        env = "QUORUM_PRICE_CONSUMER_GROUP",
        default_value = "price-feed"
    )]
    pub consumer_group: String,
    /// A venue with no ticker for longer than this many milliseconds is STALE.
    #[arg(long, env = "QUORUM_PRICE_STALE_MS", default_value_t = 5000)]
    pub stale_ms: u64,
    /// k: a venue mid more than k median absolute deviations from the median is OUTLIER.
    #[arg(long, env = "QUORUM_PRICE_OUTLIER_MADS", default_value = "5")]
    pub outlier_mads: Decimal,
    /// Least median absolute deviation used, in basis points of the median mid.
    #[arg(long, env = "QUORUM_PRICE_MAD_FLOOR_BPS", default_value = "2")]
    pub mad_floor_bps: Decimal,
    /// Lifetime in seconds of the quotes written to Redis.
    #[arg(long, env = "QUORUM_PRICE_QUOTE_TTL_SECS", default_value_t = 60)]
    pub quote_ttl_secs: u64,
}

impl Config {
    /// Defaults for everything but the Redis URL (tests and tools).
    pub fn new(redis_url: impl Into<String>) -> Self {
        Self {
            bus: BusArgs::new(redis_url),
            consumer_name: "price-feed-1".into(),
            consumer_group: SERVICE.into(),
            stale_ms: 5000,
            outlier_mads: Decimal::from(5),
            mad_floor_bps: Decimal::from(2),
            quote_ttl_secs: 60,
        }
    }
}

/// Starts the bus consumers, the staleness sweep and the Redis writer, and returns the
/// gRPC service. Every method needs a valid token; no role is required.
pub async fn start(kit: Kit, config: Config) -> anyhow::Result<Service> {
    let rules = check(&config)?;
    let hub = Arc::new(Hub::new(rules));
    let store = StoreConfig {
        redis_url: config.bus.redis_url.clone(),
        ttl: Duration::from_secs(config.quote_ttl_secs),
    };
    // Subscribed before any event can arrive, so the store misses no change.
    let changes = hub.subscribe(None);
    kit.spawn(
        "quote-store",
        quote_store::run(store, hub.clone(), changes, kit.shutdown_token()),
    );
    kit.spawn(
        "stale-sweep",
        sweep(
            hub.clone(),
            sweep_interval(config.stale_ms),
            kit.shutdown_token(),
        ),
    );
    let membership = Membership {
        group: config.consumer_group.clone(),
        consumer: config.consumer_name.clone(),
    };
    kit.spawn(
        "market-consumers",
        consumer::run(
            config.bus.clone(),
            membership,
            hub.clone(),
            kit.shutdown_token(),
        ),
    );
    let handler = PriceFeedHandler::new(hub, kit.shutdown_token());
    Ok(Service::new()
        .add(PriceFeedServiceServer::new(handler))
        .policy(AuthPolicy::new()))
}

/// The wall clock in Unix milliseconds.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// Refuses values that cannot work, naming the variable; returns the exclusion rules.
fn check(config: &Config) -> Result<Rules, ConfigError> {
    config.bus.check()?;
    if config.consumer_name.trim().is_empty() {
        return Err(ConfigError::new(
            "HOSTNAME",
            "must not be empty (it names this bus consumer)",
        ));
    }
    if config.consumer_group.trim().is_empty() {
        return Err(ConfigError::new(
            "QUORUM_PRICE_CONSUMER_GROUP",
            "must not be empty",
        ));
    }
    let stale_after_ms = i64::try_from(config.stale_ms)
        .ok()
        .filter(|ms| (1..=86_400_000).contains(ms))
        .ok_or_else(|| {
            ConfigError::new(
                "QUORUM_PRICE_STALE_MS",
                "must be between 1 and 86400000 (milliseconds)",
            )
        })?;
    if config.outlier_mads <= Decimal::ZERO || config.outlier_mads > Decimal::from(1000) {
        return Err(ConfigError::new(
            "QUORUM_PRICE_OUTLIER_MADS",
            "must be above 0 and at most 1000, e.g. 5",
        ));
    }
    if config.mad_floor_bps < Decimal::ZERO || config.mad_floor_bps > Decimal::from(10_000) {
        return Err(ConfigError::new(
            "QUORUM_PRICE_MAD_FLOOR_BPS",
            "must be between 0 and 10000 (basis points), e.g. 2",
        ));
    }
    if config.quote_ttl_secs == 0 {
        return Err(ConfigError::new(
            "QUORUM_PRICE_QUOTE_TTL_SECS",
            "must be at least 1 (seconds)",
        ));
    }
    Ok(Rules {
        stale_after_ms,
        outlier: OutlierRule {
            mads: config.outlier_mads,
            floor_bps: config.mad_floor_bps,
        },
    })
}

/// A tenth of the stale age, within 20 ms and 1 s: a venue is marked stale at most
/// that late.
fn sweep_interval(stale_ms: u64) -> Duration {
    Duration::from_millis((stale_ms / 10).clamp(20, 1000))
}

/// Recomputes every quote on a timer, since a venue goes stale without any event.
async fn sweep(hub: Arc<Hub>, interval: Duration, shutdown: CancellationToken) {
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            _ = ticker.tick() => hub.refresh_all(now_ms()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> Config {
        Config::new("redis://127.0.0.1:6379")
    }

    #[test]
    fn defaults_pass() {
        let rules = check(&config()).unwrap();
        assert_eq!(rules.stale_after_ms, 5000);
        assert_eq!(rules.outlier.mads, Decimal::from(5));
        assert_eq!(sweep_interval(5000), Duration::from_millis(500));
        assert_eq!(sweep_interval(50), Duration::from_millis(20));
    }

    #[test]
    fn bad_values_name_their_variable() {
        type Edit = fn(&mut Config);
        let cases: Vec<(Edit, &str)> = vec![
            (|c| c.bus.redis_url = "http://x".into(), "REDIS_URL"),
            (|c| c.consumer_name = " ".into(), "HOSTNAME"),
            (
                |c| c.consumer_group = String::new(),
                "QUORUM_PRICE_CONSUMER_GROUP",
            ),
            (|c| c.stale_ms = 0, "QUORUM_PRICE_STALE_MS"),
            (
                |c| c.outlier_mads = Decimal::ZERO,
                "QUORUM_PRICE_OUTLIER_MADS",
            ),
            (
                |c| c.mad_floor_bps = Decimal::NEGATIVE_ONE,
                "QUORUM_PRICE_MAD_FLOOR_BPS",
            ),
            (|c| c.quote_ttl_secs = 0, "QUORUM_PRICE_QUOTE_TTL_SECS"),
        ];
        for (edit, variable) in cases {
            let mut bad = config();
            edit(&mut bad);
            assert_eq!(check(&bad).unwrap_err().variable, variable);
        }
    }
}
