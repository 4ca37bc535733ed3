//! The bus settings every Redis-backed service shares, as flattenable clap args.
use std::time::Duration;

use quorum_kit::ConfigError;
use tokio_util::sync::CancellationToken;

use crate::Bus;

const REDIS_SCHEMES: [&str; 4] = ["redis://", "rediss://", "redis+unix://", "unix://"];

/// `REDIS_URL` and the stream prefix; flatten into a service's config with
/// `#[command(flatten)]`.
#[derive(Debug, Clone, clap::Args)]
pub struct BusArgs {
    /// Redis URL of the event bus.
    #[arg(long, env = "REDIS_URL")]
    pub redis_url: String,
    /// Prefix of every bus stream.
    #[arg(long, env = "QUORUM_BUS_PREFIX", default_value = "quorum")]
    pub bus_prefix: String,
}

impl BusArgs {
    pub fn new(redis_url: impl Into<String>) -> Self {
        Self {
            redis_url: redis_url.into(),
            bus_prefix: "quorum".into(),
        }
    }

    /// Refuses values that cannot work, naming the variable.
    pub fn check(&self) -> Result<(), ConfigError> {
        if !REDIS_SCHEMES
            .iter()
            .any(|scheme| self.redis_url.starts_with(scheme))
        {
            return Err(ConfigError::new(
                "REDIS_URL",
                "must be a redis:// (or rediss://, redis+unix://) URL",
            ));
        }
        if self.bus_prefix.is_empty() || self.bus_prefix.contains(char::is_whitespace) {
            return Err(ConfigError::new(
                "QUORUM_BUS_PREFIX",
                "must be a non-empty word",
            ));
        }
        Ok(())
    }

    /// Connects, retrying with backoff while Redis is unreachable; `None` on shutdown.
    pub async fn connect_patiently(&self, shutdown: &CancellationToken) -> Option<Bus> {
        let mut attempt = 0u32;
        loop {
            match Bus::connect(&self.redis_url, &self.bus_prefix).await {
                Ok(bus) => return Some(bus),
                Err(error) => {
                    attempt = attempt.saturating_add(1);
                    tracing::warn!(%error, attempt, "bus not reachable yet; retrying");
                }
            }
            let wait = quorum_kit::client::backoff(attempt).min(Duration::from_secs(30));
            tokio::select! {
                () = shutdown.cancelled() => return None,
                () = tokio::time::sleep(wait) => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redis_urls_and_prefixes_are_checked() {
        assert!(BusArgs::new("redis://h:6379").check().is_ok());
        assert!(BusArgs::new("redis+unix:///tmp/r.sock").check().is_ok());
        assert_eq!(
            BusArgs::new("http://h").check().unwrap_err().variable,
            "REDIS_URL"
        );
        let mut bad = BusArgs::new("redis://h");
        bad.bus_prefix = String::new();
        assert_eq!(bad.check().unwrap_err().variable, "QUORUM_BUS_PREFIX");
    }
}
