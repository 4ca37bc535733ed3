//! The spoofing gate, driven by order events published on the bus.
use quorum_domain::{OrderEventKind, Side as DomainSide};
use quorum_proto::market::v1::Side;
use quorum_proto::security::v1::RuleKind;

use crate::harness::{Harness, event, failed, intent, order};

/// Publishes the placement and the cancel of an order of `quantity` at 100, placed
/// `age_ms` ago and cancelled `lifetime_ms` later.
pub async fn place_and_cancel(
    harness: &Harness,
    order_id: &str,
    account: &str,
    quantity: i64,
    age_ms: i64,
    lifetime_ms: i64,
) {
    let placed = order(
        order_id,
        account,
        "BTC-USDT",
        DomainSide::Buy,
        quantity,
        100,
        age_ms,
    );
    harness
        .publish_event(&event(
            OrderEventKind::Placed,
            &placed,
            placed.created_at_ms,
        ))
        .await;
    harness
        .publish_event(&event(
            OrderEventKind::Cancelled,
            &placed,
            placed.created_at_ms + lifetime_ms,
        ))
        .await;
}

pub const TIGHT_SPOOFING: &[(&str, &str)] = &[
    ("min_notional", "1000"),
    ("cancel_within_ms", "1000"),
    ("max_fast_cancels", "2"),
    ("window_ms", "600000"),
];

#[tokio::test]
async fn more_fast_cancels_of_large_orders_than_allowed_deny_the_account() {
    let harness = Harness::start().await;
    harness
        .put_rule("spoofing", RuleKind::Spoofing, TIGHT_SPOOFING)
        .await;
    // Two fast large cancels (10 x 100 = 1000, cancelled after 200 ms): at the limit.
    place_and_cancel(&harness, "s-1", "mallory", 10, 5_000, 200).await;
    place_and_cancel(&harness, "s-2", "mallory", 10, 4_000, 200).await;
    // Not fast, and not large: never counted.
    place_and_cancel(&harness, "slow-1", "mallory", 10, 8_000, 3_000).await;
    place_and_cancel(&harness, "small-1", "mallory", 9, 3_000, 100).await;
    harness.sync_orders("mallory", "marker-1").await;
    let at_limit = harness
        .check(intent("mallory", "BTC-USDT", Side::Buy, "1", "100"))
        .await;
    assert!(at_limit.passed, "{:?}", at_limit.violations);

    place_and_cancel(&harness, "s-3", "mallory", 10, 2_000, 999).await;
    let denied = harness
        .check_until(
            "the third fast cancel to apply",
            intent("mallory", "ETH-USDT", Side::Sell, "1", "100"),
            |answer| !answer.passed,
        )
        .await;
    assert_eq!(failed(&denied), ["spoofing@2"]);
    assert_eq!(denied.violations[0].kind, RuleKind::Spoofing as i32);
    assert_eq!(
        denied.violations[0].message,
        "account mallory cancelled 3 large orders (notional >= 1000) within 1000 ms of placing them in the last 600000 ms, more than max_fast_cancels 2: s-1, s-2, s-3"
    );
    let neighbour = harness
        .check(intent("trent", "BTC-USDT", Side::Buy, "1", "100"))
        .await;
    assert!(neighbour.passed, "{:?}", neighbour.violations);
}
