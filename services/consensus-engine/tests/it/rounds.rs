//! The rule over real gRPC: approval, quorum, threshold by weights, abstentions, slow,
//! failing and unreachable voters, a vote changed in round 2, and stalemates.
use std::time::{Duration, Instant};

use quorum_proto::ai::v1 as ai;
use tonic::Code;

use crate::fakes::{Script, closed_address};
use crate::harness::{Harness, direction, vote};

const SLOW: Duration = Duration::from_secs(3);

#[tokio::test]
async fn three_agreeing_voters_approve_in_round_one() {
    let mut harness = Harness::start().await;
    let mut voters = Vec::new();
    for name in ["alpha", "beta", "gamma"] {
        voters.push(
            harness
                .voter(name, Script::Fixed(ai::Decision::Buy, 0.8), 1.0)
                .await,
        );
    }
    let decision = harness.decide(direction("p-approved")).await.unwrap();
    assert!(decision.approved);
    assert_eq!(decision.verdict, ai::Verdict::Approved as i32);
    assert_eq!(decision.decision, ai::Decision::Buy as i32);
    assert_eq!(decision.agreement, 1.0);
    assert_eq!(decision.rounds.len(), 1);
    assert!(decision.dissenters.is_empty());
    assert_eq!(
        decision.explanation,
        "approved BUY in round 1 with 1.00 agreement (threshold 0.85)"
    );
    let round = &decision.rounds[0];
    assert_eq!(round.tally.len(), 1);
    assert_eq!(round.tally[0].voters, 3);
    let alpha = vote(round, "alpha");
    assert_eq!(alpha.status, ai::VoteStatus::Answered as i32);
    let ballot = alpha.ballot.as_ref().unwrap();
    assert_eq!(ballot.rationale, "alpha in round 1");
    assert_eq!(ballot.voter_version, "v1");
    assert!(alpha.latency_micros > 0);
    let cost = decision.total_cost.unwrap();
    assert_eq!(cost.money.unwrap().value, "0.0015");
    assert_eq!(cost.prompt_tokens, 30);
    // Each voter was asked once, with the proposal and the caller's token.
    for voter in &voters {
        let asked = voter.asked();
        assert_eq!(asked.len(), 1);
        let proposal = asked[0].request.proposal.as_ref().unwrap();
        assert_eq!(proposal.proposal_id, "p-approved");
        assert_eq!(asked[0].request.round, 1);
        assert!(asked[0].request.previous_round.is_none());
        let authorization = asked[0].authorization.as_deref().unwrap_or_default();
        assert!(authorization.starts_with("Bearer ey"), "{authorization}");
    }
}

#[tokio::test]
async fn quorum_is_missed_when_two_of_three_time_out() {
    let mut harness = Harness::start().await;
    harness
        .voter("alpha", Script::Fixed(ai::Decision::Sell, 0.9), 1.0)
        .await;
    harness
        .voter("beta", Script::Slow(SLOW, ai::Decision::Sell), 1.0)
        .await;
    harness
        .voter("gamma", Script::Slow(SLOW, ai::Decision::Sell), 1.0)
        .await;
    let mut request = direction("p-no-quorum");
    request.max_rounds = Some(1);
    request.voter_deadline_ms = Some(200);
    let decision = harness.decide(request).await.unwrap();
    assert!(!decision.approved);
    assert_eq!(decision.verdict, ai::Verdict::NoQuorum as i32);
    // The one answer is unanimous, but one of three is no quorum.
    assert_eq!(decision.agreement, 1.0);
    assert_eq!(
        decision.explanation,
        "not approved: no quorum in round 1 (1 of 3 voters answered, 2 needed)"
    );
    let round = &decision.rounds[0];
    for slow in ["beta", "gamma"] {
        let recorded = vote(round, slow);
        assert_eq!(recorded.status, ai::VoteStatus::TimedOut as i32);
        assert!(recorded.ballot.is_none());
        assert_eq!(recorded.error, "no answer within 200 ms");
        assert!(
            recorded.latency_micros >= 190_000,
            "{}",
            recorded.latency_micros
        );
    }
}

#[tokio::test]
async fn a_slow_voter_times_out_and_the_others_still_decide() {
    let mut harness = Harness::start().await;
    harness
        .voter("alpha", Script::Fixed(ai::Decision::Hold, 0.6), 1.0)
        .await;
    harness
        .voter("beta", Script::Fixed(ai::Decision::Hold, 0.6), 1.0)
        .await;
    harness
        .voter("slowpoke", Script::Slow(SLOW, ai::Decision::Sell), 1.0)
        .await;
    let mut request = direction("p-slow");
    request.voter_deadline_ms = Some(200);
    let started = Instant::now();
    let decision = harness.decide(request).await.unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert!(decision.approved);
    assert_eq!(decision.decision, ai::Decision::Hold as i32);
    let slow = vote(&decision.rounds[0], "slowpoke");
    assert_eq!(slow.status, ai::VoteStatus::TimedOut as i32);
    // A voter that did not answer has no ballot, so it is no dissenter.
    assert!(decision.dissenters.is_empty());
}

#[tokio::test]
async fn threshold_exactly_met_by_weights_approves_and_just_missed_does_not() {
    let mut harness = Harness::start().await;
    let heavy = harness
        .voter("heavy", Script::Fixed(ai::Decision::Buy, 0.8), 17.0)
        .await;
    harness
        .voter("light", Script::Fixed(ai::Decision::Sell, 0.8), 3.0)
        .await;
    let mut request = direction("p-met");
    request.max_rounds = Some(1);
    let met = harness.decide(request).await.unwrap();
    assert_eq!(met.agreement, 0.85);
    assert!(met.approved, "{}", met.explanation);
    assert_eq!(met.dissenters.len(), 1);
    assert_eq!(met.dissenters[0].voter, "light");
    assert_eq!(vote(&met.rounds[0], "heavy").weight, 17.0);

    let address = heavy.serve().await;
    harness
        .register("heavy", &address, 16.99, ai::WeightMode::Fixed)
        .await
        .unwrap();
    let mut request = direction("p-missed");
    request.max_rounds = Some(1);
    let missed = harness.decide(request).await.unwrap();
    assert!(!missed.approved);
    assert_eq!(missed.verdict, ai::Verdict::BelowThreshold as i32);
    assert!((missed.agreement - 16.99 / 19.99).abs() < 1e-12);
    assert_eq!(missed.decision, ai::Decision::Buy as i32);
}

#[tokio::test]
async fn an_abstention_makes_the_quorum_but_weighs_against_approval() {
    let mut harness = Harness::start().await;
    harness
        .voter("alpha", Script::Fixed(ai::Decision::Buy, 0.8), 1.0)
        .await;
    harness
        .voter("beta", Script::Fixed(ai::Decision::Abstain, 0.0), 1.0)
        .await;
    harness
        .voter("gamma", Script::Failing(Code::Internal), 1.0)
        .await;
    let mut request = direction("p-abstain");
    request.max_rounds = Some(1);
    let decision = harness.decide(request).await.unwrap();
    assert_eq!(decision.verdict, ai::Verdict::BelowThreshold as i32);
    assert_eq!(decision.agreement, 0.5);
    let failed = vote(&decision.rounds[0], "gamma");
    assert_eq!(failed.status, ai::VoteStatus::Failed as i32);
    assert!(
        failed.error.contains("scripted failure"),
        "{}",
        failed.error
    );
    assert_eq!(decision.dissenters.len(), 1);
    assert_eq!(decision.dissenters[0].voter, "beta");
}

#[tokio::test]
async fn invalid_ballots_fail_and_unreachable_voters_are_recorded() {
    let mut harness = Harness::start().await;
    harness
        .voter("alpha", Script::Fixed(ai::Decision::Sell, 0.8), 1.0)
        .await;
    harness.voter("liar", Script::BadConfidence, 1.0).await;
    let wrong_kind = harness
        .voter("confused", Script::Fixed(ai::Decision::Yes, 0.8), 1.0)
        .await;
    let gone = closed_address().await;
    let registered = harness
        .register("ghost", &gone, 1.0, ai::WeightMode::Fixed)
        .await
        .unwrap();
    assert!(
        registered.warning.contains("could not describe"),
        "{}",
        registered.warning
    );
    let mut request = direction("p-invalid");
    request.max_rounds = Some(1);
    request.quorum = Some(0.25);
    let decision = harness.decide(request).await.unwrap();
    let round = &decision.rounds[0];
    let liar = vote(round, "liar");
    assert_eq!(liar.status, ai::VoteStatus::Failed as i32);
    assert!(liar.error.contains("not a probability"), "{}", liar.error);
    let confused = vote(round, "confused");
    assert_eq!(confused.status, ai::VoteStatus::Failed as i32);
    assert!(
        confused
            .error
            .contains("does not answer a DIRECTION proposal")
    );
    assert_eq!(wrong_kind.asked().len(), 1);
    let ghost = vote(round, "ghost");
    assert_eq!(ghost.status, ai::VoteStatus::Unreachable as i32);
    assert!(!ghost.error.is_empty());
    // One answer of four meets a quorum of a quarter: approved on that answer alone.
    assert!(decision.approved);
}

#[tokio::test]
async fn a_voter_changing_its_vote_in_round_two_brings_approval() {
    let mut harness = Harness::start().await;
    harness
        .voter("alpha", Script::Fixed(ai::Decision::Sell, 0.8), 1.0)
        .await;
    harness
        .voter("beta", Script::Fixed(ai::Decision::Sell, 0.7), 1.0)
        .await;
    let follower = harness
        .voter("follower", Script::Follower(ai::Decision::Hold), 1.0)
        .await;
    let decision = harness.decide(direction("p-follow")).await.unwrap();
    assert!(decision.approved, "{}", decision.explanation);
    assert_eq!(decision.rounds.len(), 2);
    assert_eq!(decision.decision, ai::Decision::Sell as i32);
    assert!((decision.rounds[0].agreement - 2.0 / 3.0).abs() < 1e-12);
    assert_eq!(decision.rounds[1].agreement, 1.0);
    assert!(decision.explanation.starts_with("approved SELL in round 2"));
    // In round 2 the follower saw round 1: its tally and every voter's rationale.
    let asked = follower.asked();
    assert_eq!(asked.len(), 2);
    let previous = asked[1].request.previous_round.as_ref().unwrap();
    assert_eq!(previous.round, 1);
    assert_eq!(previous.leading, ai::Decision::Sell as i32);
    let alpha = vote(previous, "alpha").ballot.as_ref().unwrap();
    assert_eq!(alpha.rationale, "alpha in round 1");
    assert_eq!(asked[1].request.round, 2);
}

#[tokio::test]
async fn a_repeated_round_stops_with_a_stalemate_before_max_rounds() {
    let mut harness = Harness::start().await;
    let alpha = harness
        .voter("alpha", Script::Fixed(ai::Decision::Buy, 0.8), 1.0)
        .await;
    harness
        .voter("beta", Script::Fixed(ai::Decision::Buy, 0.8), 1.0)
        .await;
    harness
        .voter("gamma", Script::Fixed(ai::Decision::Sell, 0.8), 1.0)
        .await;
    let decision = harness.decide(direction("p-stalemate")).await.unwrap();
    assert_eq!(decision.verdict, ai::Verdict::Stalemate as i32);
    assert!(!decision.approved);
    assert_eq!(decision.rounds.len(), 2, "stopped at round 2 of 10");
    assert_eq!(alpha.asked().len(), 2);
    assert!(
        decision
            .explanation
            .starts_with("not approved: stalemate, round 2 repeated round 1; leading BUY"),
        "{}",
        decision.explanation
    );
    assert_eq!(decision.dissenters[0].voter, "gamma");
}

#[tokio::test]
async fn rounds_stop_when_the_call_deadline_leaves_no_time_for_another() {
    let mut harness = Harness::start().await;
    harness
        .voter("alpha", Script::Fixed(ai::Decision::Buy, 0.8), 1.0)
        .await;
    harness
        .voter("beta", Script::Fixed(ai::Decision::Sell, 0.8), 1.0)
        .await;
    harness
        .voter(
            "flipper",
            Script::Alternating(ai::Decision::Buy, ai::Decision::Sell),
            1.0,
        )
        .await;
    harness
        .voter("slowpoke", Script::Slow(SLOW, ai::Decision::Hold), 1.0)
        .await;
    let mut request = direction("p-deadline");
    request.voter_deadline_ms = Some(500);
    let mut call = harness.server.request(request, &["trader"]);
    call.set_timeout(Duration::from_millis(1600));
    let decision = harness
        .client
        .decide(call)
        .await
        .unwrap()
        .into_inner()
        .decision
        .unwrap();
    // Each round lasts the 500 ms slowpoke's deadline and ends 2/3 for BUY, then for
    // SELL: no approval, no stalemate. After two rounds, 1.6 s leaves no room for a
    // third 500 ms round and the 250 ms kept for storing.
    assert_eq!(decision.rounds.len(), 2, "{}", decision.explanation);
    assert_eq!(decision.verdict, ai::Verdict::BelowThreshold as i32);
    assert!(
        decision
            .explanation
            .ends_with("stopped before round 3 of 10: no time left for another round"),
        "{}",
        decision.explanation
    );
}
