//! Counting one round: weight per decision, the leading decision, agreement, ties, and
//! how the round stands against the settings.
use crate::ballot::{Decision, Vote};
use crate::settings::{Settings, TOLERANCE};

/// Weight behind one decision in a round.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TallyEntry {
    pub decision: Decision,
    pub weight: f64,
    pub voters: u32,
}

/// The count of one round.
#[derive(Debug, Clone, PartialEq)]
pub struct Tally {
    /// One entry per decision that got a vote, heaviest first (ties in decision order).
    pub entries: Vec<TallyEntry>,
    /// The heaviest decision other than ABSTAIN; `None` when nobody answered one.
    pub leading: Option<Decision>,
    /// Weight of the leading decision / weight of every answered voter (abstentions
    /// included); 0 when there is no leading decision.
    pub agreement: f64,
    /// Another decision other than ABSTAIN weighs as much as the leading one.
    pub tied: bool,
    /// Voters that answered (ABSTAIN included).
    pub answered: usize,
    /// Total weight of the voters that answered.
    pub answered_weight: f64,
    /// Size of the voter set: every vote record of the round, answered or not.
    pub voter_set: usize,
}

/// How a round stands against the settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    Approved,
    NoQuorum,
    Tie,
    BelowThreshold,
}

/// Counts a round. `votes` holds one record per voter of the voter set.
pub fn tally(votes: &[Vote]) -> Tally {
    let mut entries: Vec<TallyEntry> = Vec::new();
    let mut answered = 0;
    let mut answered_weight = 0.0;
    for vote in votes {
        let Some(decision) = vote.decision() else {
            continue;
        };
        answered += 1;
        answered_weight += vote.weight;
        match entries.iter_mut().find(|entry| entry.decision == decision) {
            Some(entry) => {
                entry.weight += vote.weight;
                entry.voters += 1;
            }
            None => entries.push(TallyEntry {
                decision,
                weight: vote.weight,
                voters: 1,
            }),
        }
    }
    entries.sort_by(|left, right| {
        right
            .weight
            .total_cmp(&left.weight)
            .then(left.decision.cmp(&right.decision))
    });
    let mut contenders = entries
        .iter()
        .filter(|entry| entry.decision != Decision::Abstain);
    let first = contenders.next();
    let second = contenders.next();
    let tied = match (first, second) {
        (Some(first), Some(second)) => {
            (first.weight - second.weight).abs() <= TOLERANCE * answered_weight.max(1.0)
        }
        _ => false,
    };
    let agreement = match first {
        Some(first) if answered_weight > 0.0 => (first.weight / answered_weight).clamp(0.0, 1.0),
        _ => 0.0,
    };
    Tally {
        leading: first.map(|entry| entry.decision),
        entries,
        agreement,
        tied,
        answered,
        answered_weight,
        voter_set: votes.len(),
    }
}

impl Tally {
    /// Weight behind `decision`.
    pub fn weight_of(&self, decision: Decision) -> f64 {
        self.entries
            .iter()
            .find(|entry| entry.decision == decision)
            .map_or(0.0, |entry| entry.weight)
    }

    pub fn quorum_met(&self, settings: &Settings) -> bool {
        settings.quorum_met(self.answered, self.voter_set)
    }

    /// Approved when the quorum answered, the lead is not shared and the agreement
    /// reaches the threshold; otherwise the first of these that failed.
    pub fn standing(&self, settings: &Settings) -> Standing {
        if !self.quorum_met(settings) {
            Standing::NoQuorum
        } else if self.tied {
            Standing::Tie
        } else if self.leading.is_some() && settings.threshold_met(self.agreement) {
            Standing::Approved
        } else {
            Standing::BelowThreshold
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ballot::{Ballot, VoteStatus};

    fn vote(voter: &str, weight: f64, decision: Decision) -> Vote {
        Vote::answered(voter, weight, Ballot::new(decision, 0.7).unwrap())
    }

    fn silent(voter: &str, status: VoteStatus) -> Vote {
        Vote::new(voter, 1.0, status)
    }

    #[test]
    fn weights_add_up_per_decision_and_the_heaviest_leads() {
        let votes = [
            vote("a", 1.0, Decision::Buy),
            vote("b", 2.0, Decision::Sell),
            vote("c", 1.5, Decision::Buy),
            silent("d", VoteStatus::TimedOut),
        ];
        let tally = tally(&votes);
        assert_eq!(tally.leading, Some(Decision::Buy));
        assert_eq!(tally.weight_of(Decision::Buy), 2.5);
        assert_eq!(tally.entries[0].voters, 2);
        assert_eq!(tally.answered, 3);
        assert_eq!(tally.voter_set, 4);
        assert!((tally.agreement - 2.5 / 4.5).abs() < 1e-12);
        assert!(!tally.tied);
    }

    #[test]
    fn abstentions_stay_in_the_denominator_but_never_lead() {
        let votes = [
            vote("a", 1.0, Decision::Yes),
            vote("b", 3.0, Decision::Abstain),
        ];
        let tally = tally(&votes);
        assert_eq!(tally.leading, Some(Decision::Yes));
        assert_eq!(tally.entries[0].decision, Decision::Abstain);
        assert!((tally.agreement - 0.25).abs() < 1e-12);
    }

    #[test]
    fn only_abstentions_have_no_leader_and_no_agreement() {
        let tally = tally(&[vote("a", 1.0, Decision::Abstain)]);
        assert_eq!(tally.leading, None);
        assert_eq!(tally.agreement, 0.0);
        assert_eq!(
            tally.standing(&Settings::default()),
            Standing::BelowThreshold
        );
    }

    #[test]
    fn equal_weights_for_two_decisions_are_a_tie() {
        let votes = [
            vote("a", 0.1 + 0.2, Decision::Buy),
            vote("b", 0.3, Decision::Sell),
        ];
        let tally = tally(&votes);
        assert!(tally.tied);
        let lenient = Settings {
            threshold: 0.4,
            ..Settings::default()
        };
        assert_eq!(tally.standing(&lenient), Standing::Tie);
    }

    #[test]
    fn standing_checks_quorum_before_agreement() {
        let settings = Settings::default();
        let lone = [
            vote("a", 1.0, Decision::Buy),
            silent("b", VoteStatus::Unreachable),
            silent("c", VoteStatus::Failed),
        ];
        assert_eq!(tally(&lone).standing(&settings), Standing::NoQuorum);
        let agreed = [
            vote("a", 1.0, Decision::Buy),
            vote("b", 1.0, Decision::Buy),
            silent("c", VoteStatus::Failed),
        ];
        assert_eq!(tally(&agreed).standing(&settings), Standing::Approved);
    }

    #[test]
    fn threshold_just_met_and_just_missed_by_weights() {
        let settings = Settings::default();
        let met = [
            vote("a", 17.0, Decision::Sell),
            vote("b", 3.0, Decision::Buy),
        ];
        let tally_met = tally(&met);
        assert_eq!(tally_met.agreement, 0.85);
        assert_eq!(tally_met.standing(&settings), Standing::Approved);
        let missed = [
            vote("a", 16.99, Decision::Sell),
            vote("b", 3.01, Decision::Buy),
        ];
        assert_eq!(tally(&missed).standing(&settings), Standing::BelowThreshold);
    }
}
