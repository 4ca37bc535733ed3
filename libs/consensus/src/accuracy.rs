//! Voter weights that follow measured accuracy: Brier scores of resolved votes, the
//! accuracy factor, and calibration buckets.
use crate::ballot::Decision;

/// The Brier score of a voter no better than a coin (always confidence 0.5).
pub const COIN_BRIER: f64 = 0.25;
/// Smallest accuracy factor: a voter that is always confidently wrong keeps this much.
pub const MIN_FACTOR: f64 = 0.05;
/// Largest accuracy factor: a perfect voter doubles its weight.
pub const MAX_FACTOR: f64 = 2.0;
/// Resolved votes a voter needs before its accuracy moves its weight.
pub const DEFAULT_MIN_RESOLVED: u64 = 20;
/// Calibration buckets: confidence in tenths.
pub const CALIBRATION_BUCKETS: usize = 10;

/// How a voter's weight is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WeightMode {
    /// The registered weight.
    Fixed,
    /// The registered weight times the accuracy factor.
    Accuracy,
}

impl WeightMode {
    pub fn name(self) -> &'static str {
        match self {
            WeightMode::Fixed => "FIXED",
            WeightMode::Accuracy => "ACCURACY",
        }
    }

    pub fn parse(name: &str) -> Option<WeightMode> {
        [WeightMode::Fixed, WeightMode::Accuracy]
            .into_iter()
            .find(|mode| mode.name().eq_ignore_ascii_case(name.trim()))
    }
}

/// Whether a vote was right about the outcome; `None` for an abstention, which claims
/// nothing and is not scored.
pub fn is_correct(decision: Decision, actual: Decision) -> Option<bool> {
    (decision != Decision::Abstain).then_some(decision == actual)
}

/// One resolved vote's Brier term: (confidence - correct)^2, with correct 1 or 0.
pub fn brier_term(confidence: f64, correct: bool) -> f64 {
    let outcome = if correct { 1.0 } else { 0.0 };
    (confidence - outcome).powi(2)
}

/// The accuracy factor for a Brier score: clamp(2 * (1 - brier / 0.25), 0.05, 2).
///
/// 1 - brier / 0.25 is the Brier skill score against a coin: 1 for a perfect voter, 0 for
/// a coin, negative for worse. Doubled, a perfect voter doubles its weight, a voter
/// halfway between a coin and perfect keeps it, and a coin or worse keeps 5 %.
pub fn accuracy_factor(brier: f64) -> f64 {
    if brier.is_nan() {
        return MIN_FACTOR;
    }
    (2.0 * (1.0 - brier / COIN_BRIER)).clamp(MIN_FACTOR, MAX_FACTOR)
}

/// A voter's resolved votes, summed.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Accuracy {
    pub resolved: u64,
    pub correct: u64,
    pub brier_sum: f64,
}

impl Accuracy {
    /// Adds one resolved vote.
    pub fn record(&mut self, confidence: f64, correct: bool) {
        self.resolved += 1;
        self.correct += u64::from(correct);
        self.brier_sum += brier_term(confidence, correct);
    }

    /// Mean Brier term; `None` before any resolved vote.
    pub fn brier_score(&self) -> Option<f64> {
        (self.resolved > 0).then(|| self.brier_sum / self.resolved as f64)
    }
}

/// When accuracy starts to count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WeightPolicy {
    /// Resolved votes needed before the factor leaves 1.
    pub min_resolved: u64,
}

impl Default for WeightPolicy {
    fn default() -> Self {
        Self {
            min_resolved: DEFAULT_MIN_RESOLVED,
        }
    }
}

impl WeightPolicy {
    /// The factor for a voter's record: 1 until it has `min_resolved` resolved votes.
    pub fn factor(&self, accuracy: &Accuracy) -> f64 {
        match accuracy.brier_score() {
            Some(brier) if accuracy.resolved >= self.min_resolved => accuracy_factor(brier),
            _ => 1.0,
        }
    }

    /// The weight a voter carries in a tally.
    pub fn effective_weight(&self, base: f64, mode: WeightMode, accuracy: &Accuracy) -> f64 {
        match mode {
            WeightMode::Fixed => base,
            WeightMode::Accuracy => base * self.factor(accuracy),
        }
    }
}

/// The calibration bucket of a confidence: [0, 0.1) is 0, ..., [0.9, 1] is 9.
pub fn calibration_bucket(confidence: f64) -> usize {
    if confidence.is_nan() || confidence <= 0.0 {
        return 0;
    }
    let bucket = (confidence * CALIBRATION_BUCKETS as f64).floor() as usize;
    bucket.min(CALIBRATION_BUCKETS - 1)
}

/// Resolved votes of one bucket, summed.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct BucketTally {
    pub votes: u64,
    pub confidence_sum: f64,
    pub hits: u64,
}

/// Among votes with confidence in [low, high), how often the voter was right. The last
/// bucket includes 1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CalibrationBucket {
    pub low: f64,
    pub high: f64,
    pub votes: u64,
    pub mean_confidence: f64,
    pub hit_rate: f64,
}

/// A voter's calibration: resolved votes by confidence bucket.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Calibration {
    tallies: [BucketTally; CALIBRATION_BUCKETS],
}

impl Calibration {
    /// Adds one resolved vote.
    pub fn record(&mut self, confidence: f64, correct: bool) {
        let bucket = &mut self.tallies[calibration_bucket(confidence)];
        bucket.votes += 1;
        bucket.confidence_sum += confidence;
        bucket.hits += u64::from(correct);
    }

    /// Adds a stored bucket's sums; indexes past the last bucket are ignored.
    pub fn add_tally(&mut self, bucket: usize, tally: BucketTally) {
        if let Some(slot) = self.tallies.get_mut(bucket) {
            slot.votes += tally.votes;
            slot.confidence_sum += tally.confidence_sum;
            slot.hits += tally.hits;
        }
    }

    /// Every bucket, lowest first; empty buckets report zeros.
    pub fn buckets(&self) -> Vec<CalibrationBucket> {
        self.tallies
            .iter()
            .enumerate()
            .map(|(index, tally)| {
                let share = |count: f64| {
                    if tally.votes == 0 {
                        0.0
                    } else {
                        count / tally.votes as f64
                    }
                };
                CalibrationBucket {
                    low: index as f64 / CALIBRATION_BUCKETS as f64,
                    high: (index + 1) as f64 / CALIBRATION_BUCKETS as f64,
                    votes: tally.votes,
                    mean_confidence: share(tally.confidence_sum),
                    hit_rate: share(tally.hits as f64),
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn factor_follows_the_brier_score_within_its_bounds() {
        assert_eq!(accuracy_factor(0.0), 2.0);
        assert_eq!(accuracy_factor(0.25), 0.05);
        assert!((accuracy_factor(0.125) - 1.0).abs() < 1e-12);
        assert!((accuracy_factor(0.0625) - 1.5).abs() < 1e-12);
        // Just better than a coin: the floor.
        assert_eq!(accuracy_factor(0.245), 0.05);
        assert_eq!(accuracy_factor(1.0), 0.05);
        assert_eq!(accuracy_factor(f64::NAN), 0.05);
        // Any Brier score below zero is impossible, but would still be capped.
        assert_eq!(accuracy_factor(-1.0), 2.0);
    }

    #[test]
    fn brier_terms_reward_confident_right_answers() {
        assert_eq!(brier_term(1.0, true), 0.0);
        assert_eq!(brier_term(1.0, false), 1.0);
        assert!((brier_term(0.8, true) - 0.04).abs() < 1e-12);
        assert!((brier_term(0.8, false) - 0.64).abs() < 1e-12);
        assert_eq!(is_correct(Decision::Buy, Decision::Buy), Some(true));
        assert_eq!(is_correct(Decision::Sell, Decision::Hold), Some(false));
        assert_eq!(is_correct(Decision::Abstain, Decision::Buy), None);
    }

    #[test]
    fn weight_is_base_until_enough_votes_resolved() {
        let policy = WeightPolicy { min_resolved: 3 };
        let mut record = Accuracy::default();
        record.record(0.9, true);
        record.record(0.9, true);
        assert_eq!(
            policy.effective_weight(2.0, WeightMode::Accuracy, &record),
            2.0
        );
        record.record(0.9, true);
        // Brier 0.01 -> factor 2 * 0.96.
        let weight = policy.effective_weight(2.0, WeightMode::Accuracy, &record);
        assert!((weight - 3.84).abs() < 1e-9, "{weight}");
        assert_eq!(
            policy.effective_weight(2.0, WeightMode::Fixed, &record),
            2.0
        );
    }

    #[test]
    fn a_good_voter_outweighs_a_bad_one_after_outcomes() {
        let policy = WeightPolicy::default();
        let mut good = Accuracy::default();
        let mut bad = Accuracy::default();
        for index in 0..30 {
            // Good: right 9 times in 10 at confidence 0.8. Bad: right 3 in 10 at 0.9.
            good.record(0.8, index % 10 != 0);
            bad.record(0.9, index % 10 < 3);
        }
        let good_weight = policy.effective_weight(1.0, WeightMode::Accuracy, &good);
        let bad_weight = policy.effective_weight(1.0, WeightMode::Accuracy, &bad);
        // Brier 0.1 -> 1.2; Brier 0.57 -> the floor.
        assert!((good_weight - 1.2).abs() < 1e-9, "{good_weight}");
        assert_eq!(bad_weight, 0.05);
        assert!(bad_weight < 1.0, "{bad_weight}");
        assert!(good_weight > bad_weight);
        assert_eq!(good.correct, 27);
        assert_eq!(bad.resolved, 30);
    }

    #[test]
    fn calibration_buckets_by_tenths_with_one_in_the_last() {
        assert_eq!(calibration_bucket(0.0), 0);
        assert_eq!(calibration_bucket(0.09), 0);
        assert_eq!(calibration_bucket(0.1), 1);
        assert_eq!(calibration_bucket(0.3), 3);
        assert_eq!(calibration_bucket(0.7), 7);
        assert_eq!(calibration_bucket(0.99), 9);
        assert_eq!(calibration_bucket(1.0), 9);
        let mut calibration = Calibration::default();
        calibration.record(0.75, true);
        calibration.record(0.71, false);
        calibration.record(1.0, true);
        let buckets = calibration.buckets();
        assert_eq!(buckets.len(), 10);
        assert_eq!(buckets[7].votes, 2);
        assert!((buckets[7].mean_confidence - 0.73).abs() < 1e-12);
        assert_eq!(buckets[7].hit_rate, 0.5);
        assert_eq!(buckets[9].hit_rate, 1.0);
        assert_eq!(buckets[0].votes, 0);
        assert_eq!(buckets[0].hit_rate, 0.0);
        assert!((buckets[3].low - 0.3).abs() < 1e-12);
    }
}
