//! strategy-engine: strategy instances stored in Postgres and their live loop. On each
//! closed candle of a running instance: readiness (book synced and fresh, orders of the
//! account reconciled) -> consensus-engine Decide -> sizing -> risk-manager CheckOrder ->
//! compliance-checker CheckOrder -> PlaceOrder on the venue connector with a client
//! order id derived from the run -> the run recorded and audited.
pub mod engine;
pub mod handlers;
pub mod metrics;
pub mod model;
pub mod peers;
pub mod pipeline;
pub mod readiness;
pub mod recovery;
pub mod registry;
pub mod sizing;
pub mod spec;
pub mod store;
pub mod windows;

use std::sync::Arc;
use std::time::Duration;

use quorum_bus::BusArgs;
use quorum_bus::outbox::Outbox;
use quorum_kit::auth::AuthPolicy;
use quorum_kit::{ConfigError, Kit, Service};
use quorum_proto::trading::v1::strategy_engine_service_server::StrategyEngineServiceServer;
use quorum_store::DatabaseArgs;

use crate::engine::{Engine, Settings};
use crate::handlers::StrategyHandler;
use crate::metrics::LoopMetrics;
use crate::peers::Peers;
use crate::pipeline::CrashPoint;
use crate::registry::Registry;
use crate::store::Store;

/// The service's catalog name.
pub const SERVICE: &str = "strategy-engine";

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!();

const METHOD_PREFIX: &str = "/quorum.trading.v1.StrategyEngineService/";

/// strategy-engine's own settings.
#[derive(Debug, Clone, clap::Args)]
pub struct Config {
    #[command(flatten)]
    pub database: DatabaseArgs,
    #[command(flatten)]
    pub bus: BusArgs,
    /// Name of this instance in the bus consumer group; keep it stable across restarts.
    #[arg(long, env = "HOSTNAME", default_value = "strategy-engine-1")]
    pub consumer_name: String,
    /// A closed candle older than this when it arrives is not acted on (after a
    /// restart, candles that closed while the engine was down are skipped).
    #[arg(
        long,
        env = "QUORUM_STRATEGY_ENGINE_MAX_CANDLE_LAG_MS",
        default_value_t = 15_000
    )]
    pub max_candle_lag_ms: i64,
    /// A book that has not changed for this long is a stale price: the strategy waits.
    #[arg(
        long,
        env = "QUORUM_STRATEGY_ENGINE_MAX_BOOK_AGE_MS",
        default_value_t = 10_000
    )]
    pub max_book_age_ms: i64,
    /// Candles after a decision at which consensus-engine judges its outcome.
    #[arg(long, env = "QUORUM_STRATEGY_ENGINE_HORIZON_BARS", default_value_t = 5)]
    pub horizon_bars: u32,
    /// How long a Decide (every round of every voter) may take.
    #[arg(
        long,
        env = "QUORUM_STRATEGY_ENGINE_DECIDE_TIMEOUT_MS",
        default_value_t = 30_000
    )]
    pub decide_timeout_ms: u64,
    /// Fault injection for tests: stop the process (as a kill -9 would) at
    /// `before-order` (intent written, PlaceOrder not sent) or `after-order`
    /// (PlaceOrder answered, not yet recorded). Never set in production.
    #[arg(long, env = "QUORUM_STRATEGY_ENGINE_CRASH_AT", default_value = "")]
    pub crash_at: String,
}

impl Config {
    /// Defaults for everything but the two URLs (tests and tools).
    pub fn new(database_url: impl Into<String>, redis_url: impl Into<String>) -> Self {
        Self {
            database: DatabaseArgs::new(database_url),
            bus: BusArgs::new(redis_url),
            consumer_name: "strategy-engine-1".into(),
            max_candle_lag_ms: 15_000,
            max_book_age_ms: 10_000,
            horizon_bars: 5,
            decide_timeout_ms: 30_000,
            crash_at: String::new(),
        }
    }
}

/// Connects Postgres, settles runs a previous process left in flight, starts the candle
/// consumer and returns the gRPC service. Creating, starting and stopping strategies
/// needs the `trader` role; reading needs any token.
pub async fn start(kit: Kit, config: Config) -> anyhow::Result<Service> {
    let settings = check(&config)?;
    let peers = Peers::new(&kit)?;
    let pool = config.database.connect(SERVICE, &MIGRATOR).await?;
    let outbox = Outbox::open(pool.clone()).await?;
    kit.spawn(
        "outbox-relay",
        outbox
            .clone()
            .relay_when_connected(config.bus.clone(), kit.shutdown_token()),
    );
    let store = Store::new(pool, outbox);
    let registry = Registry::new(store.strategies().await?);
    let metrics = LoopMetrics::register(kit.metrics());
    let engine = Arc::new(Engine::new(store, peers, registry, settings, metrics));
    let in_flight = engine.queue_in_flight().await?;
    if in_flight > 0 {
        tracing::warn!(
            in_flight,
            "runs left in flight by a previous process; settling them with the venues"
        );
    }
    kit.spawn(
        "recovery",
        recovery::run(engine.clone(), kit.shutdown_token()),
    );
    kit.spawn(
        "candle-consumer",
        engine::consume(
            engine.clone(),
            config.bus.clone(),
            config.consumer_name.clone(),
            kit.shutdown_token(),
        ),
    );
    let writer = ["trader"];
    let policy = AuthPolicy::new()
        .require(&format!("{METHOD_PREFIX}CreateStrategy"), &writer)
        .require(&format!("{METHOD_PREFIX}StartStrategy"), &writer)
        .require(&format!("{METHOD_PREFIX}StopStrategy"), &writer);
    Ok(Service::new()
        .add(StrategyEngineServiceServer::new(StrategyHandler::new(
            engine,
        )))
        .policy(policy))
}

/// Refuses values that cannot work, naming the variable.
fn check(config: &Config) -> Result<Settings, ConfigError> {
    config.database.check()?;
    config.bus.check()?;
    if config.consumer_name.trim().is_empty() {
        return Err(ConfigError::new(
            "HOSTNAME",
            "must not be empty (it names this bus consumer)",
        ));
    }
    if config.max_candle_lag_ms <= 0 {
        return Err(ConfigError::new(
            "QUORUM_STRATEGY_ENGINE_MAX_CANDLE_LAG_MS",
            "must be positive",
        ));
    }
    if config.max_book_age_ms <= 0 {
        return Err(ConfigError::new(
            "QUORUM_STRATEGY_ENGINE_MAX_BOOK_AGE_MS",
            "must be positive",
        ));
    }
    if !(1..=1_000).contains(&config.horizon_bars) {
        return Err(ConfigError::new(
            "QUORUM_STRATEGY_ENGINE_HORIZON_BARS",
            "must be 1 to 1000",
        ));
    }
    if !(100..=600_000).contains(&config.decide_timeout_ms) {
        return Err(ConfigError::new(
            "QUORUM_STRATEGY_ENGINE_DECIDE_TIMEOUT_MS",
            "must be 100 to 600000",
        ));
    }
    let crash_at = match config.crash_at.trim() {
        "" => None,
        "before-order" => Some(CrashPoint::BeforeOrder),
        "after-order" => Some(CrashPoint::AfterOrder),
        _ => {
            return Err(ConfigError::new(
                "QUORUM_STRATEGY_ENGINE_CRASH_AT",
                "must be empty, before-order or after-order",
            ));
        }
    };
    Ok(Settings {
        max_candle_lag_ms: config.max_candle_lag_ms,
        max_book_age_ms: config.max_book_age_ms,
        horizon_bars: config.horizon_bars,
        decide_deadline: Duration::from_millis(config.decide_timeout_ms),
        crash_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_values_name_their_variable() {
        let good = Config::new("postgres://u:p@127.0.0.1/db", "redis://127.0.0.1:6379");
        assert!(check(&good).is_ok());
        type Edit = fn(&mut Config);
        let cases: Vec<(Edit, &str)> = vec![
            (|c| c.consumer_name = " ".into(), "HOSTNAME"),
            (
                |c| c.max_candle_lag_ms = 0,
                "QUORUM_STRATEGY_ENGINE_MAX_CANDLE_LAG_MS",
            ),
            (
                |c| c.max_book_age_ms = -1,
                "QUORUM_STRATEGY_ENGINE_MAX_BOOK_AGE_MS",
            ),
            (
                |c| c.horizon_bars = 0,
                "QUORUM_STRATEGY_ENGINE_HORIZON_BARS",
            ),
            (
                |c| c.decide_timeout_ms = 5,
                "QUORUM_STRATEGY_ENGINE_DECIDE_TIMEOUT_MS",
            ),
            (
                |c| c.crash_at = "now".into(),
                "QUORUM_STRATEGY_ENGINE_CRASH_AT",
            ),
        ];
        for (edit, variable) in cases {
            let mut bad = good.clone();
            edit(&mut bad);
            assert_eq!(check(&bad).unwrap_err().variable, variable);
        }
    }
}
