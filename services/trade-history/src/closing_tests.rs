//! Unit tests of the closing rules: when an interval closes, what is due after a pause,
//! and which trades count as late.
use super::*;
use quorum_domain::{Decimal, Side};

/// 2023-11-14T22:13:20Z, the start of a 5 s interval.
const T: i64 = 1_700_000_000_000;
/// 2023-11-14T22:13:00Z, the start of a minute.
const MINUTE: i64 = T - 20_000;

fn policy() -> ClosingPolicy {
    ClosingPolicy {
        intervals: vec![Interval::OneSecond, Interval::FiveSeconds],
        grace_ms: 1500,
        catch_up: 3,
    }
}

fn market(venue: Venue, symbol: &str) -> Market {
    Market {
        venue,
        symbol: symbol.parse().unwrap(),
    }
}

fn trade(venue: Venue, symbol: &str, at_ms: i64) -> Trade {
    Trade {
        venue,
        symbol: symbol.parse().unwrap(),
        trade_id: format!("t{at_ms}"),
        price: Decimal::ONE,
        quantity: Decimal::ONE,
        taker_side: Side::Buy,
        traded_at_ms: at_ms,
    }
}

#[test]
fn an_interval_closes_when_the_clock_reaches_its_end_plus_the_grace() {
    let policy = policy();
    let five = Interval::FiveSeconds;
    // [T, T + 5 s) ends at T + 5 s and closes at T + 6.5 s.
    assert_eq!(policy.closed_through(five, T + 6_499), T - 5_000);
    assert_eq!(policy.closed_through(five, T + 6_500), T);
    assert_eq!(policy.closed_through(five, T + 11_499), T);
    assert_eq!(policy.closed_through(Interval::OneSecond, T + 2_500), T);
    let no_grace = ClosingPolicy {
        grace_ms: 0,
        ..policy
    };
    assert_eq!(no_grace.closed_through(five, T + 5_000), T);
    assert_eq!(no_grace.closed_through(five, T + 4_999), T - 5_000);
}

#[test]
fn the_next_close_is_the_soonest_of_any_configured_length() {
    let policy = policy();
    // At T + 6.5 s the 1 s interval [T + 5 s, T + 6 s) closes at T + 7.5 s, before the
    // next 5 s one at T + 11.5 s.
    assert_eq!(policy.next_close_ms(T + 6_500), T + 7_500);
    assert_eq!(policy.next_close_ms(T + 7_499), T + 7_500);
    let minutes = ClosingPolicy {
        intervals: vec![Interval::OneMinute],
        ..policy
    };
    assert_eq!(
        minutes.next_close_ms(MINUTE + 1_500),
        MINUTE + 60_000 + 1_500
    );
    assert_eq!(minutes.next_close_ms(MINUTE + 1_499), MINUTE + 1_500);
}

#[test]
fn due_intervals_resume_after_the_last_closed_and_go_back_at_most_catch_up() {
    let policy = policy();
    let five = Interval::FiveSeconds;
    let now = T + 6_500;
    // Never closed: the last three closed intervals.
    assert_eq!(policy.due(five, None, now), Some((T - 10_000, T)));
    // Closed through the one before: only the newest.
    assert_eq!(policy.due(five, Some(T - 5_000), now), Some((T, T)));
    // Up to date: nothing.
    assert_eq!(policy.due(five, Some(T), now), None);
    assert_eq!(policy.due(five, Some(T), now + 4_999), None);
    // Far behind: still only the last three.
    assert_eq!(
        policy.due(five, Some(T - 3_600_000), now),
        Some((T - 10_000, T))
    );
    // Nothing before the epoch.
    assert_eq!(
        policy.due(Interval::OneSecond, None, 3_600),
        Some((0, 1_000))
    );
    assert_eq!(policy.due(Interval::OneSecond, None, 100), None);
}

#[test]
fn the_lookback_covers_the_catch_up_of_the_longest_length() {
    // (3 + 1) intervals of 5 s and the grace.
    assert_eq!(policy().lookback_ms(), 21_500);
}

#[test]
fn due_lists_shorter_lengths_first_and_markets_in_order() {
    let state = ClosingState::new(policy(), CandleMetrics::unregistered());
    let btc = market(Venue::Okx, "BTC-USDT");
    let eth = market(Venue::Binance, "ETH-USDT");
    state.add_market(btc.clone());
    state.add_market(eth.clone());
    let now = T + 6_500;
    for market in [&btc, &eth] {
        state.set_closed(market, Interval::OneSecond, T + 3_000);
        state.set_closed(market, Interval::FiveSeconds, T - 5_000);
    }
    let due = state.due(now);
    let summary: Vec<(Venue, Interval, i64, i64)> = due
        .iter()
        .map(|due| {
            (
                due.market.venue,
                due.interval,
                due.first_open_ms - T,
                due.last_open_ms - T,
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (Venue::Binance, Interval::OneSecond, 4_000, 4_000),
            (Venue::Okx, Interval::OneSecond, 4_000, 4_000),
            (Venue::Binance, Interval::FiveSeconds, 0, 0),
            (Venue::Okx, Interval::FiveSeconds, 0, 0),
        ]
    );
}

#[test]
fn progress_only_moves_forward() {
    let state = ClosingState::new(policy(), CandleMetrics::unregistered());
    let btc = market(Venue::Okx, "BTC-USDT");
    assert_eq!(state.closed_through(&btc, Interval::OneSecond), None);
    state.set_closed(&btc, Interval::OneSecond, T);
    state.set_closed(&btc, Interval::OneSecond, T - 1_000);
    assert_eq!(state.closed_through(&btc, Interval::OneSecond), Some(T));
}

#[test]
fn a_trade_is_late_only_for_lengths_whose_interval_already_closed() {
    let state = ClosingState::new(policy(), CandleMetrics::unregistered());
    let btc = market(Venue::Okx, "BTC-USDT");
    // A market never closed has no late trades, and is now known.
    assert!(state.observe(&trade(Venue::Okx, "BTC-USDT", T)).is_empty());
    assert_eq!(state.due(T + 2_500).len(), 2);

    state.set_closed(&btc, Interval::OneSecond, T + 2_000);
    state.set_closed(&btc, Interval::FiveSeconds, T - 5_000);
    // In [T + 2 s, T + 3 s): closed for 1 s, but the 5 s interval [T, T + 5 s) is open.
    assert_eq!(
        state.observe(&trade(Venue::Okx, "BTC-USDT", T + 2_999)),
        [Interval::OneSecond]
    );
    // Before T: late for both.
    assert_eq!(
        state.observe(&trade(Venue::Okx, "BTC-USDT", T - 1)),
        [Interval::OneSecond, Interval::FiveSeconds]
    );
    // In an open interval, or another market: on time.
    assert!(
        state
            .observe(&trade(Venue::Okx, "BTC-USDT", T + 3_000))
            .is_empty()
    );
    assert!(
        state
            .observe(&trade(Venue::Binance, "BTC-USDT", T - 1))
            .is_empty()
    );
    assert_eq!(state.metrics().late_trades(Interval::OneSecond), 2);
    assert_eq!(state.metrics().late_trades(Interval::FiveSeconds), 1);
}
