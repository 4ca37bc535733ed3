//! Wash-trade pairs and spoofing episodes found from hand-made history.
use quorum_domain::{Decimal, Venue};

use super::*;

fn fill(fill_id: &str, order_id: &str, account: &str, side: Side, at_ms: i64) -> RecentFill {
    RecentFill {
        venue: Venue::Binance,
        fill_id: fill_id.into(),
        order_id: order_id.into(),
        account: account.into(),
        symbol: "BTC-USDT".parse().unwrap(),
        side,
        price: Decimal::from(100),
        quantity: Decimal::ONE,
        filled_at_ms: at_ms,
    }
}

fn cancel(
    order_id: &str,
    symbol: &str,
    notional: i64,
    cancelled_at_ms: i64,
    lifetime_ms: i64,
) -> Cancel {
    Cancel {
        venue: Venue::Binance,
        order_id: order_id.into(),
        account: "mallory".into(),
        symbol: symbol.parse().unwrap(),
        notional: Some(Decimal::from(notional)),
        placed_at_ms: cancelled_at_ms - lifetime_ms,
        cancelled_at_ms,
    }
}

fn limits(max_fast_cancels: u64) -> SpoofingLimits {
    SpoofingLimits {
        min_notional: Decimal::from(1_000),
        cancel_within_ms: 1_000,
        max_fast_cancels,
        window_ms: 10_000,
    }
}

#[test]
fn buys_and_sells_within_the_window_pair_their_orders_once() {
    let fills = [
        fill("f-3", "sell-1", "alice", Side::Sell, 1_500),
        fill("f-1", "buy-1", "alice", Side::Buy, 1_000),
        fill("f-2", "buy-1", "alice", Side::Buy, 1_200),
        // Outside the window of every buy.
        fill("f-4", "sell-2", "alice", Side::Sell, 9_000),
        // Another account, and another symbol's fills, never pair with alice's.
        fill("f-5", "bob-sell", "bob", Side::Sell, 1_100),
    ];
    let findings = wash_trades(&fills, 1_000, "wash-trade@1");
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0].order_ids, ["buy-1", "sell-1"]);
    assert_eq!(findings[0].account, "alice");
    assert_eq!(findings[0].at_ms, 1_500);
    assert!(
        findings[0].description.contains("300 ms apart"),
        "{}",
        findings[0].description
    );
    assert!(findings[0].description.contains("wash-trade@1"));
}

#[test]
fn a_gap_equal_to_the_window_still_counts() {
    let fills = [
        fill("f-1", "buy-1", "alice", Side::Buy, 0),
        fill("f-2", "sell-1", "alice", Side::Sell, 1_000),
    ];
    assert_eq!(wash_trades(&fills, 1_000, "w").len(), 1);
    assert!(wash_trades(&fills, 999, "w").is_empty());
}

#[test]
fn repeated_fast_large_cancels_make_one_episode() {
    let cancels = [
        cancel("o-1", "BTC-USDT", 5_000, 1_000, 200),
        cancel("o-2", "BTC-USDT", 5_000, 2_000, 200),
        cancel("o-3", "BTC-USDT", 5_000, 3_000, 200),
        cancel("o-4", "BTC-USDT", 5_000, 4_000, 200),
        // Slow and small cancels are not suspicious.
        cancel("slow", "BTC-USDT", 5_000, 3_500, 5_000),
        cancel("small", "BTC-USDT", 10, 3_600, 100),
        // Far later: a window of its own, under the limit.
        cancel("o-9", "BTC-USDT", 5_000, 60_000, 100),
    ];
    let findings = spoofing(&cancels, &limits(2), "spoofing@2");
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0].order_ids, ["o-1", "o-2", "o-3", "o-4"]);
    assert_eq!(findings[0].at_ms, 3_000, "the third fast cancel exceeded 2");
    assert_eq!(findings[0].symbol, "BTC-USDT");
    assert!(spoofing(&cancels, &limits(4), "spoofing@2").is_empty());
}

#[test]
fn separate_bursts_are_separate_findings_and_mixed_symbols_are_listed() {
    let cancels = [
        cancel("a-1", "BTC-USDT", 5_000, 0, 10),
        cancel("a-2", "ETH-USDT", 5_000, 100, 10),
        cancel("b-1", "BTC-USDT", 5_000, 50_000, 10),
        cancel("b-2", "BTC-USDT", 5_000, 50_100, 10),
    ];
    let findings = spoofing(&cancels, &limits(1), "spoofing@1");
    assert_eq!(findings.len(), 2, "{findings:?}");
    assert_eq!(findings[0].order_ids, ["a-1", "a-2"]);
    assert_eq!(findings[0].symbol, "");
    assert!(findings[0].description.contains("BTC-USDT, ETH-USDT"));
    assert_eq!(findings[1].order_ids, ["b-1", "b-2"]);
}
