//! Outcomes judged from trade-history's candles, voters scored (Brier, calibration),
//! ACCURACY weights moving with the scores, and patience while prices are missing.
use std::time::Duration;

use quorum_proto::ai::v1 as ai;

use crate::fakes::Script;
use crate::harness::{Harness, direction, eventually, vote};

const PATIENCE: Duration = Duration::from_secs(20);

/// A proposal made at `as_of_ms`, judged one minute later.
fn past_proposal(proposal_id: &str, as_of_ms: i64) -> ai::DecideRequest {
    let mut request = direction(proposal_id);
    request.max_rounds = Some(1);
    if let Some(proposal) = request.proposal.as_mut() {
        proposal.as_of_unix_ms = as_of_ms;
    }
    request
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

#[tokio::test]
async fn scored_voters_gain_or_lose_weight_and_the_better_one_carries_the_next_vote() {
    let mut harness = Harness::start_with(|config| {
        config.min_resolved = 2;
        config.resolver_grace_ms = 0;
    })
    .await;
    let mode = ai::WeightMode::Accuracy;
    harness
        .voter_with_mode("oracle", Script::Fixed(ai::Decision::Buy, 0.9), 1.0, mode)
        .await;
    harness
        .voter_with_mode(
            "contrarian",
            Script::Fixed(ai::Decision::Sell, 0.9),
            1.0,
            mode,
        )
        .await;
    let start = now_ms() - 3_600_000;
    let mut ids = Vec::new();
    for index in 0..3 {
        let as_of = start + index * 120_000;
        // The price rises 1 % over each horizon: the outcome is BUY.
        harness.trade_history.add_trade(as_of - 1_000, "100");
        harness.trade_history.add_trade(as_of + 30_000, "101");
        let decision = harness
            .decide(past_proposal(&format!("p-scored-{index}"), as_of))
            .await
            .unwrap();
        if index == 0 {
            // Equal weights, opposite votes: a tie while nobody has a record. (Later
            // decisions may already see the first outcomes.)
            assert_eq!(decision.verdict, ai::Verdict::Tie as i32);
        }
        ids.push(decision.decision_id);
    }
    let oracle = eventually("three outcomes scored", PATIENCE, || {
        let mut client = harness.client.clone();
        let request = harness.server.request(
            ai::GetVoterStatsRequest {
                voter: "oracle".into(),
            },
            &["viewer"],
        );
        async move {
            let stats = client
                .get_voter_stats(request)
                .await
                .ok()?
                .into_inner()
                .stats;
            stats.into_iter().find(|stats| stats.resolved == 3)
        }
    })
    .await;
    assert_eq!(oracle.votes, 3);
    assert_eq!(oracle.correct, 3);
    let brier = oracle.brier_score.unwrap();
    assert!((brier - 0.01).abs() < 1e-9, "{brier}");
    // 2 x (1 - 0.01 / 0.25) = 1.92.
    assert!((oracle.effective_weight - 1.92).abs() < 1e-9);
    assert_eq!(oracle.base_weight, 1.0);
    assert_eq!(oracle.calibration.len(), 10);
    let top = &oracle.calibration[9];
    assert_eq!(top.votes, 3);
    assert!((top.mean_confidence - 0.9).abs() < 1e-9);
    assert_eq!(top.hit_rate, 1.0);

    let contrarian = harness.stats("contrarian").await.unwrap().remove(0);
    assert_eq!(contrarian.resolved, 3);
    assert_eq!(contrarian.correct, 0);
    assert!((contrarian.brier_score.unwrap() - 0.81).abs() < 1e-9);
    assert_eq!(contrarian.effective_weight, 0.05);
    assert_eq!(contrarian.calibration[9].hit_rate, 0.0);
    assert_eq!(harness.stats("").await.unwrap().len(), 2);

    let judged = harness.get(&ids[0]).await.unwrap();
    let outcome = judged.outcome.unwrap();
    assert_eq!(outcome.actual, ai::Decision::Buy as i32);
    assert!((outcome.return_fraction - 0.01).abs() < 1e-12);
    assert!(outcome.resolved_unix_ms > 0);

    // The same two voters now agree 1.92 to 0.05: BUY is approved.
    let decision = harness
        .decide(past_proposal("p-weighted", now_ms()))
        .await
        .unwrap();
    assert!(decision.approved, "{}", decision.explanation);
    assert_eq!(decision.decision, ai::Decision::Buy as i32);
    let round = &decision.rounds[0];
    assert!((vote(round, "oracle").weight - 1.92).abs() < 1e-9);
    assert!((vote(round, "contrarian").weight - 0.05).abs() < 1e-9);
    assert!((decision.agreement - 1.92 / 1.97).abs() < 1e-9);
}

#[tokio::test]
async fn outcomes_wait_for_trade_history_and_for_prices_and_are_never_guessed() {
    let mut harness = Harness::start_with(|config| config.resolver_grace_ms = 0).await;
    harness
        .voter("alpha", Script::Fixed(ai::Decision::Sell, 0.7), 1.0)
        .await;
    harness.trade_history.set_down(true);
    let as_of = now_ms() - 600_000;
    let decision = harness
        .decide(past_proposal("p-patient", as_of))
        .await
        .unwrap();
    let mut yes_no = past_proposal("p-yes-no", as_of);
    if let Some(proposal) = yes_no.proposal.as_mut() {
        proposal.kind = ai::ProposalKind::YesNo.into();
        proposal.symbol = String::new();
    }
    harness
        .voter("beta", Script::Fixed(ai::Decision::Yes, 0.7), 1.0)
        .await;
    yes_no.voters = vec!["beta".into()];
    harness.decide(yes_no).await.unwrap();

    let pool = harness.sql().await;
    let attempts = || {
        let pool = pool.clone();
        async move {
            sqlx::query_scalar::<_, i32>(
                "SELECT resolve_attempts FROM consensus_engine.decisions \
                 WHERE proposal_id = 'p-patient'",
            )
            .fetch_one(&pool)
            .await
            .unwrap()
        }
    };
    eventually(
        "two attempts while trade-history is down",
        PATIENCE,
        || async { (attempts().await >= 2).then_some(()) },
    )
    .await;
    assert!(
        harness
            .get(&decision.decision_id)
            .await
            .unwrap()
            .outcome
            .is_none()
    );

    // Up, but without trades yet: still no outcome. (The first call counted may be one
    // that began while trade-history was down; the second began after.)
    harness.trade_history.set_down(false);
    let calls = harness.trade_history.calls();
    eventually("an attempt without prices", PATIENCE, || async {
        (harness.trade_history.calls() >= calls + 2).then_some(())
    })
    .await;
    assert!(
        harness
            .get(&decision.decision_id)
            .await
            .unwrap()
            .outcome
            .is_none()
    );

    // Prices arrive: the price fell 2 %, so SELL was right.
    harness.trade_history.add_trade(as_of - 500, "200");
    harness.trade_history.add_trade(as_of + 50_000, "196");
    let outcome = eventually("the outcome", PATIENCE, || {
        let mut client = harness.client.clone();
        let request = harness.server.request(
            ai::GetDecisionRequest {
                decision_id: decision.decision_id.clone(),
            },
            &["viewer"],
        );
        async move {
            let decision = client
                .get_decision(request)
                .await
                .ok()?
                .into_inner()
                .decision?;
            decision.outcome
        }
    })
    .await;
    assert_eq!(outcome.actual, ai::Decision::Sell as i32);
    assert!((outcome.return_fraction + 0.02).abs() < 1e-12);
    let alpha = harness.stats("alpha").await.unwrap().remove(0);
    assert_eq!((alpha.resolved, alpha.correct), (1, 1));
    // The YES_NO decision has nothing to judge.
    let unjudged: Option<chrono::DateTime<chrono::Utc>> = sqlx::query_scalar(
        "SELECT resolve_after FROM consensus_engine.decisions WHERE proposal_id = 'p-yes-no'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(unjudged.is_none());
    let beta = harness.stats("beta").await.unwrap().remove(0);
    assert_eq!((beta.votes, beta.resolved), (1, 0));
    assert_eq!(beta.brier_score, None);
}
