//! From a closed candle to an order: consensus, sizing, checks, the order, and what a
//! repeated candle or a denial does.
use std::time::Duration;

use quorum_proto::ai::v1::{Decision, Verdict};
use quorum_proto::market::v1::Side;
use quorum_proto::security::v1::Violation;
use quorum_proto::trading::v1::{RuleResult, RunOutcome};

use crate::harness::Harness;

#[tokio::test]
async fn an_approved_buy_becomes_one_order_sized_from_capital() {
    let harness = Harness::start().await;
    let id = harness.running_strategy().await;
    harness.publish_candle(2, 50_000).await;
    let open = harness.publish_candle(1, 50_005).await;
    let runs = harness.finished_runs(&id, 2).await;
    let newest = &runs[0];
    assert_eq!(newest.candle_open_unix_ms, open);
    assert_eq!(newest.outcome(), RunOutcome::OrderPlaced, "{newest:?}");
    assert_eq!(newest.side(), Side::Buy);
    // 10 % of 10 000 USDT at the ask of 50 010, in lots of 0.0001.
    assert_eq!(newest.quantity.as_ref().unwrap().value, "0.0199");
    assert_eq!(newest.price.as_ref().unwrap().value, "50010");
    assert!(newest.client_order_id.starts_with("se-"));
    assert!(!newest.order_id.is_empty());
    for hop in [
        "bus",
        "readiness",
        "consensus",
        "size",
        "risk",
        "compliance",
        "order",
        "answered",
        "total",
    ] {
        assert!(
            newest.hop_micros.contains_key(hop),
            "{hop} not timed: {:?}",
            newest.hop_micros
        );
    }
    // The test publishes the event and takes it up within seconds.
    let bus = newest.hop_micros["bus"];
    assert!((0..10_000_000).contains(&bus), "bus hop {bus} µs");
    let exchange = harness.exchange.snapshot();
    assert_eq!(exchange.place_calls, 2);
    assert!(exchange.orders.contains_key(&newest.client_order_id));
    // The proposal named the run, carried the candles up to this one, and was asked of
    // the strategy's voters.
    let asked = harness.consensus.requests();
    let last = asked.last().unwrap();
    let proposal = last.proposal.as_ref().unwrap();
    assert_eq!(proposal.proposal_id, newest.run_id);
    assert_eq!(proposal.candles.last().unwrap().open_time_unix_ms, open);
    assert_eq!(last.voters.len(), 3);
    let checked = harness.risk.checked();
    assert_eq!(
        checked.last().unwrap().client_order_id,
        newest.client_order_id
    );
    let strategy = harness.strategy(&id).await;
    assert_eq!((strategy.runs, strategy.orders), (2, 2));
}

#[tokio::test]
async fn a_candle_seen_again_makes_no_second_run_or_order() {
    let harness = Harness::start().await;
    let id = harness.running_strategy().await;
    let open = harness.publish_candle(1, 50_000).await;
    harness.finished_runs(&id, 1).await;
    harness.publish_candle_at(open, 50_000).await;
    // A later candle proves the repeat was consumed before it.
    harness.publish_candle(0, 50_000).await;
    let runs = harness.finished_runs(&id, 2).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(harness.runs(&id).await.len(), 2, "{runs:?}");
    assert_eq!(harness.exchange.snapshot().place_calls, 2);
}

#[tokio::test]
async fn a_risk_denial_names_the_rule_and_places_nothing() {
    let harness = Harness::start().await;
    *harness.risk.deny.lock().unwrap() = Some(RuleResult {
        rule: "max_order_notional".into(),
        passed: false,
        limit: "500".into(),
        actual: "995.199".into(),
        message: "order notional above the limit".into(),
    });
    let id = harness.running_strategy().await;
    harness.publish_candle(1, 50_000).await;
    let run = &harness.finished_runs(&id, 1).await[0];
    assert_eq!(run.outcome(), RunOutcome::RiskDenied);
    assert!(
        run.detail.contains("max_order_notional") && run.detail.contains("500"),
        "{}",
        run.detail
    );
    assert_eq!(harness.exchange.snapshot().place_calls, 0);
}

#[tokio::test]
async fn a_compliance_violation_places_nothing() {
    let harness = Harness::start().await;
    *harness.compliance.violation.lock().unwrap() = Some(Violation {
        rule_id: "restricted-symbols".into(),
        rule_version: 2,
        kind: 1,
        message: "BTC-USDT is restricted".into(),
    });
    let id = harness.running_strategy().await;
    harness.publish_candle(1, 50_000).await;
    let run = &harness.finished_runs(&id, 1).await[0];
    assert_eq!(run.outcome(), RunOutcome::ComplianceDenied);
    assert!(
        run.detail.contains("restricted-symbols@2"),
        "{}",
        run.detail
    );
    assert_eq!(harness.exchange.snapshot().place_calls, 0);
}

#[tokio::test]
async fn no_consensus_or_a_hold_places_nothing() {
    let harness = Harness::start().await;
    let id = harness.running_strategy().await;
    {
        let mut answer = harness.consensus.answer.lock().unwrap();
        answer.approved = false;
        answer.verdict = Verdict::BelowThreshold.into();
        answer.explanation = "agreement 0.66 below 0.85".into();
    }
    harness.publish_candle(2, 50_000).await;
    let run = &harness.finished_runs(&id, 1).await[0];
    assert_eq!(run.outcome(), RunOutcome::NotApproved);
    assert!(run.detail.contains("0.66"), "{}", run.detail);
    {
        let mut answer = harness.consensus.answer.lock().unwrap();
        answer.approved = true;
        answer.decision = Decision::Hold.into();
    }
    harness.publish_candle(1, 50_000).await;
    let run = &harness.finished_runs(&id, 2).await[0];
    assert_eq!(run.outcome(), RunOutcome::Hold);
    assert_eq!(harness.exchange.snapshot().place_calls, 0);
}

#[tokio::test]
async fn a_sell_is_capped_by_what_the_account_holds() {
    let harness = Harness::start().await;
    *harness.consensus.answer.lock().unwrap() = harness_sell();
    harness
        .exchange
        .set_balances(&[("USDT", "0", "0"), ("BTC", "0.00505", "0")]);
    let id = harness.running_strategy().await;
    harness.publish_candle(1, 50_000).await;
    let run = &harness.finished_runs(&id, 1).await[0];
    assert_eq!(run.outcome(), RunOutcome::OrderPlaced, "{run:?}");
    assert_eq!(run.side(), Side::Sell);
    assert_eq!(run.quantity.as_ref().unwrap().value, "0.005");
    assert_eq!(run.price.as_ref().unwrap().value, "50000");
}

fn harness_sell() -> quorum_proto::ai::v1::ConsensusDecision {
    let fake = quorum_testkit::fakes::FakeConsensus::approving(Decision::Sell, 0.95);
    fake.answer.lock().unwrap().clone()
}

#[tokio::test]
async fn a_new_market_is_backfilled_from_trade_history_up_to_the_candle() {
    let harness = Harness::start().await;
    let now = chrono::Utc::now().timestamp_millis();
    let newest = (now / crate::harness::INTERVAL_MS - 1) * crate::harness::INTERVAL_MS;
    let history: Vec<_> = (1..=30)
        .rev()
        .map(|back| candle(newest - back * crate::harness::INTERVAL_MS))
        .collect();
    *harness.history.candles.lock().unwrap() = history;
    let id = harness.running_strategy().await;
    harness.publish_candle_at(newest, 50_000).await;
    harness.finished_runs(&id, 1).await;
    let asked = harness.consensus.requests();
    let candles = &asked[0].proposal.as_ref().unwrap().candles;
    // The spec's lookback is 20: the 19 newest backfilled candles and the one that closed.
    assert_eq!(candles.len(), 20);
    assert_eq!(candles.last().unwrap().open_time_unix_ms, newest);
    assert!(
        candles
            .windows(2)
            .all(|pair| pair[1].open_time_unix_ms - pair[0].open_time_unix_ms
                == crate::harness::INTERVAL_MS)
    );
}

fn candle(open: i64) -> quorum_proto::market::v1::Candle {
    let price = Some(quorum_proto::common::v1::Decimal {
        value: "49000".into(),
    });
    quorum_proto::market::v1::Candle {
        open_time_unix_ms: open,
        open: price.clone(),
        high: price.clone(),
        low: price.clone(),
        close: price.clone(),
        volume: Some(quorum_proto::common::v1::Decimal { value: "1".into() }),
        quote_volume: price,
        trade_count: 1,
    }
}
