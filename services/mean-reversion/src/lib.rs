//! mean-reversion: mean-reversion signals (Bollinger z-score and RSI extremes, traded
//! only on series whose Ornstein-Uhlenbeck half-life lies in a band; a pairs mode on the
//! spread of two symbols) on demand and live from closed candles, and the same strategy
//! as a voter for consensus-engine. The strategy lives in quorum-strategies, the serving
//! in quorum-signal-service.
use quorum_kit::{Kit, Service};
use quorum_signal_service::{SignalConfig, SignalServiceDef};
use quorum_strategies::MeanReversion;

/// The service's catalog name.
pub const SERVICE: &str = "mean-reversion";

/// mean-reversion's settings: those every signal service shares.
#[derive(Debug, Clone, clap::Args)]
pub struct Config {
    #[command(flatten)]
    pub signal: SignalConfig,
}

impl Config {
    /// Defaults for everything but the Redis URL (tests and tools).
    pub fn new(redis_url: impl Into<String>) -> Self {
        Self {
            signal: SignalConfig::new(redis_url),
        }
    }
}

/// The service and the strategy it runs.
pub fn definition() -> SignalServiceDef {
    SignalServiceDef {
        service: SERVICE,
        strategy: &MeanReversion,
    }
}

/// Restores the strategy's parameters, starts the live signals and the voter
/// registration, and returns the SignalSource and Voter services.
pub async fn start(kit: Kit, config: Config) -> anyhow::Result<Service> {
    quorum_signal_service::start(kit, config.signal, definition()).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_the_mean_reversion_strategy() {
        let definition = definition();
        assert_eq!(definition.service, SERVICE);
        assert_eq!(definition.strategy.name(), "mean-reversion");
        assert!(Config::new("redis://127.0.0.1:6379").signal.check().is_ok());
    }
}
