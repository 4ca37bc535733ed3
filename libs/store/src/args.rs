//! The database settings every Postgres-backed service shares, as flattenable clap args.
use sqlx::PgPool;
use sqlx::migrate::Migrator;

use quorum_kit::ConfigError;

use crate::{StoreConfig, StoreError, connect};

/// `DATABASE_URL` and pool size; flatten into a service's config with
/// `#[command(flatten)]`.
#[derive(Debug, Clone, clap::Args)]
pub struct DatabaseArgs {
    /// Postgres URL; the service keeps its tables in a schema named after it.
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: String,
    /// Connections in the service's pool.
    #[arg(long, env = "DATABASE_MAX_CONNECTIONS", default_value_t = 10)]
    pub database_max_connections: u32,
}

impl DatabaseArgs {
    pub fn new(database_url: impl Into<String>) -> Self {
        Self {
            database_url: database_url.into(),
            database_max_connections: 10,
        }
    }

    /// Refuses values that cannot work, naming the variable.
    pub fn check(&self) -> Result<(), ConfigError> {
        let url = self.database_url.trim();
        if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
            return Err(ConfigError::new(
                "DATABASE_URL",
                "must be a postgres:// URL",
            ));
        }
        if self.database_max_connections == 0 {
            return Err(ConfigError::new(
                "DATABASE_MAX_CONNECTIONS",
                "must be at least 1",
            ));
        }
        Ok(())
    }

    /// Checks, connects (waiting while the database starts), creates the service's
    /// schema and runs its migrations.
    pub async fn connect(&self, service: &str, migrator: &Migrator) -> anyhow::Result<PgPool> {
        self.check()?;
        let mut config = StoreConfig::for_service(service, &self.database_url);
        config.max_connections = self.database_max_connections;
        connect(&config, migrator)
            .await
            .map_err(|error| match error {
                StoreError::BadUrl(problem) => ConfigError::new("DATABASE_URL", problem).into(),
                other => anyhow::Error::new(other),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_postgres_urls_pass() {
        assert!(DatabaseArgs::new("postgres://u:p@h/db").check().is_ok());
        let error = DatabaseArgs::new("mysql://u@h/db").check().unwrap_err();
        assert_eq!(error.variable, "DATABASE_URL");
        let mut none = DatabaseArgs::new("postgres://h/db");
        none.database_max_connections = 0;
        assert_eq!(
            none.check().unwrap_err().variable,
            "DATABASE_MAX_CONNECTIONS"
        );
    }
}
