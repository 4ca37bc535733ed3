//! trade-history: every market trade stored once in Postgres, fed by the `md.trades` bus
//! topic and by bulk import, read back as pages of trades and as candles computed in SQL;
//! closed candles of the configured intervals are published on `md.candles`.
pub mod batcher;
pub mod closer;
pub mod closing;
pub mod consumer;
pub mod handlers;
pub mod import;
pub mod interval;
pub mod metrics;
pub mod publish;
pub mod query;
pub mod store;
pub mod validate;

use std::sync::Arc;

use quorum_bus::BusArgs;
use quorum_bus::outbox::Outbox;
use quorum_kit::auth::AuthPolicy;
use quorum_kit::{ConfigError, Kit, Service};
use quorum_proto::marketdata::v1::trade_history_service_server::TradeHistoryServiceServer;
use quorum_store::DatabaseArgs;

use crate::batcher::BatchWriter;
use crate::closing::{ClosingPolicy, ClosingState};
use crate::consumer::Lanes;
use crate::handlers::TradeHistoryHandler;
use crate::interval::Interval;
use crate::metrics::CandleMetrics;
use crate::publish::OutboxSink;

pub const SERVICE: &str = "trade-history";

/// The service's migrations (also used by the ingest benchmark).
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!();

const METHOD_PREFIX: &str = "/quorum.marketdata.v1.TradeHistoryService/";

/// Most consumers one instance may run side by side.
pub const MAX_CONSUMERS: usize = 256;
/// Most trades one batch statement may hold.
pub const MAX_BATCH_SIZE: usize = 50_000;
/// Longest grace after an interval's end.
pub const MAX_CANDLE_GRACE_MS: u64 = 3_600_000;
/// Most intervals of one length closed at once after a pause.
pub const MAX_CANDLE_CATCH_UP: u32 = 10_000;

/// trade-history's own settings.
#[derive(Debug, Clone, clap::Args)]
pub struct Config {
    #[command(flatten)]
    pub database: DatabaseArgs,
    #[command(flatten)]
    pub bus: BusArgs,
    /// Name of this instance in the bus consumer group; keep it stable across restarts.
    #[arg(long, env = "HOSTNAME", default_value = "trade-history-1")]
    pub consumer_name: String,
    /// Bus consumers run side by side; their trades commit together, so this bounds the
    /// size of a batch written from the bus.
    #[arg(long, env = "QUORUM_TRADE_HISTORY_CONSUMERS", default_value_t = 16)]
    pub consumers: usize,
    /// Most trades written by one statement.
    #[arg(long, env = "QUORUM_TRADE_HISTORY_BATCH_SIZE", default_value_t = 1000)]
    pub batch_size: usize,
    /// Intervals whose closed candles are published on md.candles, comma-separated
    /// (1s, 5s, 15s, 30s, 1m, 5m, 15m, 30m, 1h, 4h, 1d).
    #[arg(
        long,
        env = "QUORUM_TRADE_HISTORY_CANDLE_INTERVALS",
        default_value = "5s,1m"
    )]
    pub candle_intervals: String,
    /// How long after its end an interval still takes trades before it closes.
    #[arg(
        long,
        env = "QUORUM_TRADE_HISTORY_CANDLE_GRACE_MS",
        default_value_t = 1500
    )]
    pub candle_grace_ms: u64,
    /// Most intervals of one length published after a pause (restart, outage); older
    /// closed intervals are skipped.
    #[arg(
        long,
        env = "QUORUM_TRADE_HISTORY_CANDLE_CATCH_UP",
        default_value_t = 120
    )]
    pub candle_catch_up: u32,
}

impl Config {
    /// Defaults for everything but the two URLs (tests and tools).
    pub fn new(database_url: impl Into<String>, redis_url: impl Into<String>) -> Self {
        Self {
            database: DatabaseArgs::new(database_url),
            bus: BusArgs::new(redis_url),
            consumer_name: "trade-history-1".into(),
            consumers: 16,
            batch_size: 1000,
            candle_intervals: "5s,1m".into(),
            candle_grace_ms: 1500,
            candle_catch_up: 120,
        }
    }
}

/// Connects Postgres (migrating it), starts the batch writer, the bus consumers, the
/// candle closer and the outbox relay, and returns the gRPC service with its access
/// rules.
pub async fn start(kit: Kit, config: Config) -> anyhow::Result<Service> {
    let policy = check(&config)?;
    let pool = config.database.connect(SERVICE, &MIGRATOR).await?;
    let outbox = Outbox::open(pool.clone()).await?;
    let closing = Arc::new(ClosingState::new(
        policy,
        CandleMetrics::register(kit.metrics()),
    ));

    let (writer, batch_task) =
        BatchWriter::new(pool.clone(), config.batch_size, kit.shutdown_token());
    kit.spawn("trade-batches", batch_task.run());
    let lanes = Lanes {
        consumer_name: config.consumer_name.clone(),
        count: config.consumers,
    };
    kit.spawn(
        "trade-consumer",
        consumer::run(
            config.bus.clone(),
            lanes,
            writer,
            closing.clone(),
            kit.shutdown_token(),
        ),
    );
    let sink = OutboxSink {
        pool: pool.clone(),
        outbox: outbox.clone(),
    };
    kit.spawn(
        "candle-closer",
        publish::run(sink, closing, kit.shutdown_token()),
    );
    kit.spawn(
        "outbox-relay",
        outbox.relay_when_connected(config.bus.clone(), kit.shutdown_token()),
    );

    // Queries need any valid token (no rule); importing rewrites history in bulk.
    let policy = AuthPolicy::new().require(
        &format!("{METHOD_PREFIX}ImportTrades"),
        &["importer", "admin"],
    );
    Ok(Service::new()
        .add(TradeHistoryServiceServer::new(TradeHistoryHandler::new(
            pool,
        )))
        .policy(policy))
}

/// Refuses bad values before anything connects; gives the candle closing policy.
fn check(config: &Config) -> Result<ClosingPolicy, ConfigError> {
    config.database.check()?;
    config.bus.check()?;
    if config.consumer_name.trim().is_empty() {
        return Err(ConfigError::new(
            "HOSTNAME",
            "must not be empty (it names this bus consumer)",
        ));
    }
    if !(1..=MAX_CONSUMERS).contains(&config.consumers) {
        return Err(ConfigError::new(
            "QUORUM_TRADE_HISTORY_CONSUMERS",
            format!("must be between 1 and {MAX_CONSUMERS}"),
        ));
    }
    if !(1..=MAX_BATCH_SIZE).contains(&config.batch_size) {
        return Err(ConfigError::new(
            "QUORUM_TRADE_HISTORY_BATCH_SIZE",
            format!("must be between 1 and {MAX_BATCH_SIZE}"),
        ));
    }
    let intervals = Interval::parse_list(&config.candle_intervals)
        .map_err(|problem| ConfigError::new("QUORUM_TRADE_HISTORY_CANDLE_INTERVALS", problem))?;
    if config.candle_grace_ms > MAX_CANDLE_GRACE_MS {
        return Err(ConfigError::new(
            "QUORUM_TRADE_HISTORY_CANDLE_GRACE_MS",
            format!("must be between 0 and {MAX_CANDLE_GRACE_MS}"),
        ));
    }
    if !(1..=MAX_CANDLE_CATCH_UP).contains(&config.candle_catch_up) {
        return Err(ConfigError::new(
            "QUORUM_TRADE_HISTORY_CANDLE_CATCH_UP",
            format!("must be between 1 and {MAX_CANDLE_CATCH_UP}"),
        ));
    }
    Ok(ClosingPolicy {
        intervals,
        grace_ms: i64::try_from(config.candle_grace_ms).unwrap_or(0),
        catch_up: i64::from(config.candle_catch_up),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> Config {
        Config::new("postgres://u:p@h/db", "redis://127.0.0.1:6379")
    }

    #[test]
    fn good_config_passes_and_gives_the_closing_policy() {
        let policy = check(&config()).unwrap();
        assert_eq!(
            policy.intervals,
            [Interval::FiveSeconds, Interval::OneMinute]
        );
        assert_eq!(policy.grace_ms, 1500);
        assert_eq!(policy.catch_up, 120);
    }

    #[test]
    fn the_settings_form_a_valid_command_line_with_their_variables() {
        use clap::{CommandFactory, Parser};
        #[derive(Parser)]
        struct Cli {
            #[command(flatten)]
            config: Config,
        }
        let command = Cli::command();
        command.clone().debug_assert();
        let variables: Vec<String> = command
            .get_arguments()
            .filter_map(|argument| argument.get_env())
            .map(|name| name.to_string_lossy().into_owned())
            .collect();
        for variable in [
            "QUORUM_TRADE_HISTORY_CANDLE_INTERVALS",
            "QUORUM_TRADE_HISTORY_CANDLE_GRACE_MS",
            "QUORUM_TRADE_HISTORY_CANDLE_CATCH_UP",
        ] {
            assert!(variables.iter().any(|name| name == variable), "{variable}");
        }
    }

    #[test]
    fn bad_values_name_their_variable() {
        type Edit = fn(&mut Config);
        let cases: Vec<(Edit, &str)> = vec![
            (
                |c| c.database.database_url = "mysql://x".into(),
                "DATABASE_URL",
            ),
            (|c| c.bus.redis_url = "http://x".into(), "REDIS_URL"),
            (|c| c.consumer_name = " ".into(), "HOSTNAME"),
            (|c| c.consumers = 0, "QUORUM_TRADE_HISTORY_CONSUMERS"),
            (|c| c.consumers = 257, "QUORUM_TRADE_HISTORY_CONSUMERS"),
            (|c| c.batch_size = 0, "QUORUM_TRADE_HISTORY_BATCH_SIZE"),
            (
                |c| c.batch_size = MAX_BATCH_SIZE + 1,
                "QUORUM_TRADE_HISTORY_BATCH_SIZE",
            ),
            (
                |c| c.candle_intervals = "5s,2m".into(),
                "QUORUM_TRADE_HISTORY_CANDLE_INTERVALS",
            ),
            (
                |c| c.candle_intervals = "".into(),
                "QUORUM_TRADE_HISTORY_CANDLE_INTERVALS",
            ),
            (
                |c| c.candle_intervals = "1m,1m".into(),
                "QUORUM_TRADE_HISTORY_CANDLE_INTERVALS",
            ),
            (
                |c| c.candle_grace_ms = MAX_CANDLE_GRACE_MS + 1,
                "QUORUM_TRADE_HISTORY_CANDLE_GRACE_MS",
            ),
            (
                |c| c.candle_catch_up = 0,
                "QUORUM_TRADE_HISTORY_CANDLE_CATCH_UP",
            ),
        ];
        for (edit, variable) in cases {
            let mut bad = config();
            edit(&mut bad);
            assert_eq!(check(&bad).unwrap_err().variable, variable);
        }
    }
}
