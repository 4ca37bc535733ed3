//! audit-logger: an append-only, hash-chained audit trail with chain verification and
//! signed checkpoints, fed over gRPC and by the `audit` bus topic.
pub mod chain;
pub mod checkpoint;
pub mod consumer;
pub mod handlers;
pub mod ledger;
pub mod store;
pub mod validate;
pub mod verify;

use std::time::Duration;

use quorum_bus::BusArgs;
use quorum_kit::auth::AuthPolicy;
use quorum_kit::{ConfigError, Kit, Service};
use quorum_proto::audit::v1::audit_service_server::AuditServiceServer;
use quorum_store::DatabaseArgs;

use crate::checkpoint::Trigger;
use crate::handlers::AuditHandler;
use crate::ledger::{Ledger, now_ms};

pub const SERVICE: &str = "audit-logger";

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!();

const METHOD_PREFIX: &str = "/quorum.audit.v1.AuditService/";

/// audit-logger's own settings.
#[derive(Debug, Clone, clap::Args)]
pub struct Config {
    #[command(flatten)]
    pub database: DatabaseArgs,
    #[command(flatten)]
    pub bus: BusArgs,
    /// Name of this instance in the bus consumer group; keep it stable across restarts.
    #[arg(long, env = "HOSTNAME", default_value = "audit-logger-1")]
    pub consumer_name: String,
    /// Seconds between checkpoints (written only when the chain grew).
    #[arg(
        long,
        env = "QUORUM_AUDIT_CHECKPOINT_INTERVAL_SECS",
        default_value_t = 60
    )]
    pub checkpoint_interval_secs: u64,
    /// Also write a checkpoint every this many records; 0 leaves it to the timer.
    #[arg(
        long,
        env = "QUORUM_AUDIT_CHECKPOINT_EVERY_RECORDS",
        default_value_t = 1000
    )]
    pub checkpoint_every_records: u64,
    /// Hex Ed25519 seed (64 characters) that signs checkpoints; unset: a key generated
    /// on first start and kept in the database.
    #[arg(long, env = "QUORUM_AUDIT_SIGNING_KEY", hide_env_values = true)]
    pub signing_key: Option<String>,
}

impl Config {
    /// Defaults for everything but the two URLs (tests and tools).
    pub fn new(database_url: impl Into<String>, redis_url: impl Into<String>) -> Self {
        Self {
            database: DatabaseArgs::new(database_url),
            bus: BusArgs::new(redis_url),
            consumer_name: "audit-logger-1".into(),
            checkpoint_interval_secs: 60,
            checkpoint_every_records: 1000,
            signing_key: None,
        }
    }
}

/// Connects Postgres, starts the bus consumer and the checkpoint task, and returns the
/// gRPC service with its access rules.
pub async fn start(kit: Kit, config: Config) -> anyhow::Result<Service> {
    let signing_seed = check(&config)?;
    let pool = config.database.connect(SERVICE, &MIGRATOR).await?;
    let signer = checkpoint::load_signer(&pool, signing_seed, now_ms()).await?;
    tracing::info!(public_key = %signer.public_key(), "checkpoint signing key loaded");
    let trigger = Trigger::new(config.checkpoint_every_records);
    let ledger = Ledger::new(pool.clone(), trigger.clone());

    let interval = Duration::from_secs(config.checkpoint_interval_secs);
    kit.spawn(
        "checkpoints",
        checkpoint::run(pool, signer, interval, trigger, kit.shutdown_token()),
    );
    kit.spawn(
        "audit-consumer",
        consumer::run(
            config.bus.clone(),
            config.consumer_name.clone(),
            ledger.clone(),
            kit.shutdown_token(),
        ),
    );

    let reader = ["auditor", "admin"];
    let policy = AuthPolicy::new()
        .require(&format!("{METHOD_PREFIX}Append"), &["service", "admin"])
        .require(&format!("{METHOD_PREFIX}Query"), &reader)
        .require(&format!("{METHOD_PREFIX}VerifyChain"), &reader)
        .require(&format!("{METHOD_PREFIX}ListCheckpoints"), &reader);
    Ok(Service::new()
        .add(AuditServiceServer::new(AuditHandler::new(ledger)))
        .policy(policy))
}

/// Refuses bad values before anything connects; returns the configured signing seed.
fn check(config: &Config) -> Result<Option<[u8; 32]>, ConfigError> {
    config.database.check()?;
    config.bus.check()?;
    if config.consumer_name.trim().is_empty() {
        return Err(ConfigError::new(
            "HOSTNAME",
            "must not be empty (it names this bus consumer)",
        ));
    }
    if config.checkpoint_interval_secs == 0 {
        return Err(ConfigError::new(
            "QUORUM_AUDIT_CHECKPOINT_INTERVAL_SECS",
            "must be at least 1",
        ));
    }
    match config
        .signing_key
        .as_deref()
        .map(str::trim)
        .filter(|key| !key.is_empty())
    {
        None => Ok(None),
        Some(text) => checkpoint::parse_seed(text).map(Some).ok_or_else(|| {
            ConfigError::new(
                "QUORUM_AUDIT_SIGNING_KEY",
                "must be 64 hex characters (a 32-byte Ed25519 seed)",
            )
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> Config {
        Config::new("postgres://u:p@h/db", "redis://127.0.0.1:6379")
    }

    #[test]
    fn good_config_passes() {
        assert_eq!(check(&config()).unwrap(), None);
        let mut with_key = config();
        with_key.signing_key = Some("11".repeat(32));
        assert_eq!(check(&with_key).unwrap(), Some([0x11; 32]));
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
            (
                |c| c.checkpoint_interval_secs = 0,
                "QUORUM_AUDIT_CHECKPOINT_INTERVAL_SECS",
            ),
            (
                |c| c.signing_key = Some("abc".into()),
                "QUORUM_AUDIT_SIGNING_KEY",
            ),
        ];
        for (edit, variable) in cases {
            let mut bad = config();
            edit(&mut bad);
            assert_eq!(check(&bad).unwrap_err().variable, variable);
        }
    }
}
