//! trade-history: every market trade stored once in Postgres, fed by the `md.trades` bus
//! topic and by bulk import, read back as pages of trades and as candles computed in SQL.
pub mod batcher;
pub mod consumer;
pub mod handlers;
pub mod import;
pub mod interval;
pub mod query;
pub mod store;
pub mod validate;

use quorum_bus::BusArgs;
use quorum_kit::auth::AuthPolicy;
use quorum_kit::{ConfigError, Kit, Service};
use quorum_proto::marketdata::v1::trade_history_service_server::TradeHistoryServiceServer;
use quorum_store::DatabaseArgs;

use crate::batcher::BatchWriter;
use crate::consumer::Lanes;
use crate::handlers::TradeHistoryHandler;

pub const SERVICE: &str = "trade-history";

/// The service's migrations (also used by the ingest benchmark).
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!();

const METHOD_PREFIX: &str = "/quorum.marketdata.v1.TradeHistoryService/";

/// Most consumers one instance may run side by side.
pub const MAX_CONSUMERS: usize = 256;
/// Most trades one batch statement may hold.
pub const MAX_BATCH_SIZE: usize = 50_000;

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
        }
    }
}

/// Connects Postgres (migrating it), starts the batch writer and the bus consumers, and
/// returns the gRPC service with its access rules.
pub async fn start(kit: Kit, config: Config) -> anyhow::Result<Service> {
    check(&config)?;
    let pool = config.database.connect(SERVICE, &MIGRATOR).await?;

    let (writer, batch_task) =
        BatchWriter::new(pool.clone(), config.batch_size, kit.shutdown_token());
    kit.spawn("trade-batches", batch_task.run());
    let lanes = Lanes {
        consumer_name: config.consumer_name.clone(),
        count: config.consumers,
    };
    kit.spawn(
        "trade-consumer",
        consumer::run(config.bus.clone(), lanes, writer, kit.shutdown_token()),
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

/// Refuses bad values before anything connects.
fn check(config: &Config) -> Result<(), ConfigError> {
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
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> Config {
        Config::new("postgres://u:p@h/db", "redis://127.0.0.1:6379")
    }

    #[test]
    fn good_config_passes() {
        assert!(check(&config()).is_ok());
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
        ];
        for (edit, variable) in cases {
            let mut bad = config();
            edit(&mut bad);
            assert_eq!(check(&bad).unwrap_err().variable, variable);
        }
    }
}
