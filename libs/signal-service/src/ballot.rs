//! A strategy signal as a ballot: LONG -> BUY, SHORT -> SELL, FLAT -> HOLD, with the
//! signal's confidence, its reasons as the rationale and its numbers as evidence. A
//! signal still warming up (too little history to judge) is an ABSTAIN saying so.
use std::collections::HashMap;

use quorum_proto::ai::v1::{Ballot, Decision, Evidence, RoundSummary, VoteCost};
use quorum_proto::common::v1::TimeRange;
use quorum_strategies::{Direction, Signal};

use quorum_domain::Interval;

/// What a vote looked at.
#[derive(Debug, Clone)]
pub struct Basis<'a> {
    pub signal: &'a Signal,
    pub symbol: String,
    pub interval: &'a Interval,
    /// Open times of the first and last candle used.
    pub first_open_ms: i64,
    pub last_open_ms: i64,
    /// The proposal's as-of instant: nothing after it was used.
    pub as_of_ms: i64,
    pub candles: usize,
    /// Sentences about the data (fetched, filled, left out).
    pub notes: Vec<String>,
}

/// The ballot for a DIRECTION proposal in `round` (1 for the first).
pub fn direction_ballot(
    basis: &Basis<'_>,
    round: u32,
    previous: Option<&RoundSummary>,
    voter_version: &str,
) -> Ballot {
    let signal = basis.signal;
    let decision = if signal.ready {
        decision(signal.direction)
    } else {
        Decision::Abstain
    };
    let mut sentences = vec![if signal.ready {
        format!(
            "{} says {} for {} {} (strength {:.2}, confidence {:.2}): {}.",
            signal.strategy,
            signal.direction.name(),
            basis.symbol,
            basis.interval.name(),
            signal.strength,
            signal.confidence,
            signal.reasons.join("; ")
        )
    } else {
        format!(
            "{} abstains on {} {}: too little history to judge ({}).",
            signal.strategy,
            basis.symbol,
            basis.interval.name(),
            signal.reasons.join("; ")
        )
    }];
    sentences.extend(basis.notes.iter().cloned());
    sentences.extend(round_note(round, previous));
    Ballot {
        decision: decision.into(),
        confidence: if decision == Decision::Abstain {
            0.0
        } else {
            signal.confidence
        },
        rationale: sentences.join(" "),
        evidence: Some(evidence(basis)),
        voter_version: voter_version.to_string(),
        cost: Some(VoteCost::default()),
    }
}

/// An ABSTAIN with a rationale and no evidence (a question this voter does not answer).
pub fn abstain(rationale: String, voter_version: &str) -> Ballot {
    Ballot {
        decision: Decision::Abstain.into(),
        confidence: 0.0,
        rationale,
        evidence: None,
        voter_version: voter_version.to_string(),
        cost: Some(VoteCost::default()),
    }
}

pub fn decision(direction: Direction) -> Decision {
    match direction {
        Direction::Long => Decision::Buy,
        Direction::Short => Decision::Sell,
        Direction::Flat => Decision::Hold,
    }
}

/// From round 2: that the previous tally was seen, and why the vote stands.
pub fn round_note(round: u32, previous: Option<&RoundSummary>) -> Option<String> {
    if round <= 1 {
        return None;
    }
    let Some(previous) = previous else {
        return Some(format!(
            "Round {round}: no previous tally was given; the vote is the strategy's on the same data."
        ));
    };
    let tally: Vec<String> = previous
        .tally
        .iter()
        .map(|entry| {
            format!(
                "{} {:.2} from {} voter(s)",
                decision_name(entry.decision),
                entry.weight,
                entry.voters
            )
        })
        .collect();
    Some(format!(
        "Round {round}: saw round {}'s tally ({}; leading {}, agreement {:.2}); this strategy \
         votes on the candles alone, so its vote is unchanged.",
        previous.round,
        if tally.is_empty() {
            "no votes".to_string()
        } else {
            tally.join(", ")
        },
        decision_name(previous.leading),
        previous.agreement
    ))
}

/// "BUY" for DECISION_BUY.
pub fn decision_name(value: i32) -> String {
    Decision::try_from(value)
        .map(|decision| {
            decision
                .as_str_name()
                .trim_start_matches("DECISION_")
                .to_string()
        })
        .unwrap_or_else(|_| format!("decision {value}"))
}

fn evidence(basis: &Basis<'_>) -> Evidence {
    let signal = basis.signal;
    let mut facts: HashMap<String, String> = signal
        .facts
        .iter()
        .map(|fact| (fact.name.to_string(), fact.value.to_string()))
        .collect();
    let mut add = |name: &str, value: String| {
        facts.insert(name.to_string(), value);
    };
    add("strategy", signal.strategy.to_string());
    add("params_version", signal.params_version.clone());
    add("direction", signal.direction.name().to_string());
    add("strength", signal.strength.to_string());
    add("confidence", signal.confidence.to_string());
    add("horizon_bars", signal.horizon_bars.to_string());
    add("candles", basis.candles.to_string());
    add("ready", signal.ready.to_string());
    if let Some(stop) = signal.stop {
        add("stop_price", stop.to_string());
    }
    if let Some(target) = signal.target {
        add("target_price", target.to_string());
    }
    Evidence {
        symbols: vec![basis.symbol.clone()],
        interval: basis.interval.name().to_string(),
        window: Some(TimeRange {
            from_unix_ms: basis.first_open_ms,
            to_unix_ms: basis.last_open_ms.saturating_add(basis.interval.millis()),
        }),
        as_of_unix_ms: basis.as_of_ms,
        facts,
    }
}

#[cfg(test)]
mod tests;
