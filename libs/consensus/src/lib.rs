//! Quorum's consensus rule, pure and without I/O, shared by consensus-engine and by
//! backtests that replay decisions.
//!
//! A proposal is put to a voter set in rounds. Each round, every voter answers with a
//! [`Ballot`] or fails to ([`VoteStatus`]); [`tally`] weighs the answers, and
//! [`Deliberation`] applies the rule:
//!
//! - quorum: answered voters (ABSTAIN included) / voter set size >= quorum;
//! - agreement: weight of the leading decision other than ABSTAIN / weight of every
//!   answered voter (abstentions weigh against approval);
//! - approved when the quorum answered, the lead is not tied and agreement >= threshold;
//! - otherwise ask again while rounds remain, showing the previous round; a round whose
//!   votes repeat the previous one (same voters, statuses and decisions) is a stalemate
//!   and ends voting.
//!
//! Weights may follow accuracy ([`WeightPolicy`]): the registered weight times
//! clamp(2 * (1 - brier / 0.25), 0.05, 2) once a voter has enough resolved votes: a
//! perfect voter doubles, one halfway between a coin and perfect keeps its weight, a
//! coin or worse keeps 5 %.
pub mod accuracy;
pub mod ballot;
pub mod deliberation;
mod explain;
pub mod outcome;
pub mod settings;
pub mod tally;

pub use accuracy::{
    Accuracy, BucketTally, Calibration, CalibrationBucket, WeightMode, WeightPolicy,
    accuracy_factor, brier_term, calibration_bucket, is_correct,
};
pub use ballot::{Ballot, BallotError, Decision, ProposalKind, Vote, VoteStatus};
pub use deliberation::{
    Conclusion, Deliberation, DeliberationError, Next, RoundSummary, Verdict, same_votes, verdict,
};
pub use outcome::{FlatBand, FlatBandError};
pub use settings::{Settings, SettingsError};
pub use tally::{Standing, Tally, TallyEntry, tally};

#[cfg(test)]
mod tests;
