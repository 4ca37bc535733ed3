//! The rolling window against hand-computed statistics.
use rust_decimal::dec;

use super::*;

/// A minute (counted from the Unix epoch) in November 2023; trades are placed relative
/// to minute boundaries.
const MINUTE: i64 = 28_333_333;

fn at(minute: i64, second: i64) -> i64 {
    minute * MINUTE_MS + second * 1000
}

fn point(price: Decimal, at_ms: i64) -> PricePoint {
    PricePoint { price, at_ms }
}

#[test]
fn three_trades_give_hand_computed_statistics() {
    let mut window = RollingWindow::new();
    let now = at(MINUTE + 2, 30);
    assert_eq!(
        window.insert(dec!(100), dec!(2), at(MINUTE, 5), now),
        Insert::Added
    );
    assert_eq!(
        window.insert(dec!(110), dec!(1), at(MINUTE + 1, 0), now),
        Insert::Added
    );
    assert_eq!(
        window.insert(dec!(95), dec!(3), at(MINUTE + 2, 10), now),
        Insert::Added
    );
    let stats = window.stats(now).unwrap();
    assert_eq!(stats.open, point(dec!(100), at(MINUTE, 5)));
    assert_eq!(stats.close, point(dec!(95), at(MINUTE + 2, 10)));
    assert_eq!((stats.high, stats.low), (dec!(110), dec!(95)));
    assert_eq!(stats.base_volume, dec!(6));
    // 100*2 + 110*1 + 95*3
    assert_eq!(stats.quote_volume, dec!(595));
    assert_eq!(stats.trade_count, 3);
    assert_eq!(window.bucket_count(), 3);
}

#[test]
fn late_trades_land_in_their_own_minute() {
    let mut window = RollingWindow::new();
    let now = at(MINUTE + 10, 0);
    window.insert(dec!(100), dec!(1), at(MINUTE + 5, 30), now);
    window.insert(dec!(101), dec!(1), at(MINUTE + 9, 0), now);
    // Late, into an empty earlier minute: the new open.
    window.insert(dec!(90), dec!(1), at(MINUTE + 2, 0), now);
    // Late, into minute 5 but before its first trade: that bucket's open.
    window.insert(dec!(99), dec!(1), at(MINUTE + 5, 10), now);
    // Late, but not the newest: the close stays.
    window.insert(dec!(120), dec!(1), at(MINUTE + 8, 59), now);
    let stats = window.stats(now).unwrap();
    assert_eq!(stats.open, point(dec!(90), at(MINUTE + 2, 0)));
    assert_eq!(stats.close, point(dec!(101), at(MINUTE + 9, 0)));
    assert_eq!((stats.high, stats.low), (dec!(120), dec!(90)));
    assert_eq!(stats.trade_count, 5);
    assert_eq!(window.bucket_count(), 4);

    // Once minute 2 expires, minute 5's earliest trade (99 at :10) is the open.
    let later = at(MINUTE + 2 + WINDOW_MINUTES, 0);
    let stats = window.stats(later).unwrap();
    assert_eq!(stats.open, point(dec!(99), at(MINUTE + 5, 10)));
    assert_eq!((stats.high, stats.low), (dec!(120), dec!(99)));
    assert_eq!(stats.trade_count, 4);
}

#[test]
fn the_window_moves_a_minute_at_a_time() {
    let mut window = RollingWindow::new();
    let trade_at = at(MINUTE, 59);
    window.insert(dec!(100), dec!(1), trade_at, trade_at);
    // Still in during the last minute of the window, even 24 h and 59 s later.
    let last_in = at(MINUTE + WINDOW_MINUTES - 1, 59);
    assert_eq!(window.stats(last_in).map(|s| s.trade_count), Some(1));
    // Gone as soon as the next minute starts.
    let first_out = at(MINUTE + WINDOW_MINUTES, 0);
    assert_eq!(window.stats(first_out), None);
    assert_eq!(window.bucket_count(), 0);
}

#[test]
fn high_and_low_are_right_after_their_buckets_expire() {
    let mut window = RollingWindow::new();
    let now = at(MINUTE + 3, 0);
    window.insert(dec!(200), dec!(1), at(MINUTE, 0), now); // the high, oldest
    window.insert(dec!(50), dec!(1), at(MINUTE + 1, 0), now); // the low
    window.insert(dec!(120), dec!(2), at(MINUTE + 2, 0), now);
    window.insert(dec!(80), dec!(1), at(MINUTE + 3, 0), now);
    assert_eq!(
        window.stats(now).map(|s| (s.high, s.low)),
        Some((dec!(200), dec!(50)))
    );

    let stats = window.stats(at(MINUTE + WINDOW_MINUTES, 0)).unwrap();
    assert_eq!((stats.high, stats.low), (dec!(120), dec!(50)));
    assert_eq!(stats.base_volume, dec!(4));
    assert_eq!(stats.quote_volume, dec!(370));

    let stats = window.stats(at(MINUTE + 1 + WINDOW_MINUTES, 0)).unwrap();
    assert_eq!((stats.high, stats.low), (dec!(120), dec!(80)));
    assert_eq!(stats.open, point(dec!(120), at(MINUTE + 2, 0)));
    assert_eq!(stats.base_volume, dec!(3));
    assert_eq!(stats.quote_volume, dec!(320));
    assert_eq!(stats.trade_count, 2);
}

#[test]
fn trades_outside_the_window_are_refused() {
    let mut window = RollingWindow::new();
    let now = at(MINUTE + WINDOW_MINUTES, 30);
    assert_eq!(
        window.insert(dec!(1), dec!(1), at(MINUTE, 59), now),
        Insert::TooOld
    );
    assert_eq!(
        window.insert(dec!(1), dec!(1), at(MINUTE + 1, 0), now),
        Insert::Added
    );
    assert_eq!(
        window.insert(dec!(1), dec!(1), now + FUTURE_TOLERANCE_MS + 1, now),
        Insert::TooNew
    );
    assert_eq!(
        window.insert(dec!(1), dec!(1), now + FUTURE_TOLERANCE_MS, now),
        Insert::Added
    );
    assert_eq!(window.stats(now).map(|s| s.trade_count), Some(2));
}

#[test]
fn a_notional_too_large_for_a_decimal_is_refused() {
    let mut window = RollingWindow::new();
    let now = at(MINUTE, 0);
    let huge = Decimal::MAX;
    assert_eq!(window.insert(huge, dec!(2), now, now), Insert::Overflow);
    assert_eq!(window.stats(now), None);
}

#[test]
fn memory_stays_within_a_day_of_buckets() {
    let mut window = RollingWindow::new();
    for minute in 0..3 * WINDOW_MINUTES {
        let time = at(MINUTE + minute, 0);
        window.insert(dec!(100), dec!(1), time, time);
        window.insert(dec!(100), dec!(1), time + 1, time + 1);
    }
    assert_eq!(window.bucket_count(), WINDOW_MINUTES as usize);
    let now = at(MINUTE + 3 * WINDOW_MINUTES - 1, 0);
    assert_eq!(
        window.stats(now).map(|s| s.trade_count),
        Some(2 * WINDOW_MINUTES as u64)
    );
}

/// Statistics recomputed from every accepted trade, the slow obvious way.
fn brute_force(trades: &[(Decimal, Decimal, i64)], now: i64) -> Option<WindowStats> {
    let start = window_start_minute(now);
    let live: Vec<&(Decimal, Decimal, i64)> = trades
        .iter()
        .filter(|(_, _, at)| at.div_euclid(MINUTE_MS) >= start)
        .collect();
    let first = live.first()?;
    let mut stats = WindowStats {
        open: point(first.0, first.2),
        close: point(first.0, first.2),
        high: first.0,
        low: first.0,
        base_volume: Decimal::ZERO,
        quote_volume: Decimal::ZERO,
        trade_count: 0,
    };
    for (price, quantity, at) in live {
        if *at < stats.open.at_ms {
            stats.open = point(*price, *at);
        }
        if *at >= stats.close.at_ms {
            stats.close = point(*price, *at);
        }
        stats.high = stats.high.max(*price);
        stats.low = stats.low.min(*price);
        stats.base_volume += quantity;
        stats.quote_volume += price * quantity;
        stats.trade_count += 1;
    }
    Some(stats)
}

proptest::proptest! {
    /// Whatever the order, lateness and spacing of trades, the window agrees with a
    /// recomputation from scratch at every step.
    #[test]
    fn agrees_with_a_recomputation_from_scratch(
        steps in proptest::collection::vec(
            (0i64..600_000, -90_000_000i64..90_000, 1u32..100_000, 1u32..1_000),
            1..200,
        )
    ) {
        let mut window = RollingWindow::new();
        let mut accepted = Vec::new();
        let mut now = at(MINUTE, 0);
        for (advance, offset, price_cents, quantity_milli) in steps {
            now += advance;
            let price = Decimal::new(price_cents.into(), 2);
            let quantity = Decimal::new(quantity_milli.into(), 3);
            let traded_at = now + offset;
            if window.insert(price, quantity, traded_at, now) == Insert::Added {
                accepted.push((price, quantity, traded_at));
            }
            proptest::prop_assert_eq!(window.stats(now), brute_force(&accepted, now));
            proptest::prop_assert!(window.bucket_count() <= (WINDOW_MINUTES + 1) as usize);
        }
    }
}
