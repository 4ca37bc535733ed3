//! Deliberations end to end: quorum, threshold, abstentions, ties, stalemates, votes
//! changed in a later round, and rounds the rule refuses.
use crate::{
    Ballot, Decision, Deliberation, DeliberationError, Next, Settings, Verdict, Vote, VoteStatus,
};

fn names(count: usize) -> Vec<String> {
    (0..count).map(|index| format!("voter-{index}")).collect()
}

fn says(voter: usize, decision: Decision) -> Vote {
    weighted(voter, 1.0, decision)
}

fn weighted(voter: usize, weight: f64, decision: Decision) -> Vote {
    Vote::answered(
        format!("voter-{voter}"),
        weight,
        Ballot::new(decision, 0.8).unwrap(),
    )
}

fn silent(voter: usize, status: VoteStatus) -> Vote {
    Vote::new(format!("voter-{voter}"), 1.0, status)
}

fn done(next: Next) -> crate::Conclusion {
    match next {
        Next::Done(conclusion) => conclusion,
        Next::Ask(summary) => panic!("expected the end, was asked again after {summary:?}"),
    }
}

fn asked(next: Next) -> crate::RoundSummary {
    match next {
        Next::Ask(summary) => summary,
        Next::Done(conclusion) => panic!("expected another round, voting ended: {conclusion:?}"),
    }
}

#[test]
fn three_agreeing_voters_approve_in_round_one() {
    let mut deliberation = Deliberation::new(Settings::default(), names(3)).unwrap();
    let conclusion = done(
        deliberation
            .record_round(vec![
                says(2, Decision::Buy),
                says(0, Decision::Buy),
                says(1, Decision::Buy),
            ])
            .unwrap(),
    );
    assert_eq!(conclusion.verdict, Verdict::Approved);
    assert!(conclusion.approved);
    assert_eq!(conclusion.decision, Some(Decision::Buy));
    assert_eq!(conclusion.agreement, 1.0);
    assert_eq!(conclusion.rounds.len(), 1);
    assert!(conclusion.dissenters.is_empty());
    // Votes come back in voter-set order whatever order they were recorded in.
    assert_eq!(conclusion.rounds[0].votes[0].voter, "voter-0");
    assert_eq!(
        conclusion.explanation,
        "approved BUY in round 1 with 1.00 agreement (threshold 0.85)"
    );
}

#[test]
fn quorum_missed_when_only_one_of_three_answers_until_rounds_run_out() {
    let settings = Settings {
        max_rounds: 2,
        ..Settings::default()
    };
    let mut deliberation = Deliberation::new(settings, names(3)).unwrap();
    let round = || {
        vec![
            says(0, Decision::Sell),
            silent(1, VoteStatus::TimedOut),
            silent(2, VoteStatus::Unreachable),
        ]
    };
    let first = asked(deliberation.record_round(round()).unwrap());
    assert_eq!(first.tally.answered, 1);
    // The same silence again is a stalemate, which says the quorum was missed.
    let conclusion = done(deliberation.record_round(round()).unwrap());
    assert_eq!(conclusion.verdict, Verdict::Stalemate);
    assert!(
        conclusion
            .explanation
            .contains("no quorum (1 of 3 voters answered, 2 needed)")
    );

    let single = Settings {
        max_rounds: 1,
        ..Settings::default()
    };
    let mut deliberation = Deliberation::new(single, names(3)).unwrap();
    let conclusion = done(deliberation.record_round(round()).unwrap());
    assert_eq!(conclusion.verdict, Verdict::NoQuorum);
    assert!(!conclusion.approved);
    assert_eq!(conclusion.decision, Some(Decision::Sell));
}

#[test]
fn threshold_exactly_met_approves_and_just_missed_does_not() {
    let single = Settings {
        max_rounds: 1,
        ..Settings::default()
    };
    let mut deliberation = Deliberation::new(single, names(2)).unwrap();
    let met = done(
        deliberation
            .record_round(vec![
                weighted(0, 0.85, Decision::Buy),
                weighted(1, 0.15, Decision::Sell),
            ])
            .unwrap(),
    );
    assert_eq!(met.verdict, Verdict::Approved);
    assert_eq!(met.dissenters.len(), 1);
    assert_eq!(met.dissenters[0].voter, "voter-1");

    let mut deliberation = Deliberation::new(single, names(2)).unwrap();
    let missed = done(
        deliberation
            .record_round(vec![
                weighted(0, 0.8499, Decision::Buy),
                weighted(1, 0.1501, Decision::Sell),
            ])
            .unwrap(),
    );
    assert_eq!(missed.verdict, Verdict::BelowThreshold);
    assert!(
        missed
            .explanation
            .starts_with("not approved: below threshold after round 1, leading BUY with 0.85"),
        "{}",
        missed.explanation
    );
}

#[test]
fn an_abstention_counts_for_quorum_but_against_approval() {
    let single = Settings {
        max_rounds: 1,
        ..Settings::default()
    };
    // Without the abstainer's answer there is no quorum; with it, agreement is 2/3.
    let mut deliberation = Deliberation::new(single, names(4)).unwrap();
    let conclusion = done(
        deliberation
            .record_round(vec![
                says(0, Decision::Yes),
                says(1, Decision::Yes),
                says(2, Decision::Abstain),
                silent(3, VoteStatus::Failed),
            ])
            .unwrap(),
    );
    let tally = &conclusion.rounds[0].tally;
    assert!(tally.quorum_met(&single));
    assert!((tally.agreement - 2.0 / 3.0).abs() < 1e-12);
    assert_eq!(conclusion.verdict, Verdict::BelowThreshold);
    assert_eq!(conclusion.dissenters[0].decision(), Some(Decision::Abstain));
}

#[test]
fn a_shared_lead_in_the_last_round_is_a_tie() {
    let settings = Settings {
        threshold: 0.5,
        quorum: 1.0,
        max_rounds: 1,
    };
    let mut deliberation = Deliberation::new(settings, names(2)).unwrap();
    let conclusion = done(
        deliberation
            .record_round(vec![says(0, Decision::Buy), says(1, Decision::Sell)])
            .unwrap(),
    );
    assert_eq!(conclusion.verdict, Verdict::Tie);
    assert_eq!(
        conclusion.explanation,
        "not approved: tie between BUY and SELL in round 1 (0.50 agreement each)"
    );
}

#[test]
fn a_repeated_round_is_a_stalemate_before_max_rounds() {
    let mut deliberation = Deliberation::new(Settings::default(), names(3)).unwrap();
    let round = |confidence: f64| {
        vec![
            says(0, Decision::Buy),
            says(1, Decision::Buy),
            Vote::answered(
                "voter-2",
                1.0,
                Ballot::new(Decision::Sell, confidence).unwrap(),
            ),
        ]
    };
    let first = asked(deliberation.record_round(round(0.9)).unwrap());
    assert_eq!(first.round, 1);
    // A changed confidence is not a changed vote.
    let conclusion = done(deliberation.record_round(round(0.4)).unwrap());
    assert_eq!(conclusion.verdict, Verdict::Stalemate);
    assert_eq!(conclusion.rounds.len(), 2);
    assert!(conclusion.explanation.contains("round 2 repeated round 1"));
}

#[test]
fn a_voter_changing_its_vote_in_round_two_brings_approval() {
    let mut deliberation = Deliberation::new(Settings::default(), names(3)).unwrap();
    let first = asked(
        deliberation
            .record_round(vec![
                says(0, Decision::Buy),
                says(1, Decision::Buy),
                says(2, Decision::Hold),
            ])
            .unwrap(),
    );
    assert_eq!(first.tally.leading, Some(Decision::Buy));
    assert!((first.tally.agreement - 2.0 / 3.0).abs() < 1e-12);
    assert_eq!(deliberation.next_round(), 2);
    let conclusion = done(
        deliberation
            .record_round(vec![
                says(0, Decision::Buy),
                says(1, Decision::Buy),
                says(2, Decision::Buy),
            ])
            .unwrap(),
    );
    assert_eq!(conclusion.verdict, Verdict::Approved);
    assert_eq!(conclusion.rounds.len(), 2);
    assert!(conclusion.explanation.contains("in round 2"));
}

#[test]
fn changing_votes_without_agreement_run_to_max_rounds() {
    let settings = Settings {
        max_rounds: 3,
        ..Settings::default()
    };
    let mut deliberation = Deliberation::new(settings, names(2)).unwrap();
    let flip = |round: usize| {
        let (left, right) = if round.is_multiple_of(2) {
            (Decision::Buy, Decision::Sell)
        } else {
            (Decision::Sell, Decision::Buy)
        };
        vec![weighted(0, 2.0, left), weighted(1, 1.0, right)]
    };
    asked(deliberation.record_round(flip(0)).unwrap());
    asked(deliberation.record_round(flip(1)).unwrap());
    let conclusion = done(deliberation.record_round(flip(2)).unwrap());
    assert_eq!(conclusion.verdict, Verdict::BelowThreshold);
    assert_eq!(conclusion.rounds.len(), 3);
    assert_eq!(
        deliberation.record_round(flip(3)),
        Err(DeliberationError::Finished)
    );
}

#[test]
fn concluding_early_judges_the_last_round_and_says_why() {
    let mut deliberation = Deliberation::new(Settings::default(), names(2)).unwrap();
    assert_eq!(deliberation.conclude(), Err(DeliberationError::NoRounds));
    asked(
        deliberation
            .record_round(vec![says(0, Decision::Buy), says(1, Decision::Hold)])
            .unwrap(),
    );
    let conclusion = deliberation.conclude().unwrap();
    assert_eq!(conclusion.verdict, Verdict::Tie);
    assert!(
        conclusion
            .explanation
            .ends_with("stopped before round 2 of 10: no time left for another round"),
        "{}",
        conclusion.explanation
    );
}

#[test]
fn rounds_with_strangers_gaps_repeats_or_bad_weights_are_refused() {
    let mut deliberation = Deliberation::new(Settings::default(), names(2)).unwrap();
    assert_eq!(
        deliberation.record_round(vec![says(0, Decision::Buy)]),
        Err(DeliberationError::MissingVoter("voter-1".into()))
    );
    assert_eq!(
        deliberation.record_round(vec![says(0, Decision::Buy), says(5, Decision::Buy)]),
        Err(DeliberationError::UnknownVoter("voter-5".into()))
    );
    assert_eq!(
        deliberation.record_round(vec![says(0, Decision::Buy), says(0, Decision::Buy)]),
        Err(DeliberationError::DuplicateVoter("voter-0".into()))
    );
    assert!(matches!(
        deliberation.record_round(vec![
            weighted(0, f64::NAN, Decision::Buy),
            says(1, Decision::Buy)
        ]),
        Err(DeliberationError::BadWeight { .. })
    ));
    // Refused rounds leave nothing behind.
    assert_eq!(deliberation.next_round(), 1);
    assert_eq!(
        Deliberation::new(Settings::default(), Vec::new()).unwrap_err(),
        DeliberationError::EmptyVoterSet
    );
    assert_eq!(
        Deliberation::new(Settings::default(), vec!["a".to_string(), "a".to_string()]).unwrap_err(),
        DeliberationError::DuplicateVoter("a".into())
    );
    let bad = Settings {
        quorum: 0.0,
        ..Settings::default()
    };
    assert!(matches!(
        Deliberation::new(bad, names(1)),
        Err(DeliberationError::Settings(error)) if error.field == "quorum"
    ));
}
