//! The wash-trade rule, driven by order events and fills published on the bus.
use compliance_checker::now_ms;
use quorum_domain::{OrderEventKind, Side as DomainSide};
use quorum_proto::market::v1::Side;
use quorum_proto::security::v1::RuleKind;

use crate::harness::{Harness, event, failed, fill, intent, order};

#[tokio::test]
async fn an_order_crossing_the_accounts_own_resting_order_is_denied() {
    let harness = Harness::start().await;
    let ask = order(
        "ask-1",
        "alice",
        "BTC-USDT",
        DomainSide::Sell,
        2,
        101,
        1_000,
    );
    harness
        .publish_event(&event(OrderEventKind::Placed, &ask, now_ms() - 1_000))
        .await;
    let crossing = harness
        .check_until(
            "the resting ask to apply",
            intent("alice", "BTC-USDT", Side::Buy, "1", "101"),
            |answer| !answer.passed,
        )
        .await;
    assert_eq!(failed(&crossing), ["wash-trade@1"]);
    assert_eq!(crossing.violations[0].kind, RuleKind::WashTrade as i32);
    assert_eq!(
        crossing.violations[0].message,
        "a BUY at 101 would trade against the account's own resting SELL orders of BTC-USDT on binance: ask-1 at 101"
    );

    // Neighbours: a bid below the ask, another account, the same side.
    for neighbour in [
        intent("alice", "BTC-USDT", Side::Buy, "1", "100.99"),
        intent("bob", "BTC-USDT", Side::Buy, "1", "101"),
        intent("alice", "BTC-USDT", Side::Sell, "1", "90"),
        intent("alice", "ETH-USDT", Side::Buy, "1", "101"),
    ] {
        let answer = harness.check(neighbour.clone()).await;
        assert!(answer.passed, "{neighbour:?}: {:?}", answer.violations);
    }

    // Once the ask is cancelled, nothing rests to trade against.
    harness
        .publish_event(&event(OrderEventKind::Cancelled, &ask, now_ms()))
        .await;
    harness
        .check_until(
            "the cancel to apply",
            intent("alice", "BTC-USDT", Side::Buy, "1", "101"),
            |answer| answer.passed,
        )
        .await;
}

#[tokio::test]
async fn an_order_reversing_a_recent_fill_is_denied_within_the_window_only() {
    let harness = Harness::start().await;
    harness
        .publish_fill(&fill(
            "f-1",
            "bid-7",
            "alice",
            "ETH-USDT",
            DomainSide::Buy,
            1_000,
        ))
        .await;
    let reversal = harness
        .check_until(
            "the fill to apply",
            intent("alice", "ETH-USDT", Side::Sell, "1", "2000"),
            |answer| !answer.passed,
        )
        .await;
    assert_eq!(failed(&reversal), ["wash-trade@1"]);
    let message = &reversal.violations[0].message;
    assert!(
        message.starts_with("a SELL would reverse 1 BUY fill(s) of ETH-USDT within window_ms 60000: the latest, f-1 of order bid-7 (1 at 100)"),
        "{message}"
    );
    for neighbour in [
        intent("alice", "ETH-USDT", Side::Buy, "1", "2000"),
        intent("alice", "BTC-USDT", Side::Sell, "1", "2000"),
        intent("bob", "ETH-USDT", Side::Sell, "1", "2000"),
    ] {
        let answer = harness.check(neighbour.clone()).await;
        assert!(answer.passed, "{neighbour:?}: {:?}", answer.violations);
    }

    // A shorter window in a new version: the fill, a second old, is outside it.
    harness
        .put_rule("wash-trade", RuleKind::WashTrade, &[("window_ms", "500")])
        .await;
    let later = harness
        .check(intent("alice", "ETH-USDT", Side::Sell, "1", "2000"))
        .await;
    assert!(later.passed, "{:?}", later.violations);
    assert!(later.evaluated.contains(&"wash-trade@2".to_string()));
}
