//! consensus-engine's own settings, read from the environment and checked before
//! anything connects.
use std::time::Duration;

use quorum_bus::BusArgs;
use quorum_consensus::accuracy::DEFAULT_MIN_RESOLVED;
use quorum_consensus::outcome::DEFAULT_FLAT_BAND;
use quorum_consensus::settings::{DEFAULT_MAX_ROUNDS, DEFAULT_QUORUM, DEFAULT_THRESHOLD};
use quorum_consensus::{FlatBand, Settings, WeightPolicy};
use quorum_kit::ConfigError;
use quorum_kit::peers::{check_address, explicit_address};
use quorum_store::DatabaseArgs;

/// Catalog name of trade-history, whose candles settle outcomes.
pub const TRADE_HISTORY: &str = "trade-history";

/// Longest per-voter deadline a request or the default may ask for.
pub const MAX_VOTER_DEADLINE_MS: u32 = 60_000;
/// Per-voter deadline when neither the request nor the environment says.
pub const DEFAULT_VOTER_DEADLINE_MS: u32 = 2_000;
/// Longest pause between two passes of the outcome resolver.
pub const MAX_RESOLVER_INTERVAL_MS: u64 = 3_600_000;
/// Longest wait after a horizon ends before its outcome is judged.
pub const MAX_RESOLVER_GRACE_MS: u64 = 3_600_000;

#[derive(Debug, Clone, clap::Args)]
pub struct Config {
    #[command(flatten)]
    pub database: DatabaseArgs,
    #[command(flatten)]
    pub bus: BusArgs,
    /// Agreement needed for approval when a request does not say, in (0, 1].
    #[arg(long, env = "QUORUM_CONSENSUS_THRESHOLD", default_value_t = DEFAULT_THRESHOLD)]
    pub threshold: f64,
    /// Share of the voter set that must answer when a request does not say, in (0, 1].
    #[arg(long, env = "QUORUM_CONSENSUS_QUORUM", default_value_t = DEFAULT_QUORUM)]
    pub quorum: f64,
    /// Rounds at most when a request does not say, 1..=50.
    #[arg(long, env = "QUORUM_CONSENSUS_MAX_ROUNDS", default_value_t = DEFAULT_MAX_ROUNDS)]
    pub max_rounds: u32,
    /// Per voter and round, when a request does not say, 1..=60000 ms.
    #[arg(
        long,
        env = "QUORUM_CONSENSUS_VOTER_DEADLINE_MS",
        default_value_t = DEFAULT_VOTER_DEADLINE_MS
    )]
    pub voter_deadline_ms: u32,
    /// Returns within +/- this fraction are HOLD when outcomes are judged, in [0, 1).
    #[arg(long, env = "QUORUM_CONSENSUS_FLAT_BAND", default_value_t = DEFAULT_FLAT_BAND)]
    pub flat_band: f64,
    /// Resolved votes a voter needs before its accuracy moves an ACCURACY weight.
    #[arg(long, env = "QUORUM_CONSENSUS_MIN_RESOLVED", default_value_t = DEFAULT_MIN_RESOLVED)]
    pub min_resolved: u64,
    /// Pause between passes of the outcome resolver, 100..=3600000 ms.
    #[arg(
        long,
        env = "QUORUM_CONSENSUS_RESOLVER_INTERVAL_MS",
        default_value_t = 10_000
    )]
    pub resolver_interval_ms: u64,
    /// Wait after a horizon ends before judging it, so late trades are in, 0..=3600000 ms.
    #[arg(
        long,
        env = "QUORUM_CONSENSUS_RESOLVER_GRACE_MS",
        default_value_t = 5_000
    )]
    pub resolver_grace_ms: u64,
    /// gRPC address of trade-history, e.g. http://10.0.0.5:50107; unset: the catalog's.
    #[arg(long, env = "QUORUM_TRADE_HISTORY_ADDR")]
    pub trade_history_addr: Option<String>,
}

/// The checked settings the service runs with.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    pub defaults: Settings,
    pub voter_deadline: Duration,
    pub flat_band: FlatBand,
    pub weights: WeightPolicy,
    pub resolver_interval: Duration,
    pub resolver_grace: Duration,
}

impl Config {
    /// Defaults for everything but the two URLs (tests and tools).
    pub fn new(database_url: impl Into<String>, redis_url: impl Into<String>) -> Self {
        Self {
            database: DatabaseArgs::new(database_url),
            bus: BusArgs::new(redis_url),
            threshold: DEFAULT_THRESHOLD,
            quorum: DEFAULT_QUORUM,
            max_rounds: DEFAULT_MAX_ROUNDS,
            voter_deadline_ms: DEFAULT_VOTER_DEADLINE_MS,
            flat_band: DEFAULT_FLAT_BAND,
            min_resolved: DEFAULT_MIN_RESOLVED,
            resolver_interval_ms: 10_000,
            resolver_grace_ms: 5_000,
            trade_history_addr: None,
        }
    }

    /// The explicit trade-history address, if one is set.
    pub fn trade_history_address(&self) -> Option<&str> {
        explicit_address(self.trade_history_addr.as_deref())
    }

    /// Refuses values that cannot work, naming the variable.
    pub fn check(&self) -> Result<Policy, ConfigError> {
        self.database.check()?;
        self.bus.check()?;
        let defaults = Settings {
            threshold: self.threshold,
            quorum: self.quorum,
            max_rounds: self.max_rounds,
        };
        if let Err(problem) = defaults.validate() {
            let variable = match problem.field {
                "threshold" => "QUORUM_CONSENSUS_THRESHOLD",
                "quorum" => "QUORUM_CONSENSUS_QUORUM",
                _ => "QUORUM_CONSENSUS_MAX_ROUNDS",
            };
            return Err(ConfigError::new(variable, problem.problem));
        }
        if !(1..=MAX_VOTER_DEADLINE_MS).contains(&self.voter_deadline_ms) {
            return Err(ConfigError::new(
                "QUORUM_CONSENSUS_VOTER_DEADLINE_MS",
                format!("must be between 1 and {MAX_VOTER_DEADLINE_MS}"),
            ));
        }
        let flat_band = FlatBand::new(self.flat_band)
            .map_err(|error| ConfigError::new("QUORUM_CONSENSUS_FLAT_BAND", error.to_string()))?;
        if !(100..=MAX_RESOLVER_INTERVAL_MS).contains(&self.resolver_interval_ms) {
            return Err(ConfigError::new(
                "QUORUM_CONSENSUS_RESOLVER_INTERVAL_MS",
                format!("must be between 100 and {MAX_RESOLVER_INTERVAL_MS}"),
            ));
        }
        if self.resolver_grace_ms > MAX_RESOLVER_GRACE_MS {
            return Err(ConfigError::new(
                "QUORUM_CONSENSUS_RESOLVER_GRACE_MS",
                format!("must be between 0 and {MAX_RESOLVER_GRACE_MS}"),
            ));
        }
        check_address(TRADE_HISTORY, self.trade_history_address())?;
        Ok(Policy {
            defaults,
            voter_deadline: Duration::from_millis(u64::from(self.voter_deadline_ms)),
            flat_band,
            weights: WeightPolicy {
                min_resolved: self.min_resolved,
            },
            resolver_interval: Duration::from_millis(self.resolver_interval_ms),
            resolver_grace: Duration::from_millis(self.resolver_grace_ms),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> Config {
        Config::new("postgres://u:p@h/db", "redis://127.0.0.1:6379")
    }

    #[test]
    fn defaults_pass_and_give_the_policy() {
        let policy = config().check().unwrap();
        assert_eq!(policy.defaults, Settings::default());
        assert_eq!(policy.voter_deadline, Duration::from_secs(2));
        assert_eq!(policy.weights.min_resolved, 20);
        assert_eq!(policy.flat_band.fraction(), 0.0005);
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
            (|c| c.threshold = 0.0, "QUORUM_CONSENSUS_THRESHOLD"),
            (|c| c.threshold = f64::NAN, "QUORUM_CONSENSUS_THRESHOLD"),
            (|c| c.quorum = 1.5, "QUORUM_CONSENSUS_QUORUM"),
            (|c| c.max_rounds = 0, "QUORUM_CONSENSUS_MAX_ROUNDS"),
            (|c| c.max_rounds = 51, "QUORUM_CONSENSUS_MAX_ROUNDS"),
            (
                |c| c.voter_deadline_ms = 0,
                "QUORUM_CONSENSUS_VOTER_DEADLINE_MS",
            ),
            (
                |c| c.voter_deadline_ms = 60_001,
                "QUORUM_CONSENSUS_VOTER_DEADLINE_MS",
            ),
            (|c| c.flat_band = -0.1, "QUORUM_CONSENSUS_FLAT_BAND"),
            (|c| c.flat_band = 1.0, "QUORUM_CONSENSUS_FLAT_BAND"),
            (
                |c| c.resolver_interval_ms = 10,
                "QUORUM_CONSENSUS_RESOLVER_INTERVAL_MS",
            ),
            (
                |c| c.resolver_grace_ms = 3_600_001,
                "QUORUM_CONSENSUS_RESOLVER_GRACE_MS",
            ),
            (
                |c| c.trade_history_addr = Some("10.0.0.5:50107".into()),
                "QUORUM_TRADE_HISTORY_ADDR",
            ),
        ];
        for (edit, variable) in cases {
            let mut bad = config();
            edit(&mut bad);
            assert_eq!(bad.check().unwrap_err().variable, variable);
        }
        let mut blank = config();
        blank.trade_history_addr = Some("  ".into());
        assert!(blank.check().is_ok());
        assert_eq!(blank.trade_history_address(), None);
    }
}
