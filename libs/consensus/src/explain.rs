//! The sentence a person reads about a decision, e.g. "approved BUY in round 2 with
//! 0.91 agreement (threshold 0.85)".
use crate::ballot::Decision;
use crate::deliberation::{RoundSummary, Verdict};
use crate::settings::{Settings, TOLERANCE};
use crate::tally::Tally;

/// Explains how voting ended after `rounds` (the last one decides).
pub fn explain(
    settings: &Settings,
    verdict: Verdict,
    rounds: &[RoundSummary],
    cut_short: bool,
) -> String {
    let Some(last) = rounds.last() else {
        return "no round was held".to_string();
    };
    let tally = &last.tally;
    let round = last.round;
    let leading = match tally.leading {
        Some(decision) => format!(
            "leading {decision} with {:.2} agreement (threshold {:.2})",
            tally.agreement, settings.threshold
        ),
        None => "no decision other than ABSTAIN".to_string(),
    };
    let answered = format!(
        "{} of {} voters answered, {} needed",
        tally.answered,
        tally.voter_set,
        settings.quorum_needed(tally.voter_set)
    );
    let mut sentence = match verdict {
        Verdict::Approved => format!(
            "approved {} in round {round} with {:.2} agreement (threshold {:.2})",
            tally
                .leading
                .map_or_else(|| "nothing".to_string(), |decision| decision.to_string()),
            tally.agreement,
            settings.threshold
        ),
        Verdict::NoQuorum => format!("not approved: no quorum in round {round} ({answered})"),
        Verdict::Tie => format!(
            "not approved: tie between {} in round {round} ({:.2} agreement each)",
            tied_decisions(tally).join(" and "),
            tally.agreement
        ),
        Verdict::BelowThreshold => {
            format!("not approved: below threshold after round {round}, {leading}")
        }
        Verdict::Stalemate => {
            let quorum = if tally.quorum_met(settings) {
                String::new()
            } else {
                format!("; no quorum ({answered})")
            };
            format!(
                "not approved: stalemate, round {round} repeated round {}; {leading}{quorum}",
                round.saturating_sub(1)
            )
        }
    };
    if cut_short && verdict != Verdict::Approved {
        sentence.push_str(&format!(
            "; stopped before round {} of {}: no time left for another round",
            round.saturating_add(1),
            settings.max_rounds
        ));
    }
    sentence
}

/// The decisions other than ABSTAIN that weigh as much as the leading one.
fn tied_decisions(tally: &Tally) -> Vec<String> {
    let Some(leading) = tally.leading else {
        return Vec::new();
    };
    let lead_weight = tally.weight_of(leading);
    tally
        .entries
        .iter()
        .filter(|entry| entry.decision != Decision::Abstain)
        .filter(|entry| {
            (entry.weight - lead_weight).abs() <= TOLERANCE * tally.answered_weight.max(1.0)
        })
        .map(|entry| entry.decision.to_string())
        .collect()
}
