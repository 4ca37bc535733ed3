//! momentum-trader: momentum signals (rate of change over a lookback, fast/slow EMA
//! crossover, ADX trend filter) on demand and live from closed candles, and the same
//! strategy as a voter for consensus-engine. The strategy lives in quorum-strategies,
//! the serving in quorum-signal-service.
use quorum_kit::{Kit, Service};
use quorum_signal_service::{SignalConfig, SignalServiceDef};
use quorum_strategies::Momentum;

/// The service's catalog name.
pub const SERVICE: &str = "momentum-trader";

/// momentum-trader's settings: those every signal service shares.
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
        strategy: &Momentum,
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
    fn runs_the_momentum_strategy() {
        let definition = definition();
        assert_eq!(definition.service, SERVICE);
        assert_eq!(definition.strategy.name(), "momentum");
        assert!(Config::new("redis://127.0.0.1:6379").signal.check().is_ok());
    }
}
