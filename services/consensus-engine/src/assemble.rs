//! Building the contract's messages of a decision: round summaries from the rule's
//! tallies and the voters' answers, and the whole ConsensusDecision. Decide answers with
//! what these build, and reads rebuild the same message from the stored rows.
use quorum_consensus::{Conclusion, RoundSummary, Settings, Tally};
use quorum_domain::Decimal;
use quorum_domain::convert::decimal;
use quorum_proto::ai::v1 as ai;

use crate::ballots::Asked;
use crate::convert;

/// The tally of a round as the contract carries it, heaviest first.
pub fn tally_entries(tally: &Tally) -> Vec<ai::TallyEntry> {
    tally
        .entries
        .iter()
        .map(|entry| ai::TallyEntry {
            decision: convert::decision_number(Some(entry.decision)),
            weight: entry.weight,
            voters: entry.voters,
        })
        .collect()
}

/// A round's summary: the rule's count and every voter's recorded vote (in voter-set
/// order, which `asked` follows).
pub fn round_proto(summary: &RoundSummary, asked: &[Asked]) -> ai::RoundSummary {
    ai::RoundSummary {
        round: summary.round,
        tally: tally_entries(&summary.tally),
        agreement: summary.tally.agreement,
        leading: convert::decision_number(summary.tally.leading),
        votes: asked.iter().map(Asked::recorded).collect(),
    }
}

/// What a finished deliberation is made of.
#[derive(Debug, Clone, Copy)]
pub struct Made<'a> {
    pub decision_id: &'a str,
    pub proposal: &'a ai::Proposal,
    pub conclusion: &'a Conclusion,
    pub settings: &'a Settings,
    pub rounds: &'a [ai::RoundSummary],
    pub decided_unix_ms: i64,
}

/// The decision as the contract carries it.
pub fn decision_proto(made: Made<'_>) -> ai::ConsensusDecision {
    let dissenter_names: Vec<String> = made
        .conclusion
        .dissenters
        .iter()
        .map(|vote| vote.voter.clone())
        .collect();
    ai::ConsensusDecision {
        decision_id: made.decision_id.to_string(),
        proposal: Some(made.proposal.clone()),
        approved: made.conclusion.approved,
        verdict: convert::verdict_number(made.conclusion.verdict),
        decision: convert::decision_number(made.conclusion.decision),
        agreement: made.conclusion.agreement,
        threshold: made.settings.threshold,
        quorum: made.settings.quorum,
        rounds: made.rounds.to_vec(),
        dissenters: dissenters(made.rounds, &dissenter_names),
        explanation: made.conclusion.explanation.clone(),
        decided_unix_ms: made.decided_unix_ms,
        total_cost: Some(total_cost(made.rounds)),
        outcome: None,
    }
}

/// The last round's votes of the named dissenters, in voter-set order.
pub fn dissenters(rounds: &[ai::RoundSummary], names: &[String]) -> Vec<ai::RecordedVote> {
    rounds
        .last()
        .map(|last| {
            last.votes
                .iter()
                .filter(|vote| names.contains(&vote.voter))
                .cloned()
                .collect()
        })
        .unwrap_or_default()
}

/// The cost of every vote of every round, summed.
pub fn total_cost(rounds: &[ai::RoundSummary]) -> ai::VoteCost {
    let mut total = ai::VoteCost::default();
    let mut money = Decimal::ZERO;
    let costs = rounds
        .iter()
        .flat_map(|round| &round.votes)
        .filter_map(|vote| vote.ballot.as_ref())
        .filter_map(|ballot| ballot.cost.as_ref());
    for cost in costs {
        total.compute_micros = total.compute_micros.saturating_add(cost.compute_micros);
        total.prompt_tokens = total.prompt_tokens.saturating_add(cost.prompt_tokens);
        total.completion_tokens = total
            .completion_tokens
            .saturating_add(cost.completion_tokens);
        let spent = cost
            .money
            .as_ref()
            .and_then(|money| money.value.parse::<Decimal>().ok())
            .unwrap_or(Decimal::ZERO);
        money = money.checked_add(spent).unwrap_or(money);
    }
    total.money = Some(decimal(money));
    total
}

#[cfg(test)]
mod tests {
    use super::*;
    use quorum_proto::common::v1::Decimal as ProtoDecimal;

    fn vote(voter: &str, money: &str, tokens: u64) -> ai::RecordedVote {
        ai::RecordedVote {
            voter: voter.into(),
            status: ai::VoteStatus::Answered.into(),
            ballot: Some(ai::Ballot {
                cost: Some(ai::VoteCost {
                    compute_micros: 10,
                    prompt_tokens: tokens,
                    completion_tokens: 1,
                    money: Some(ProtoDecimal {
                        value: money.into(),
                    }),
                }),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    #[test]
    fn costs_add_up_over_every_vote_of_every_round() {
        let rounds = vec![
            ai::RoundSummary {
                round: 1,
                votes: vec![vote("a", "0.0015", 100), vote("b", "0.01", 50)],
                ..Default::default()
            },
            ai::RoundSummary {
                round: 2,
                votes: vec![
                    vote("a", "0.0015", 100),
                    ai::RecordedVote {
                        voter: "b".into(),
                        status: ai::VoteStatus::TimedOut.into(),
                        ..Default::default()
                    },
                ],
                ..Default::default()
            },
        ];
        let total = total_cost(&rounds);
        assert_eq!(total.compute_micros, 30);
        assert_eq!(total.prompt_tokens, 250);
        assert_eq!(total.completion_tokens, 3);
        assert_eq!(total.money.unwrap().value, "0.013");
        let names = vec!["b".to_string()];
        let last = dissenters(&rounds, &names);
        assert_eq!(last.len(), 1);
        assert_eq!(last[0].status, ai::VoteStatus::TimedOut as i32);
        assert!(dissenters(&[], &names).is_empty());
    }
}
