//! Between the consensus rule's types, the contract's enums and the names stored in
//! Postgres (the contract's value names without their prefix: BUY, ANSWERED, ...).
use quorum_consensus::{Decision, ProposalKind, Verdict, VoteStatus, WeightMode};
use quorum_proto::ai::v1 as ai;

pub fn proposal_kind(value: i32) -> Option<ProposalKind> {
    match ai::ProposalKind::try_from(value) {
        Ok(ai::ProposalKind::Direction) => Some(ProposalKind::Direction),
        Ok(ai::ProposalKind::YesNo) => Some(ProposalKind::YesNo),
        _ => None,
    }
}

/// A contract decision; `None` for UNSPECIFIED and unknown numbers.
pub fn decision(value: i32) -> Option<Decision> {
    match ai::Decision::try_from(value) {
        Ok(ai::Decision::Buy) => Some(Decision::Buy),
        Ok(ai::Decision::Sell) => Some(Decision::Sell),
        Ok(ai::Decision::Hold) => Some(Decision::Hold),
        Ok(ai::Decision::Yes) => Some(Decision::Yes),
        Ok(ai::Decision::No) => Some(Decision::No),
        Ok(ai::Decision::Abstain) => Some(Decision::Abstain),
        _ => None,
    }
}

/// The contract number of a decision; UNSPECIFIED for none.
pub fn decision_number(decision: Option<Decision>) -> i32 {
    let value = match decision {
        None => ai::Decision::Unspecified,
        Some(Decision::Buy) => ai::Decision::Buy,
        Some(Decision::Sell) => ai::Decision::Sell,
        Some(Decision::Hold) => ai::Decision::Hold,
        Some(Decision::Yes) => ai::Decision::Yes,
        Some(Decision::No) => ai::Decision::No,
        Some(Decision::Abstain) => ai::Decision::Abstain,
    };
    value.into()
}

/// A stored decision name back to its contract number; UNSPECIFIED when empty or unknown.
pub fn decision_name_number(name: Option<&str>) -> i32 {
    decision_number(name.and_then(Decision::parse))
}

/// The stored name of a contract decision number ("BUY"); `None` for UNSPECIFIED.
pub fn decision_name(number: i32) -> Option<&'static str> {
    decision(number).map(Decision::name)
}

pub fn verdict_number(verdict: Verdict) -> i32 {
    let value = match verdict {
        Verdict::Approved => ai::Verdict::Approved,
        Verdict::NoQuorum => ai::Verdict::NoQuorum,
        Verdict::BelowThreshold => ai::Verdict::BelowThreshold,
        Verdict::Stalemate => ai::Verdict::Stalemate,
        Verdict::Tie => ai::Verdict::Tie,
    };
    value.into()
}

/// A contract verdict; `None` for UNSPECIFIED and unknown numbers.
pub fn verdict(value: i32) -> Option<Verdict> {
    match ai::Verdict::try_from(value) {
        Ok(ai::Verdict::Approved) => Some(Verdict::Approved),
        Ok(ai::Verdict::NoQuorum) => Some(Verdict::NoQuorum),
        Ok(ai::Verdict::BelowThreshold) => Some(Verdict::BelowThreshold),
        Ok(ai::Verdict::Stalemate) => Some(Verdict::Stalemate),
        Ok(ai::Verdict::Tie) => Some(Verdict::Tie),
        _ => None,
    }
}

pub fn status_number(status: &VoteStatus) -> i32 {
    status_name_number(status.name())
}

/// The stored name of a contract vote status number ("TIMED_OUT").
pub fn status_name(number: i32) -> &'static str {
    ai::VoteStatus::try_from(number)
        .unwrap_or(ai::VoteStatus::Unspecified)
        .as_str_name()
        .strip_prefix("VOTE_STATUS_")
        .unwrap_or("UNSPECIFIED")
}

/// A stored status name back to its contract number.
pub fn status_name_number(name: &str) -> i32 {
    ai::VoteStatus::from_str_name(&format!("VOTE_STATUS_{name}"))
        .unwrap_or(ai::VoteStatus::Unspecified)
        .into()
}

/// A contract weight mode; UNSPECIFIED is FIXED, unknown numbers are `None`.
pub fn weight_mode(value: i32) -> Option<WeightMode> {
    match ai::WeightMode::try_from(value) {
        Ok(ai::WeightMode::Unspecified | ai::WeightMode::Fixed) => Some(WeightMode::Fixed),
        Ok(ai::WeightMode::Accuracy) => Some(WeightMode::Accuracy),
        Err(_) => None,
    }
}

pub fn weight_mode_number(mode: WeightMode) -> i32 {
    match mode {
        WeightMode::Fixed => ai::WeightMode::Fixed.into(),
        WeightMode::Accuracy => ai::WeightMode::Accuracy.into(),
    }
}

/// The stored name of a voter kind ("STRATEGY"); `None` for unknown numbers.
pub fn voter_kind_name(value: i32) -> Option<&'static str> {
    ai::VoterKind::try_from(value).ok().map(|kind| {
        kind.as_str_name()
            .strip_prefix("VOTER_KIND_")
            .unwrap_or("UNSPECIFIED")
    })
}

/// A stored voter kind name back to its contract number.
pub fn voter_kind_number(name: &str) -> i32 {
    ai::VoterKind::from_str_name(&format!("VOTER_KIND_{name}"))
        .unwrap_or(ai::VoterKind::Unspecified)
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decisions_and_verdicts_round_trip_through_contract_numbers() {
        for decision in Decision::ALL {
            let number = decision_number(Some(decision));
            assert_eq!(super::decision(number), Some(decision));
            assert_eq!(decision_name_number(Some(decision.name())), number);
        }
        assert_eq!(decision_number(None), 0);
        assert_eq!(super::decision(0), None);
        assert_eq!(super::decision(99), None);
        for verdict in Verdict::ALL {
            assert_eq!(super::verdict(verdict_number(verdict)), Some(verdict));
        }
        assert_eq!(super::verdict(0), None);
    }

    #[test]
    fn statuses_modes_and_kinds_map_by_name() {
        assert_eq!(
            status_number(&VoteStatus::TimedOut),
            ai::VoteStatus::TimedOut as i32
        );
        assert_eq!(
            status_name_number("UNREACHABLE"),
            ai::VoteStatus::Unreachable as i32
        );
        assert_eq!(status_name_number("nonsense"), 0);
        assert_eq!(status_name(ai::VoteStatus::Answered as i32), "ANSWERED");
        assert_eq!(status_name(99), "UNSPECIFIED");
        assert_eq!(decision_name(ai::Decision::Hold as i32), Some("HOLD"));
        assert_eq!(decision_name(0), None);
        assert_eq!(weight_mode(0), Some(WeightMode::Fixed));
        assert_eq!(weight_mode(2), Some(WeightMode::Accuracy));
        assert_eq!(weight_mode(7), None);
        assert_eq!(weight_mode_number(WeightMode::Accuracy), 2);
        assert_eq!(voter_kind_name(ai::VoterKind::Llm as i32), Some("LLM"));
        assert_eq!(voter_kind_name(0), Some("UNSPECIFIED"));
        assert_eq!(voter_kind_name(42), None);
        assert_eq!(voter_kind_number("MODEL"), ai::VoterKind::Model as i32);
        assert_eq!(proposal_kind(1), Some(ProposalKind::Direction));
        assert_eq!(proposal_kind(0), None);
    }
}
