//! The views follow the stored order states and stay the same under repeats.
use super::*;

const NOW: i64 = 1_700_000_000_000;

fn order(
    order_id: &str,
    side: Side,
    price: i64,
    status: &str,
    closed_at_ms: Option<i64>,
) -> OrderState {
    OrderState {
        venue: Venue::Binance,
        order_id: order_id.into(),
        account: "alice".into(),
        symbol: "BTC-USDT".parse().unwrap(),
        side,
        price: Some(Decimal::from(price)),
        quantity: Decimal::from(2),
        filled_quantity: Decimal::ZERO,
        status: status.into(),
        placed_at_ms: NOW - 10_000,
        closed_at_ms,
    }
}

fn fill(fill_id: &str, side: Side, at_ms: i64) -> RecentFill {
    RecentFill {
        venue: Venue::Binance,
        fill_id: fill_id.into(),
        order_id: format!("order-of-{fill_id}"),
        account: "alice".into(),
        symbol: "BTC-USDT".parse().unwrap(),
        side,
        price: Decimal::from(100),
        quantity: Decimal::ONE,
        filled_at_ms: at_ms,
    }
}

fn btc() -> Symbol {
    "BTC-USDT".parse().unwrap()
}

#[test]
fn open_limit_orders_rest_until_they_end() {
    let mut views = Views::new();
    views.apply_order(&order("o-1", Side::Sell, 100, "placed", None));
    views.apply_order(&order("o-1", Side::Sell, 100, "placed", None));
    let resting = views.resting("alice", Venue::Binance, &btc(), Side::Sell);
    assert_eq!(resting.len(), 1);
    assert_eq!(resting[0].remaining, Decimal::from(2));
    assert!(
        views
            .resting("alice", Venue::Okx, &btc(), Side::Sell)
            .is_empty()
    );
    assert!(
        views
            .resting("bob", Venue::Binance, &btc(), Side::Sell)
            .is_empty()
    );

    let mut partly = order("o-1", Side::Sell, 100, "partially_filled", None);
    partly.filled_quantity = Decimal::ONE;
    views.apply_order(&partly);
    assert_eq!(
        views.resting("alice", Venue::Binance, &btc(), Side::Sell)[0].remaining,
        Decimal::ONE
    );
    views.apply_order(&order("o-1", Side::Sell, 100, "filled", Some(NOW)));
    assert!(
        views
            .resting("alice", Venue::Binance, &btc(), Side::Sell)
            .is_empty()
    );
}

#[test]
fn market_orders_never_rest() {
    let mut views = Views::new();
    let mut market = order("m-1", Side::Buy, 1, "placed", None);
    market.price = None;
    views.apply_order(&market);
    assert!(
        views
            .resting("alice", Venue::Binance, &btc(), Side::Buy)
            .is_empty()
    );
}

#[test]
fn cancels_are_kept_once_with_their_notional_and_lifetime() {
    let mut views = Views::new();
    let cancelled = order("o-2", Side::Buy, 50_000, "cancelled", Some(NOW - 9_500));
    views.apply_order(&cancelled);
    views.apply_order(&cancelled);
    let cancels = views.cancels_after("alice", NOW - 60_000);
    assert_eq!(cancels.len(), 1);
    assert_eq!(cancels[0].notional, Some(Decimal::from(100_000)));
    assert!(cancels[0].is_fast_and_large(Decimal::from(100_000), 500));
    assert!(!cancels[0].is_fast_and_large(Decimal::from(100_000), 499));
    assert!(!cancels[0].is_fast_and_large(Decimal::from(100_001), 500));
    assert!(views.cancels_after("alice", NOW - 9_500).is_empty());
}

#[test]
fn fills_are_found_by_symbol_side_and_time_once_each() {
    let mut views = Views::new();
    views.apply_fill(fill("f-1", Side::Sell, NOW - 5_000));
    views.apply_fill(fill("f-1", Side::Sell, NOW - 5_000));
    views.apply_fill(fill("f-2", Side::Sell, NOW - 70_000));
    views.apply_fill(fill("f-3", Side::Buy, NOW - 1_000));
    let sells: Vec<&str> = views
        .fills_since("alice", &btc(), Side::Sell, NOW - 60_000)
        .iter()
        .map(|fill| fill.fill_id.as_str())
        .collect();
    assert_eq!(sells, ["f-1"]);
    let eth: Symbol = "ETH-USDT".parse().unwrap();
    assert!(views.fills_since("alice", &eth, Side::Sell, 0).is_empty());
}

#[test]
fn placements_count_distinct_orders_per_utc_day() {
    let mut views = Views::new();
    let today = day(NOW) * DAY_MS;
    views.apply_placement("alice", Venue::Binance, "o-1", today + 5);
    views.apply_placement("alice", Venue::Binance, "o-1", today + 5);
    views.apply_placement("alice", Venue::Okx, "o-1", today + 6);
    views.apply_placement("alice", Venue::Binance, "o-0", today - 1);
    assert_eq!(views.placed_on_day_of("alice", today + 1_000), 2);
    assert_eq!(views.placed_on_day_of("alice", today - 1_000), 1);
    assert_eq!(views.placed_on_day_of("bob", today), 0);
}

#[test]
fn pruning_forgets_only_what_is_past_the_horizon() {
    let mut views = Views::new();
    views.apply_fill(fill("old", Side::Sell, NOW - HORIZON_MS - 1));
    views.apply_fill(fill("new", Side::Sell, NOW - HORIZON_MS));
    views.apply_order(&order(
        "c-old",
        Side::Buy,
        1,
        "cancelled",
        Some(NOW - HORIZON_MS - 1),
    ));
    views.apply_order(&order("c-new", Side::Buy, 1, "cancelled", Some(NOW - 1)));
    views.apply_placement("alice", Venue::Binance, "p", NOW - 3 * DAY_MS);
    views.apply_order(&order("rest", Side::Buy, 1, "placed", None));
    views.prune(NOW);
    let fills = views.fills_since("alice", &btc(), Side::Sell, 0);
    assert_eq!(fills.len(), 1);
    assert_eq!(fills[0].fill_id, "new");
    let cancels = views.cancels_after("alice", 0);
    assert_eq!(cancels.len(), 1);
    assert_eq!(cancels[0].order_id, "c-new");
    assert_eq!(views.placed_on_day_of("alice", NOW - 3 * DAY_MS), 0);
    assert_eq!(
        views
            .resting("alice", Venue::Binance, &btc(), Side::Buy)
            .len(),
        1
    );
}
