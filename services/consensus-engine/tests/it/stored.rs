//! Decisions are stored once per proposal id, read back exactly as Decide answered,
//! listed with filters and keyset pages, and announced on the bus with an audit event.
use std::time::Duration;

use quorum_proto::ai::v1 as ai;
use quorum_proto::common::v1::{PageRequest, TimeRange};
use tonic::Code;

use crate::fakes::Script;
use crate::harness::{Harness, direction, eventually, topic_events};

#[tokio::test]
async fn the_same_proposal_id_returns_the_stored_decision_without_asking_again() {
    let mut harness = Harness::start().await;
    let alpha = harness
        .voter("alpha", Script::Fixed(ai::Decision::Buy, 0.8), 1.0)
        .await;
    let first = harness.decide(direction("p-once")).await.unwrap();
    alpha.set(Script::Fixed(ai::Decision::Sell, 0.8));
    let again = harness.decide(direction("p-once")).await.unwrap();
    assert_eq!(again, first);
    assert_eq!(alpha.asked().len(), 1);
    assert_eq!(harness.get(&first.decision_id).await.unwrap(), first);
}

#[tokio::test]
async fn concurrent_duplicates_run_the_vote_once() {
    let mut harness = Harness::start().await;
    let slow = harness
        .voter(
            "deliberate",
            Script::Slow(Duration::from_millis(300), ai::Decision::Buy),
            1.0,
        )
        .await;
    let calls = (0..4).map(|_| {
        let mut client = harness.client.clone();
        let request = harness.server.request(direction("p-race"), &["trader"]);
        tokio::spawn(async move { client.decide(request).await })
    });
    let mut ids = Vec::new();
    for call in calls.collect::<Vec<_>>() {
        let decision = call.await.unwrap().unwrap().into_inner().decision.unwrap();
        ids.push(decision.decision_id);
    }
    ids.dedup();
    assert_eq!(ids.len(), 1, "{ids:?}");
    assert_eq!(slow.asked().len(), 1);
    let pool = harness.sql().await;
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM consensus_engine.decisions")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(stored, 1);
    let settled: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM consensus_engine.claims \
         WHERE proposal_id = 'p-race' AND expires_at = 'infinity'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(settled, 1);
}

#[tokio::test]
async fn decisions_read_back_exactly_with_every_vote() {
    let mut harness = Harness::start().await;
    harness
        .voter("alpha", Script::Fixed(ai::Decision::Sell, 0.8), 2.0)
        .await;
    harness
        .voter("beta", Script::Follower(ai::Decision::Hold), 1.0)
        .await;
    let mut request = direction("p-exact");
    if let Some(proposal) = request.proposal.as_mut() {
        proposal.context = [("strategy".to_string(), "momentum".to_string())].into();
        proposal.candles = vec![quorum_proto::market::v1::Candle {
            open_time_unix_ms: 1_700_000_000_000,
            trade_count: 3,
            ..Default::default()
        }];
    }
    let decided = harness.decide(request).await.unwrap();
    assert_eq!(decided.rounds.len(), 2);
    let read = harness.get(&decided.decision_id).await.unwrap();
    assert_eq!(read, decided);
    let evidence = read.rounds[0].votes[0]
        .ballot
        .as_ref()
        .unwrap()
        .evidence
        .as_ref()
        .unwrap();
    assert_eq!(evidence.facts["rsi"], "61.5");
    let proposal = read.proposal.unwrap();
    assert_eq!(proposal.context["strategy"], "momentum");
    assert_eq!(proposal.candles.len(), 1);
}

#[tokio::test]
async fn listing_filters_and_pages_newest_first() {
    let mut harness = Harness::start().await;
    let alpha = harness
        .voter("alpha", Script::Fixed(ai::Decision::Buy, 0.8), 1.0)
        .await;
    harness
        .voter("beta", Script::Fixed(ai::Decision::Buy, 0.8), 1.0)
        .await;
    let mut ids = Vec::new();
    for index in 0..5 {
        let mut request = direction(&format!("p-list-{index}"));
        request.max_rounds = Some(1);
        if index == 4 {
            // beta alone: a different voter set and an ETH proposal.
            request.voters = vec!["beta".into()];
            if let Some(proposal) = request.proposal.as_mut() {
                proposal.symbol = "ETH-USDT".into();
            }
        }
        if index == 3 {
            alpha.set(Script::Fixed(ai::Decision::Sell, 0.8));
        }
        ids.push(harness.decide(request).await.unwrap().decision_id);
    }
    // Newest first, two per page, every decision once.
    let mut seen = Vec::new();
    let mut token = String::new();
    loop {
        let page = harness
            .list(ai::ListDecisionsRequest {
                page: Some(PageRequest {
                    page_size: 2,
                    page_token: token.clone(),
                }),
                ..Default::default()
            })
            .await
            .unwrap();
        assert!(page.decisions.len() <= 2);
        seen.extend(
            page.decisions
                .into_iter()
                .map(|decision| decision.decision_id),
        );
        if page.next_page_token.is_empty() {
            break;
        }
        token = page.next_page_token;
    }
    let newest_first: Vec<String> = ids.iter().rev().cloned().collect();
    assert_eq!(seen, newest_first);

    let count = |page: ai::ListDecisionsResponse| page.decisions.len();
    let eth = harness
        .list(ai::ListDecisionsRequest {
            symbol: "eth-usdt".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(eth.decisions[0].decision_id, ids[4]);
    assert_eq!(count(eth), 1);
    let rejected = harness
        .list(ai::ListDecisionsRequest {
            approved: Some(false),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(rejected.decisions[0].decision_id, ids[3]);
    assert_eq!(count(rejected), 1);
    let tie = harness
        .list(ai::ListDecisionsRequest {
            verdict: ai::Verdict::Tie.into(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(count(tie), 1);
    let with_alpha = harness
        .list(ai::ListDecisionsRequest {
            voter: "alpha".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(count(with_alpha), 4);
    let first = harness.get(&ids[0]).await.unwrap();
    let later = harness
        .list(ai::ListDecisionsRequest {
            range: Some(TimeRange {
                from_unix_ms: first.decided_unix_ms + 1,
                to_unix_ms: 0,
            }),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(
        later
            .decisions
            .iter()
            .all(|decision| decision.decision_id != ids[0])
    );
    let status = harness
        .list(ai::ListDecisionsRequest {
            page: Some(PageRequest {
                page_size: 10,
                page_token: "bm90IG91cnM".into(),
            }),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert!(status.message().contains("page.page_token"));
}

#[tokio::test]
async fn decisions_and_audit_events_reach_the_bus() {
    let mut harness = Harness::start().await;
    harness
        .voter("alpha", Script::Fixed(ai::Decision::Buy, 0.8), 1.0)
        .await;
    let decision = harness.decide(direction("p-bus")).await.unwrap();
    let redis_url = harness.redis.url.clone();
    let event = eventually(
        "the decision on ai.decisions",
        Duration::from_secs(10),
        || {
            let redis_url = redis_url.clone();
            async move {
                topic_events(&redis_url, "ai.decisions")
                    .await
                    .into_iter()
                    .next()
            }
        },
    )
    .await;
    assert_eq!(event["decision_id"], decision.decision_id.as_str());
    assert_eq!(event["proposal_id"], "p-bus");
    assert_eq!(event["symbol"], "BTC-USDT");
    assert_eq!(event["approved"], true);
    assert_eq!(event["verdict"], "APPROVED");
    assert_eq!(event["decision"], "BUY");
    assert_eq!(event["decided_at_ms"], decision.decided_unix_ms);
    let actions = eventually("both audit events", Duration::from_secs(10), || {
        let redis_url = redis_url.clone();
        async move {
            let events = topic_events(&redis_url, "audit").await;
            (events.len() >= 2).then_some(events)
        }
    })
    .await;
    let register = &actions[0];
    assert_eq!(register["action"], "consensus.register_voter");
    assert_eq!(register["resource"], "voter:alpha");
    assert_eq!(register["source_service"], "consensus-engine");
    let decide = &actions[1];
    assert_eq!(decide["action"], "consensus.decide");
    assert_eq!(decide["actor"], "test-user");
    assert_eq!(
        decide["resource"],
        format!("decision:{}", decision.decision_id).as_str()
    );
    assert_eq!(decide["details"]["verdict"], "APPROVED");
}
