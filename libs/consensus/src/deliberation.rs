//! The multi-round driver as a pure state machine: the caller asks the voters, records
//! each round, and is told to ask again (with the round's summary) or that voting is
//! over (with the verdict).
use std::collections::HashSet;

use crate::ballot::{Decision, Vote};
use crate::settings::{Settings, SettingsError};
use crate::tally::{Standing, Tally, tally};

/// Why a decision ended as it did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verdict {
    Approved,
    /// Too few voters answered.
    NoQuorum,
    /// Agreement stayed below the threshold and no rounds remain.
    BelowThreshold,
    /// A round repeated the previous one exactly.
    Stalemate,
    /// Two decisions shared the lead in the last round.
    Tie,
}

impl Verdict {
    pub const ALL: [Verdict; 5] = [
        Verdict::Approved,
        Verdict::NoQuorum,
        Verdict::BelowThreshold,
        Verdict::Stalemate,
        Verdict::Tie,
    ];

    /// Upper-case name, as in the contract without its prefix.
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Approved => "APPROVED",
            Verdict::NoQuorum => "NO_QUORUM",
            Verdict::BelowThreshold => "BELOW_THRESHOLD",
            Verdict::Stalemate => "STALEMATE",
            Verdict::Tie => "TIE",
        }
    }

    pub fn parse(name: &str) -> Option<Verdict> {
        Self::ALL
            .into_iter()
            .find(|verdict| verdict.name().eq_ignore_ascii_case(name.trim()))
    }
}

/// One round as voters see it in the next round, and as it is stored.
#[derive(Debug, Clone, PartialEq)]
pub struct RoundSummary {
    /// 1 for the first round.
    pub round: u32,
    pub tally: Tally,
    /// One per voter of the voter set, in voter-set order.
    pub votes: Vec<Vote>,
}

/// How voting ended.
#[derive(Debug, Clone, PartialEq)]
pub struct Conclusion {
    pub verdict: Verdict,
    pub approved: bool,
    /// The leading decision of the last round.
    pub decision: Option<Decision>,
    pub agreement: f64,
    pub rounds: Vec<RoundSummary>,
    /// Answered voters of the last round whose decision differs from the leading one.
    pub dissenters: Vec<Vote>,
    /// Words a person can read.
    pub explanation: String,
}

/// What to do after a round.
#[derive(Debug, Clone, PartialEq)]
pub enum Next {
    /// Ask every voter again, showing them this summary of the round just recorded.
    Ask(RoundSummary),
    Done(Conclusion),
}

/// A round or a voter set the rule cannot take.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DeliberationError {
    #[error(transparent)]
    Settings(#[from] SettingsError),
    #[error("the voter set is empty")]
    EmptyVoterSet,
    #[error("voter {0} is named twice")]
    DuplicateVoter(String),
    #[error("voter {0} is not in the voter set")]
    UnknownVoter(String),
    #[error("the round has no vote for voter {0}")]
    MissingVoter(String),
    #[error("voter {voter} has weight {weight}; weights must be finite and > 0")]
    BadWeight { voter: String, weight: f64 },
    #[error("voting is over")]
    Finished,
    #[error("no round was recorded")]
    NoRounds,
}

/// Whether voting ends after `tally`, and with which verdict: `None` means ask again.
pub fn verdict(
    settings: &Settings,
    tally: &Tally,
    stalemate: bool,
    rounds_left: bool,
) -> Option<Verdict> {
    let standing = tally.standing(settings);
    if standing == Standing::Approved {
        return Some(Verdict::Approved);
    }
    if stalemate {
        return Some(Verdict::Stalemate);
    }
    if rounds_left {
        return None;
    }
    Some(match standing {
        Standing::Approved => Verdict::Approved,
        Standing::NoQuorum => Verdict::NoQuorum,
        Standing::Tie => Verdict::Tie,
        Standing::BelowThreshold => Verdict::BelowThreshold,
    })
}

/// One deliberation over a fixed voter set.
#[derive(Debug, Clone)]
pub struct Deliberation {
    settings: Settings,
    voters: Vec<String>,
    rounds: Vec<RoundSummary>,
    finished: bool,
}

impl Deliberation {
    /// Checks the settings and the voter set (non-empty, no name twice).
    pub fn new(
        settings: Settings,
        voters: impl IntoIterator<Item = String>,
    ) -> Result<Self, DeliberationError> {
        settings.validate()?;
        let voters: Vec<String> = voters.into_iter().collect();
        if voters.is_empty() {
            return Err(DeliberationError::EmptyVoterSet);
        }
        let mut seen = HashSet::new();
        for voter in &voters {
            if !seen.insert(voter.as_str()) {
                return Err(DeliberationError::DuplicateVoter(voter.clone()));
            }
        }
        Ok(Self {
            settings,
            voters,
            rounds: Vec::new(),
            finished: false,
        })
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    pub fn voters(&self) -> &[String] {
        &self.voters
    }

    /// The number of the round to ask next (1 for the first).
    pub fn next_round(&self) -> u32 {
        u32::try_from(self.rounds.len()).map_or(u32::MAX, |held| held.saturating_add(1))
    }

    pub fn rounds(&self) -> &[RoundSummary] {
        &self.rounds
    }

    /// Records the votes of the next round (one per voter, in any order) and says
    /// whether to ask again.
    pub fn record_round(&mut self, votes: Vec<Vote>) -> Result<Next, DeliberationError> {
        if self.finished {
            return Err(DeliberationError::Finished);
        }
        let votes = self.in_voter_order(votes)?;
        let summary = RoundSummary {
            round: self.next_round(),
            tally: tally(&votes),
            votes,
        };
        let stalemate = self
            .rounds
            .last()
            .is_some_and(|previous| same_votes(&previous.votes, &summary.votes));
        let rounds_left = summary.round < self.settings.max_rounds;
        let ending = verdict(&self.settings, &summary.tally, stalemate, rounds_left);
        self.rounds.push(summary.clone());
        match ending {
            Some(verdict) => Ok(Next::Done(self.finish(verdict, false))),
            None => Ok(Next::Ask(summary)),
        }
    }

    /// Ends voting now, on the last recorded round, as if no rounds remained (the caller
    /// ran out of time for another round).
    pub fn conclude(&mut self) -> Result<Conclusion, DeliberationError> {
        if self.finished {
            return Err(DeliberationError::Finished);
        }
        let last = self.rounds.last().ok_or(DeliberationError::NoRounds)?;
        let verdict =
            verdict(&self.settings, &last.tally, false, false).unwrap_or(Verdict::BelowThreshold);
        let cut_short = last.round < self.settings.max_rounds;
        Ok(self.finish(verdict, cut_short))
    }

    fn finish(&mut self, verdict: Verdict, cut_short: bool) -> Conclusion {
        self.finished = true;
        let (decision, agreement, dissenters) = match self.rounds.last() {
            Some(last) => (
                last.tally.leading,
                last.tally.agreement,
                last.votes
                    .iter()
                    .filter(|vote| {
                        vote.decision().is_some() && vote.decision() != last.tally.leading
                    })
                    .cloned()
                    .collect(),
            ),
            None => (None, 0.0, Vec::new()),
        };
        let explanation = crate::explain::explain(&self.settings, verdict, &self.rounds, cut_short);
        Conclusion {
            verdict,
            approved: verdict == Verdict::Approved,
            decision,
            agreement,
            rounds: self.rounds.clone(),
            dissenters,
            explanation,
        }
    }

    /// The round's votes in voter-set order, refusing strangers, gaps, repeats and bad
    /// weights.
    fn in_voter_order(&self, votes: Vec<Vote>) -> Result<Vec<Vote>, DeliberationError> {
        let mut slots: Vec<Option<Vote>> = vec![None; self.voters.len()];
        for vote in votes {
            if !(vote.weight.is_finite() && vote.weight > 0.0) {
                return Err(DeliberationError::BadWeight {
                    voter: vote.voter,
                    weight: vote.weight,
                });
            }
            let index = self
                .voters
                .iter()
                .position(|voter| *voter == vote.voter)
                .ok_or_else(|| DeliberationError::UnknownVoter(vote.voter.clone()))?;
            if slots[index].is_some() {
                return Err(DeliberationError::DuplicateVoter(vote.voter));
            }
            slots[index] = Some(vote);
        }
        slots
            .into_iter()
            .zip(&self.voters)
            .map(|(slot, voter)| slot.ok_or_else(|| DeliberationError::MissingVoter(voter.clone())))
            .collect()
    }
}

/// Same voters, same statuses, same decisions: the stalemate test.
pub fn same_votes(previous: &[Vote], current: &[Vote]) -> bool {
    previous.len() == current.len()
        && previous.iter().all(|before| {
            current
                .iter()
                .find(|now| now.voter == before.voter)
                .is_some_and(|now| now.status.same_as(&before.status))
        })
}
