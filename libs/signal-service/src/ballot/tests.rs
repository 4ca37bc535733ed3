//! The ballot mapping on hand-made signals.
use quorum_proto::ai::v1::TallyEntry;
use quorum_strategies::Fact;

use super::*;

fn signal(direction: Direction, ready: bool) -> Signal {
    Signal {
        symbol: "BTC-USDT".into(),
        direction,
        strength: direction.sign() * 0.6,
        confidence: 0.8,
        horizon_bars: 10,
        horizon_ms: 600_000,
        reasons: vec![
            "ROC(10) = 2.13 % > 1.00 %".into(),
            "ADX(14) = 31.00 >= 20.00".into(),
        ],
        facts: vec![Fact {
            name: "roc_pct",
            value: 2.13,
        }],
        stop: Some(95.5),
        target: None,
        strategy: "momentum",
        params_version: "abc".into(),
        as_of_ms: 1_700_000_060_000,
        ready,
        bars: 40,
    }
}

fn basis<'a>(signal: &'a Signal, interval: &'a Interval) -> Basis<'a> {
    Basis {
        signal,
        symbol: "BTC-USDT".into(),
        interval,
        first_open_ms: 1_700_000_000_000 - 39 * 60_000,
        last_open_ms: 1_700_000_000_000,
        as_of_ms: 1_700_000_060_000,
        candles: 40,
        notes: vec!["40 candles fetched from trade-history.".into()],
    }
}

#[test]
fn directions_map_to_decisions() {
    let interval = Interval::OneMinute;
    for (direction, expected) in [
        (Direction::Long, Decision::Buy),
        (Direction::Short, Decision::Sell),
        (Direction::Flat, Decision::Hold),
    ] {
        let signal = signal(direction, true);
        let ballot = direction_ballot(&basis(&signal, &interval), 1, None, "momentum@abc");
        assert_eq!(ballot.decision(), expected);
        assert_eq!(ballot.confidence, 0.8);
        assert!(
            ballot.rationale.contains("ROC(10) = 2.13 % > 1.00 %"),
            "{}",
            ballot.rationale
        );
        assert!(ballot.rationale.contains("fetched from trade-history"));
        assert_eq!(ballot.voter_version, "momentum@abc");
    }
}

#[test]
fn warming_up_abstains() {
    let interval = Interval::OneMinute;
    let signal = signal(Direction::Flat, false);
    let ballot = direction_ballot(&basis(&signal, &interval), 1, None, "momentum@abc");
    assert_eq!(ballot.decision(), Decision::Abstain);
    assert_eq!(ballot.confidence, 0.0);
    assert!(
        ballot.rationale.contains("too little history"),
        "{}",
        ballot.rationale
    );
}

#[test]
fn evidence_names_the_window_and_the_numbers() {
    let interval = Interval::OneMinute;
    let signal = signal(Direction::Long, true);
    let ballot = direction_ballot(&basis(&signal, &interval), 1, None, "v");
    let evidence = ballot.evidence.unwrap();
    assert_eq!(evidence.symbols, vec!["BTC-USDT".to_string()]);
    assert_eq!(evidence.interval, "1m");
    let window = evidence.window.unwrap();
    assert_eq!(window.from_unix_ms, 1_700_000_000_000 - 39 * 60_000);
    assert_eq!(window.to_unix_ms, 1_700_000_060_000);
    assert_eq!(evidence.as_of_unix_ms, 1_700_000_060_000);
    assert_eq!(evidence.facts["roc_pct"], "2.13");
    assert_eq!(evidence.facts["direction"], "LONG");
    assert_eq!(evidence.facts["stop_price"], "95.5");
    assert!(!evidence.facts.contains_key("target_price"));
}

#[test]
fn later_rounds_say_the_tally_was_seen() {
    assert_eq!(round_note(1, None), None);
    let previous = RoundSummary {
        round: 1,
        tally: vec![
            TallyEntry {
                decision: Decision::Buy.into(),
                weight: 2.0,
                voters: 2,
            },
            TallyEntry {
                decision: Decision::Hold.into(),
                weight: 1.0,
                voters: 1,
            },
        ],
        agreement: 0.667,
        leading: Decision::Buy.into(),
        votes: vec![],
    };
    let note = round_note(2, Some(&previous)).unwrap();
    assert!(
        note.contains("saw round 1's tally (BUY 2.00 from 2 voter(s), HOLD 1.00 from 1 voter(s)"),
        "{note}"
    );
    assert!(note.contains("leading BUY, agreement 0.67"), "{note}");
    assert!(round_note(3, None).unwrap().contains("no previous tally"));
    let interval = Interval::OneMinute;
    let signal = signal(Direction::Long, true);
    let first = direction_ballot(&basis(&signal, &interval), 1, None, "v");
    let second = direction_ballot(&basis(&signal, &interval), 2, Some(&previous), "v");
    assert_eq!(first.decision, second.decision);
    assert!(
        second.rationale.ends_with("its vote is unchanged."),
        "{}",
        second.rationale
    );
}

#[test]
fn yes_no_questions_abstain() {
    let ballot = abstain("momentum answers DIRECTION proposals only".into(), "v");
    assert_eq!(ballot.decision(), Decision::Abstain);
    assert!(ballot.evidence.is_none());
    assert_eq!(decision_name(99), "decision 99");
}
