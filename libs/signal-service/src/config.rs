//! The settings every signal service shares, flattened into each service's `Config`.
use quorum_bus::BusArgs;
use quorum_kit::ConfigError;

/// The most candles a live window may keep per (venue, symbol, interval).
pub const MAX_WINDOW: usize = 10_000;

/// Settings of a signal service (the service's own name comes from its crate).
#[derive(Debug, Clone, clap::Args)]
pub struct SignalConfig {
    #[command(flatten)]
    pub bus: BusArgs,
    /// Name of this instance; its bus consumer group is `<service>-<name>`, one per
    /// instance, so every instance sees every closed candle.
    #[arg(long, env = "HOSTNAME", default_value = "signal-1")]
    pub consumer_name: String,
    /// Candles kept per (venue, symbol, interval) for live signals; at least the
    /// strategy's warm-up is always kept.
    #[arg(long, env = "QUORUM_SIGNAL_WINDOW", default_value_t = 500)]
    pub window: usize,
    /// Signals a StreamSignals subscriber may fall behind before it is sent the latest
    /// signal of each of its keys instead.
    #[arg(long, env = "QUORUM_SIGNAL_STREAM_BUFFER", default_value_t = 1024)]
    pub stream_buffer: usize,
    /// Fill a new key's window from trade-history before its first live signal.
    #[arg(long, env = "QUORUM_SIGNAL_BACKFILL", default_value_t = true, action = clap::ArgAction::Set)]
    pub backfill: bool,
    /// gRPC address of trade-history, e.g. http://10.0.0.5:50107 (default: the catalog).
    #[arg(long, env = "QUORUM_TRADE_HISTORY_ADDR")]
    pub trade_history_addr: Option<String>,
    /// gRPC address of consensus-engine (default: the catalog).
    #[arg(long, env = "QUORUM_CONSENSUS_ENGINE_ADDR")]
    pub consensus_engine_addr: Option<String>,
    /// Register this service as a voter with consensus-engine at start.
    #[arg(long, env = "QUORUM_VOTER_REGISTER", default_value_t = true, action = clap::ArgAction::Set)]
    pub register_voter: bool,
    /// The address consensus-engine calls Vote on (default `http://<service>:<grpc port>`).
    #[arg(long, env = "QUORUM_VOTER_ADVERTISE_ADDR")]
    pub voter_advertise_addr: Option<String>,
    /// Base weight of this voter, > 0.
    #[arg(long, env = "QUORUM_VOTER_WEIGHT", default_value_t = 1.0)]
    pub voter_weight: f64,
    /// `fixed` or `accuracy` (weight follows the voter's Brier score).
    #[arg(long, env = "QUORUM_VOTER_WEIGHT_MODE", default_value = "fixed")]
    pub voter_weight_mode: String,
}

impl SignalConfig {
    /// Defaults for everything but the Redis URL (tests and tools).
    pub fn new(redis_url: impl Into<String>) -> Self {
        Self {
            bus: BusArgs::new(redis_url),
            consumer_name: "signal-1".into(),
            window: 500,
            stream_buffer: 1024,
            backfill: true,
            trade_history_addr: None,
            consensus_engine_addr: None,
            register_voter: true,
            voter_advertise_addr: None,
            voter_weight: 1.0,
            voter_weight_mode: "fixed".into(),
        }
    }

    /// Refuses values that cannot work, naming the variable.
    pub fn check(&self) -> Result<(), ConfigError> {
        self.bus.check()?;
        if self.consumer_name.trim().is_empty() || self.consumer_name.contains(char::is_whitespace)
        {
            return Err(ConfigError::new(
                "HOSTNAME",
                "must be a non-empty word (it names this instance's bus consumer group)",
            ));
        }
        if !(1..=MAX_WINDOW).contains(&self.window) {
            return Err(ConfigError::new(
                "QUORUM_SIGNAL_WINDOW",
                format!("must be between 1 and {MAX_WINDOW} (candles)"),
            ));
        }
        if !(1..=1_000_000).contains(&self.stream_buffer) {
            return Err(ConfigError::new(
                "QUORUM_SIGNAL_STREAM_BUFFER",
                "must be between 1 and 1000000 (signals)",
            ));
        }
        for (variable, address) in [
            ("QUORUM_TRADE_HISTORY_ADDR", self.trade_history_address()),
            (
                "QUORUM_CONSENSUS_ENGINE_ADDR",
                self.consensus_engine_address(),
            ),
            ("QUORUM_VOTER_ADVERTISE_ADDR", self.advertise_address()),
        ] {
            if let Some(address) = address
                && !(address.starts_with("http://") || address.starts_with("https://"))
            {
                return Err(ConfigError::new(
                    variable,
                    format!("'{address}' must be an http:// or https:// URL"),
                ));
            }
        }
        if !(self.voter_weight.is_finite() && self.voter_weight > 0.0 && self.voter_weight <= 1e6) {
            return Err(ConfigError::new(
                "QUORUM_VOTER_WEIGHT",
                "must be a number above 0 and at most 1000000, e.g. 1",
            ));
        }
        self.weight_mode()?;
        Ok(())
    }

    /// The weight mode as the contract names it.
    pub fn weight_mode(&self) -> Result<quorum_proto::ai::v1::WeightMode, ConfigError> {
        use quorum_proto::ai::v1::WeightMode;
        match self.voter_weight_mode.trim().to_ascii_lowercase().as_str() {
            "fixed" => Ok(WeightMode::Fixed),
            "accuracy" => Ok(WeightMode::Accuracy),
            other => Err(ConfigError::new(
                "QUORUM_VOTER_WEIGHT_MODE",
                format!("'{other}' is not a weight mode: use fixed or accuracy"),
            )),
        }
    }

    pub fn trade_history_address(&self) -> Option<&str> {
        non_empty(&self.trade_history_addr)
    }

    pub fn consensus_engine_address(&self) -> Option<&str> {
        non_empty(&self.consensus_engine_addr)
    }

    pub fn advertise_address(&self) -> Option<&str> {
        non_empty(&self.voter_advertise_addr)
    }
}

fn non_empty(value: &Option<String>) -> Option<&str> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|value| !value.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_pass() {
        let config = SignalConfig::new("redis://127.0.0.1:6379");
        assert!(config.check().is_ok());
        assert_eq!(
            config.weight_mode().unwrap(),
            quorum_proto::ai::v1::WeightMode::Fixed
        );
        assert_eq!(config.trade_history_address(), None);
    }

    #[test]
    fn bad_values_name_their_variable() {
        type Edit = fn(&mut SignalConfig);
        let cases: Vec<(Edit, &str)> = vec![
            (|c| c.bus.redis_url = "http://x".into(), "REDIS_URL"),
            (|c| c.consumer_name = "two words".into(), "HOSTNAME"),
            (|c| c.window = 0, "QUORUM_SIGNAL_WINDOW"),
            (|c| c.stream_buffer = 0, "QUORUM_SIGNAL_STREAM_BUFFER"),
            (
                |c| c.trade_history_addr = Some("trade-history:50107".into()),
                "QUORUM_TRADE_HISTORY_ADDR",
            ),
            (
                |c| c.consensus_engine_addr = Some("x".into()),
                "QUORUM_CONSENSUS_ENGINE_ADDR",
            ),
            (
                |c| c.voter_advertise_addr = Some("momentum:1".into()),
                "QUORUM_VOTER_ADVERTISE_ADDR",
            ),
            (|c| c.voter_weight = 0.0, "QUORUM_VOTER_WEIGHT"),
            (|c| c.voter_weight = f64::NAN, "QUORUM_VOTER_WEIGHT"),
            (
                |c| c.voter_weight_mode = "loud".into(),
                "QUORUM_VOTER_WEIGHT_MODE",
            ),
        ];
        for (edit, variable) in cases {
            let mut bad = SignalConfig::new("redis://127.0.0.1:6379");
            edit(&mut bad);
            assert_eq!(bad.check().unwrap_err().variable, variable);
        }
    }
}
