//! orderbook-manager: L2 books per venue and aggregated across venues, kept from the
//! connectors' `md.book` snapshots and deltas, served by GetBook, StreamBook and
//! GetDepthStats. Gapped, crossed or stale books are withheld until their next snapshot,
//! and their connector is asked (rate-limited per book) to resync them.
pub mod aggregate;
pub mod books;
pub mod connectors;
pub mod delta;
pub mod depth;
pub mod feed;
pub mod handlers;
pub mod metrics;
pub mod request;
pub mod resync;
pub mod sequencing;
pub mod stream;

use std::sync::Arc;
use std::time::Duration;

use quorum_bus::BusArgs;
use quorum_kit::auth::AuthPolicy;
use quorum_kit::{ConfigError, Kit, Service};
use quorum_proto::marketdata::v1::order_book_service_server::OrderBookServiceServer;

use crate::books::Books;
use crate::connectors::ConnectorArgs;
use crate::feed::{Feed, Subscription};
use crate::handlers::OrderBookHandler;
use crate::metrics::BookMetrics;
use crate::resync::{ResyncLimiter, Resyncer};

/// The service's catalog name.
pub const SERVICE: &str = "orderbook-manager";
/// Default consumer group of `md.book`.
pub const GROUP: &str = "orderbook-manager";

/// orderbook-manager's own settings.
#[derive(Debug, Clone, clap::Args)]
pub struct Config {
    #[command(flatten)]
    pub bus: BusArgs,
    /// Consumer group of `md.book`. Books live in memory, so every replica needs a group
    /// of its own to see every update.
    #[arg(long, env = "QUORUM_ORDERBOOK_GROUP", default_value = GROUP)]
    pub group: String,
    /// Name of this instance in the consumer group.
    #[arg(long, env = "HOSTNAME", default_value = "orderbook-manager-1")]
    pub consumer_name: String,
    /// Least milliseconds between two resync requests of one book; doubles while the
    /// book keeps breaking.
    #[arg(
        long,
        env = "QUORUM_ORDERBOOK_RESYNC_INTERVAL_MS",
        default_value_t = 5_000
    )]
    pub resync_interval_ms: u64,
    /// Most milliseconds between resync requests of a book that keeps breaking.
    #[arg(
        long,
        env = "QUORUM_ORDERBOOK_RESYNC_MAX_INTERVAL_MS",
        default_value_t = 60_000
    )]
    pub resync_max_interval_ms: u64,
    /// Patience for one ResyncBook call, in milliseconds.
    #[arg(
        long,
        env = "QUORUM_ORDERBOOK_RESYNC_TIMEOUT_MS",
        default_value_t = 5_000
    )]
    pub resync_timeout_ms: u64,
    /// A synced book without an update for this many milliseconds is withheld as stale
    /// (connectors publish a snapshot about every 10 s).
    #[arg(
        long,
        env = "QUORUM_ORDERBOOK_STALE_AFTER_MS",
        default_value_t = 30_000
    )]
    pub stale_after_ms: u64,
    #[command(flatten)]
    pub connectors: ConnectorArgs,
}

impl Config {
    /// Defaults for everything but the Redis URL (tests and tools).
    pub fn new(redis_url: impl Into<String>) -> Self {
        Self {
            bus: BusArgs::new(redis_url),
            group: GROUP.into(),
            consumer_name: "orderbook-manager-1".into(),
            resync_interval_ms: 5_000,
            resync_max_interval_ms: 60_000,
            resync_timeout_ms: 5_000,
            stale_after_ms: 30_000,
            connectors: ConnectorArgs::default(),
        }
    }

    /// Refuses values that cannot work, naming the variable.
    pub fn check(&self) -> Result<(), ConfigError> {
        self.bus.check()?;
        self.connectors.check()?;
        let words = [
            (&self.group, "QUORUM_ORDERBOOK_GROUP"),
            (&self.consumer_name, "HOSTNAME"),
        ];
        for (value, variable) in words {
            if value.trim().is_empty() || value.contains(char::is_whitespace) {
                return Err(ConfigError::new(variable, "must be a non-empty word"));
            }
        }
        let positive = [
            (
                self.resync_interval_ms,
                "QUORUM_ORDERBOOK_RESYNC_INTERVAL_MS",
            ),
            (self.resync_timeout_ms, "QUORUM_ORDERBOOK_RESYNC_TIMEOUT_MS"),
            (self.stale_after_ms, "QUORUM_ORDERBOOK_STALE_AFTER_MS"),
        ];
        for (value, variable) in positive {
            if value == 0 {
                return Err(ConfigError::new(
                    variable,
                    "must be at least 1 (milliseconds)",
                ));
            }
        }
        if self.resync_max_interval_ms < self.resync_interval_ms {
            return Err(ConfigError::new(
                "QUORUM_ORDERBOOK_RESYNC_MAX_INTERVAL_MS",
                "must be at least QUORUM_ORDERBOOK_RESYNC_INTERVAL_MS",
            ));
        }
        Ok(())
    }
}

/// Starts the feed, the staleness sweep and the resync worker, and returns the gRPC
/// service. Any valid token may read books.
pub async fn start(kit: Kit, config: Config) -> anyhow::Result<Service> {
    config.check()?;
    let connectors = connectors::clients(&kit, &config.connectors)?;
    let metrics = BookMetrics::register(kit.metrics());
    let limiter = ResyncLimiter::new(
        Duration::from_millis(config.resync_interval_ms),
        Duration::from_millis(config.resync_max_interval_ms),
    );
    let (resyncer, queue) = Resyncer::new(limiter, metrics.clone());
    let feed = Feed {
        books: Arc::new(Books::new()),
        resyncer: Arc::new(resyncer),
        metrics: metrics.clone(),
    };
    kit.spawn(
        "resync",
        resync::work(
            queue,
            connectors,
            Duration::from_millis(config.resync_timeout_ms),
            metrics,
            kit.shutdown_token(),
        ),
    );
    kit.spawn(
        "stale-books",
        feed::sweep(
            feed.clone(),
            Duration::from_millis(config.stale_after_ms),
            kit.shutdown_token(),
        ),
    );
    let subscription = Subscription {
        bus: config.bus.clone(),
        group: config.group.clone(),
        consumer: config.consumer_name.clone(),
    };
    kit.spawn(
        "book-feed",
        feed::run(subscription, feed.clone(), kit.shutdown_token()),
    );
    let handler = OrderBookHandler::new(feed.books, kit.shutdown_token());
    Ok(Service::new()
        .add(OrderBookServiceServer::new(handler))
        .policy(AuthPolicy::new()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_bad_values_name_their_variable() {
        assert!(Config::new("redis://127.0.0.1:6379").check().is_ok());
        type Edit = fn(&mut Config);
        let cases: Vec<(Edit, &str)> = vec![
            (|c| c.bus.redis_url = "http://x".into(), "REDIS_URL"),
            (|c| c.group = " ".into(), "QUORUM_ORDERBOOK_GROUP"),
            (|c| c.consumer_name = "a b".into(), "HOSTNAME"),
            (
                |c| c.resync_interval_ms = 0,
                "QUORUM_ORDERBOOK_RESYNC_INTERVAL_MS",
            ),
            (
                |c| c.resync_max_interval_ms = 10,
                "QUORUM_ORDERBOOK_RESYNC_MAX_INTERVAL_MS",
            ),
            (
                |c| c.resync_timeout_ms = 0,
                "QUORUM_ORDERBOOK_RESYNC_TIMEOUT_MS",
            ),
            (|c| c.stale_after_ms = 0, "QUORUM_ORDERBOOK_STALE_AFTER_MS"),
            (
                |c| c.connectors.binance_api_addr = Some("binance:50101".into()),
                "QUORUM_BINANCE_API_ADDR",
            ),
        ];
        for (edit, variable) in cases {
            let mut bad = Config::new("redis://127.0.0.1:6379");
            edit(&mut bad);
            assert_eq!(bad.check().unwrap_err().variable, variable);
        }
    }
}
