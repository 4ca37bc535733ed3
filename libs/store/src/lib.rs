//! Postgres for Quorum services: one schema per service, migrations under an advisory
//! lock, patience while the database starts, and what a failed call means for the
//! caller (`errors`).
mod args;
pub mod errors;
pub mod lease;

use std::str::FromStr;
use std::time::{Duration, Instant};

use rand::Rng;
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{ConnectOptions, Executor};

pub use args::DatabaseArgs;
pub use sqlx;

/// How to reach the database.
#[derive(Debug, Clone)]
pub struct StoreConfig {
    /// `postgres://user:password@host:port/database`
    pub database_url: String,
    /// Schema owned by the service, e.g. `audit_logger`.
    pub schema: String,
    pub max_connections: u32,
    /// How long to keep retrying the first connection.
    pub connect_patience: Duration,
}

impl StoreConfig {
    /// The defaults for a service: schema from its name (dashes become underscores).
    pub fn for_service(service: &str, database_url: &str) -> Self {
        Self {
            database_url: database_url.to_string(),
            schema: schema_name(service),
            max_connections: 10,
            connect_patience: Duration::from_secs(60),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("DATABASE_URL is not a valid Postgres URL: {0}")]
    BadUrl(String),
    #[error("schema name {0:?} must be lowercase letters, digits and underscores")]
    BadSchema(String),
    #[error("database unreachable after {seconds} s: {source}")]
    Unreachable { seconds: u64, source: sqlx::Error },
    #[error("migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

/// The schema name for a service name: `audit-logger` -> `audit_logger`.
pub fn schema_name(service: &str) -> String {
    service.replace('-', "_")
}

/// Connects (retrying while the database starts), creates the schema, and migrates.
pub async fn connect(config: &StoreConfig, migrator: &Migrator) -> Result<PgPool, StoreError> {
    let schema = &config.schema;
    let valid = !schema.is_empty()
        && schema
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !valid {
        return Err(StoreError::BadSchema(schema.clone()));
    }
    let options = PgConnectOptions::from_str(&config.database_url)
        .map_err(|error| StoreError::BadUrl(error.to_string()))?
        .options([("search_path", schema.as_str())])
        .log_statements(tracing::log::LevelFilter::Debug)
        .log_slow_statements(tracing::log::LevelFilter::Warn, Duration::from_millis(500));
    let pool = PgPoolOptions::new()
        .max_connections(config.max_connections)
        .acquire_timeout(Duration::from_secs(5))
        .connect_lazy_with(options);
    wait_until_reachable(&pool, config.connect_patience).await?;
    migrate(&pool, schema, migrator).await?;
    Ok(pool)
}

async fn wait_until_reachable(pool: &PgPool, patience: Duration) -> Result<(), StoreError> {
    let started = Instant::now();
    let mut attempt = 0u32;
    loop {
        match pool.execute("SELECT 1").await {
            Ok(_) => return Ok(()),
            Err(error) if started.elapsed() < patience => {
                attempt += 1;
                tracing::warn!(%error, attempt, "database not reachable yet");
                let ceiling = 100u64 * (1 << attempt.min(5));
                let wait = rand::thread_rng().gen_range(ceiling / 2..=ceiling);
                tokio::time::sleep(Duration::from_millis(wait)).await;
            }
            Err(source) => {
                return Err(StoreError::Unreachable {
                    seconds: patience.as_secs(),
                    source,
                });
            }
        }
    }
}

/// Creates the schema and runs the migrations while holding an advisory lock keyed by
/// the schema, so concurrent starts of the same service migrate one at a time.
async fn migrate(pool: &PgPool, schema: &str, migrator: &Migrator) -> Result<(), StoreError> {
    let mut connection = pool.acquire().await?;
    let lock_key = format!("quorum-migrate:{schema}");
    sqlx::query("SELECT pg_advisory_lock(hashtext($1))")
        .bind(&lock_key)
        .execute(&mut *connection)
        .await?;
    let outcome = async {
        // The schema name was checked to be [a-z0-9_]+, so quoting it is safe.
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "CREATE SCHEMA IF NOT EXISTS \"{schema}\""
        )))
        .execute(&mut *connection)
        .await?;
        migrator.run(&mut *connection).await?;
        Ok::<(), StoreError>(())
    }
    .await;
    let unlocked = sqlx::query("SELECT pg_advisory_unlock(hashtext($1))")
        .bind(&lock_key)
        .execute(&mut *connection)
        .await;
    outcome?;
    unlocked?;
    Ok(())
}

/// Makes `table` a TimescaleDB hypertable on `time_column` when the extension is
/// installed; otherwise leaves it as is. Returns whether it is a hypertable.
pub async fn enable_hypertable(
    pool: &PgPool,
    table: &str,
    time_column: &str,
) -> Result<bool, StoreError> {
    let available: Option<String> =
        sqlx::query_scalar("SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'")
            .fetch_optional(pool)
            .await?;
    if available.is_none() {
        return Ok(false);
    }
    sqlx::query(
        "SELECT create_hypertable($1::regclass, $2, if_not_exists => TRUE, migrate_data => TRUE)",
    )
    .bind(table)
    .bind(time_column)
    .execute(pool)
    .await?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_names_follow_service_names() {
        assert_eq!(schema_name("audit-logger"), "audit_logger");
        assert_eq!(
            StoreConfig::for_service("auth-manager", "postgres://x").schema,
            "auth_manager"
        );
    }
}
