//! Invariants of the rule over random rounds: agreement is a share, approval implies
//! quorum and threshold, the order of votes does not matter, abstaining never helps,
//! voting always ends within max rounds, and accuracy factors stay in their bounds.
#![allow(clippy::unwrap_used, clippy::expect_used)]
use proptest::prelude::*;
use quorum_consensus::{
    Accuracy, Ballot, Calibration, Decision, Deliberation, Next, Settings, Standing, Verdict, Vote,
    VoteStatus, WeightMode, WeightPolicy, accuracy_factor, tally,
};

fn status() -> impl Strategy<Value = VoteStatus> {
    prop_oneof![
        6 => (0usize..6, 0.0f64..=1.0).prop_map(|(decision, confidence)| {
            VoteStatus::Answered(Ballot::new(Decision::ALL[decision], confidence).unwrap())
        }),
        1 => Just(VoteStatus::TimedOut),
        1 => Just(VoteStatus::Failed),
        1 => Just(VoteStatus::Unreachable),
    ]
}

fn round(voters: usize) -> impl Strategy<Value = Vec<Vote>> {
    prop::collection::vec((0.01f64..10.0, status()), voters).prop_map(|entries| {
        entries
            .into_iter()
            .enumerate()
            .map(|(index, (weight, status))| Vote::new(format!("v{index}"), weight, status))
            .collect()
    })
}

fn settings() -> impl Strategy<Value = Settings> {
    (0.01f64..=1.0, 0.01f64..=1.0, 1u32..=12).prop_map(|(threshold, quorum, max_rounds)| Settings {
        threshold,
        quorum,
        max_rounds,
    })
}

proptest! {
    #[test]
    fn agreement_is_a_share_and_approval_needs_quorum_and_threshold(
        votes in round(7),
        settings in settings(),
    ) {
        let counted = tally(&votes);
        prop_assert!((0.0..=1.0).contains(&counted.agreement));
        let summed: f64 = counted.entries.iter().map(|entry| entry.weight).sum();
        prop_assert!((summed - counted.answered_weight).abs() < 1e-9);
        if counted.standing(&settings) == Standing::Approved {
            prop_assert!(counted.quorum_met(&settings));
            prop_assert!(!counted.tied);
            prop_assert!(counted.agreement >= settings.threshold - 1e-9);
            prop_assert!(counted.leading.is_some_and(|decision| decision != Decision::Abstain));
        }
    }

    #[test]
    fn the_order_of_votes_does_not_change_the_tally(
        votes in round(6),
        rotation in 0usize..6,
    ) {
        let mut turned = votes.clone();
        turned.rotate_left(rotation);
        let (before, after) = (tally(&votes), tally(&turned));
        prop_assert_eq!(before.leading, after.leading);
        prop_assert_eq!(before.tied, after.tied);
        prop_assert_eq!(before.answered, after.answered);
        prop_assert!((before.agreement - after.agreement).abs() < 1e-9);
    }

    #[test]
    fn abstaining_never_raises_agreement(votes in round(6), voter in 0usize..6) {
        let mut abstaining = votes.clone();
        abstaining[voter].status = VoteStatus::Answered(Ballot::new(Decision::Abstain, 0.5).unwrap());
        let (before, after) = (tally(&votes), tally(&abstaining));
        // The leader loses the weight, a rival loses it, or the denominator grows: in no
        // case does the leading share rise.
        prop_assert!(after.agreement <= before.agreement + 1e-9);
        prop_assert!(after.answered >= before.answered);
    }

    #[test]
    fn voting_ends_within_max_rounds_and_stalemates_only_repeat(
        rounds in prop::collection::vec(round(4), 1..15),
        settings in settings(),
    ) {
        let voters: Vec<String> = (0..4).map(|index| format!("v{index}")).collect();
        let mut deliberation = Deliberation::new(settings, voters).unwrap();
        let mut ended = None;
        for votes in rounds.iter().cycle().take(settings.max_rounds as usize) {
            match deliberation.record_round(votes.clone()).unwrap() {
                Next::Ask(summary) => prop_assert!(summary.round < settings.max_rounds),
                Next::Done(conclusion) => {
                    ended = Some(conclusion);
                    break;
                }
            }
        }
        let conclusion = ended.expect("voting must end by max_rounds");
        prop_assert!(conclusion.rounds.len() <= settings.max_rounds as usize);
        prop_assert_eq!(conclusion.approved, conclusion.verdict == Verdict::Approved);
        if conclusion.verdict == Verdict::Stalemate {
            let count = conclusion.rounds.len();
            prop_assert!(count >= 2);
            prop_assert!(quorum_consensus::same_votes(
                &conclusion.rounds[count - 2].votes,
                &conclusion.rounds[count - 1].votes
            ));
        }
        for dissenter in &conclusion.dissenters {
            prop_assert!(dissenter.decision().is_some());
            prop_assert_ne!(dissenter.decision(), conclusion.decision);
        }
    }

    #[test]
    fn accuracy_keeps_weights_positive_and_bounded(
        outcomes in prop::collection::vec((0.0f64..=1.0, any::<bool>()), 0..60),
        base in 0.01f64..100.0,
        min_resolved in 0u64..40,
    ) {
        let mut record = Accuracy::default();
        let mut calibration = Calibration::default();
        for (confidence, correct) in &outcomes {
            record.record(*confidence, *correct);
            calibration.record(*confidence, *correct);
        }
        let policy = WeightPolicy { min_resolved };
        let weight = policy.effective_weight(base, WeightMode::Accuracy, &record);
        prop_assert!(weight >= base * 0.05 - 1e-12 && weight <= base * 2.0 + 1e-12);
        if let Some(brier) = record.brier_score() {
            prop_assert!((0.0..=1.0).contains(&brier));
            prop_assert!((0.05..=2.0).contains(&accuracy_factor(brier)));
        }
        let buckets = calibration.buckets();
        prop_assert_eq!(buckets.iter().map(|bucket| bucket.votes).sum::<u64>(), outcomes.len() as u64);
        for bucket in buckets.iter().filter(|bucket| bucket.votes > 0) {
            prop_assert!(bucket.mean_confidence >= bucket.low - 1e-12);
            prop_assert!(bucket.mean_confidence <= bucket.high + 1e-12);
            prop_assert!((0.0..=1.0).contains(&bucket.hit_rate));
        }
    }
}
