//! The knobs of one deliberation: threshold, quorum and the most rounds, with the
//! ranges the contract allows.

/// Agreement needed for approval when the caller does not say.
pub const DEFAULT_THRESHOLD: f64 = 0.85;
/// Share of the voter set that must answer when the caller does not say.
pub const DEFAULT_QUORUM: f64 = 2.0 / 3.0;
/// Rounds when the caller does not say.
pub const DEFAULT_MAX_ROUNDS: u32 = 10;
/// Most rounds a deliberation may have.
pub const MAX_ROUNDS: u32 = 50;

/// Comparisons of shares (agreement against threshold, answered share against quorum)
/// allow this much rounding: a sum of weights must not flip a decision that is exactly
/// at the threshold.
pub const TOLERANCE: f64 = 1e-9;

/// A setting outside its range, naming it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {problem}")]
pub struct SettingsError {
    /// `threshold`, `quorum` or `max_rounds`.
    pub field: &'static str,
    pub problem: String,
}

/// The settings of one deliberation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    /// Agreement needed for approval, in (0, 1].
    pub threshold: f64,
    /// Share of the voter set that must answer, in (0, 1].
    pub quorum: f64,
    /// Rounds at most, 1..=[`MAX_ROUNDS`].
    pub max_rounds: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            threshold: DEFAULT_THRESHOLD,
            quorum: DEFAULT_QUORUM,
            max_rounds: DEFAULT_MAX_ROUNDS,
        }
    }
}

impl Settings {
    /// Every setting outside its range, in field order.
    pub fn problems(&self) -> Vec<SettingsError> {
        let mut problems = Vec::new();
        if !share_in_range(self.threshold) {
            problems.push(SettingsError {
                field: "threshold",
                problem: format!("{} must be in (0, 1]", self.threshold),
            });
        }
        if !share_in_range(self.quorum) {
            problems.push(SettingsError {
                field: "quorum",
                problem: format!("{} must be in (0, 1]", self.quorum),
            });
        }
        if !(1..=MAX_ROUNDS).contains(&self.max_rounds) {
            problems.push(SettingsError {
                field: "max_rounds",
                problem: format!("{} must be between 1 and {MAX_ROUNDS}", self.max_rounds),
            });
        }
        problems
    }

    /// `Ok` when every setting is in range, else the first one that is not.
    pub fn validate(&self) -> Result<(), SettingsError> {
        match self.problems().into_iter().next() {
            Some(problem) => Err(problem),
            None => Ok(()),
        }
    }

    /// Whether `answered` of `voter_set` voters make a quorum.
    pub fn quorum_met(&self, answered: usize, voter_set: usize) -> bool {
        voter_set > 0 && answered as f64 / voter_set as f64 >= self.quorum - TOLERANCE
    }

    /// Fewest answers out of `voter_set` that make a quorum.
    pub fn quorum_needed(&self, voter_set: usize) -> usize {
        (0..=voter_set)
            .find(|answered| self.quorum_met(*answered, voter_set))
            .unwrap_or(voter_set)
    }

    /// Whether `agreement` reaches the threshold.
    pub fn threshold_met(&self, agreement: f64) -> bool {
        agreement >= self.threshold - TOLERANCE
    }
}

fn share_in_range(value: f64) -> bool {
    value > 0.0 && value <= 1.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid() {
        let settings = Settings::default();
        assert!(settings.validate().is_ok());
        assert_eq!(settings.threshold, 0.85);
        assert_eq!(settings.max_rounds, 10);
    }

    #[test]
    fn each_bad_setting_is_named() {
        let bad = Settings {
            threshold: 0.0,
            quorum: f64::NAN,
            max_rounds: 51,
        };
        let fields: Vec<&str> = bad.problems().iter().map(|problem| problem.field).collect();
        assert_eq!(fields, ["threshold", "quorum", "max_rounds"]);
        assert_eq!(bad.validate().unwrap_err().field, "threshold");
        let over = Settings {
            threshold: 1.5,
            ..Settings::default()
        };
        assert_eq!(over.validate().unwrap_err().field, "threshold");
        let no_rounds = Settings {
            max_rounds: 0,
            ..Settings::default()
        };
        assert_eq!(no_rounds.validate().unwrap_err().field, "max_rounds");
        let one = Settings {
            threshold: 1.0,
            quorum: 1.0,
            max_rounds: 1,
        };
        assert!(one.validate().is_ok());
    }

    #[test]
    fn two_thirds_quorum_needs_two_of_three_and_four_of_five() {
        let settings = Settings::default();
        assert!(!settings.quorum_met(1, 3));
        assert!(settings.quorum_met(2, 3));
        assert_eq!(settings.quorum_needed(3), 2);
        assert_eq!(settings.quorum_needed(5), 4);
        assert_eq!(settings.quorum_needed(12), 8);
        assert!(!settings.quorum_met(0, 0));
    }

    #[test]
    fn threshold_is_met_exactly_at_its_value() {
        let settings = Settings::default();
        assert!(settings.threshold_met(0.85));
        assert!(settings.threshold_met(17.0 / 20.0));
        assert!(settings.threshold_met(0.1 + 0.75));
        assert!(!settings.threshold_met(0.8499));
    }
}
