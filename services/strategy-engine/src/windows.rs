//! The recent closed candles of each (venue, symbol, interval) the loop trades, kept in
//! time order from `md.candles` and backfilled from trade-history when a key is new or
//! the stream had a hole.
use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use quorum_domain::{Candle, Symbol, Venue};

/// Candles kept per key: the largest lookback a strategy may ask for.
pub const CAPACITY: usize = crate::spec::MAX_LOOKBACK as usize;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key {
    pub venue: Venue,
    pub symbol: Symbol,
    pub interval: String,
}

/// What adding a candle found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Added {
    /// Next in line (or the first).
    Appended,
    /// The same open time as the newest: replaced (a redelivery).
    Repeated,
    /// Older than the newest: ignored.
    Old,
    /// Later than the next expected open time: appended, but candles may be missing.
    AfterGap,
}

#[derive(Default)]
pub struct Windows {
    windows: Mutex<HashMap<Key, VecDeque<Candle>>>,
}

impl Windows {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a closed candle of `interval_ms` length.
    pub fn add(&self, key: &Key, candle: Candle, interval_ms: i64) -> Added {
        let mut windows = lock(&self.windows);
        let window = windows.entry(key.clone()).or_default();
        let added = match window.back() {
            None => Added::Appended,
            Some(last) if candle.open_time_ms == last.open_time_ms => Added::Repeated,
            Some(last) if candle.open_time_ms < last.open_time_ms => Added::Old,
            Some(last) if candle.open_time_ms == last.open_time_ms + interval_ms => Added::Appended,
            Some(_) => Added::AfterGap,
        };
        match added {
            Added::Old => {}
            Added::Repeated => {
                window.pop_back();
                window.push_back(candle);
            }
            Added::Appended | Added::AfterGap => {
                window.push_back(candle);
                while window.len() > CAPACITY {
                    window.pop_front();
                }
            }
        }
        added
    }

    /// Replaces a key's candles with `history` (oldest first) plus any newer candles it
    /// already held.
    pub fn backfill(&self, key: &Key, history: Vec<Candle>) {
        let mut windows = lock(&self.windows);
        let window = windows.entry(key.clone()).or_default();
        let newest_history = history.last().map_or(i64::MIN, |c| c.open_time_ms);
        let newer: Vec<Candle> = window
            .iter()
            .filter(|c| c.open_time_ms > newest_history)
            .cloned()
            .collect();
        window.clear();
        window.extend(history);
        window.extend(newer);
        while window.len() > CAPACITY {
            window.pop_front();
        }
    }

    /// The newest `count` candles up to and including the one opening at `up_to_open_ms`,
    /// oldest first.
    pub fn tail(&self, key: &Key, count: usize, up_to_open_ms: i64) -> Vec<Candle> {
        let windows = lock(&self.windows);
        let Some(window) = windows.get(key) else {
            return Vec::new();
        };
        let eligible: Vec<&Candle> = window
            .iter()
            .filter(|c| c.open_time_ms <= up_to_open_ms)
            .collect();
        let skip = eligible.len().saturating_sub(count);
        eligible.into_iter().skip(skip).cloned().collect()
    }

    pub fn len(&self, key: &Key) -> usize {
        lock(&self.windows).get(key).map_or(0, VecDeque::len)
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;

    fn key() -> Key {
        Key {
            venue: Venue::Binance,
            symbol: "BTC-USDT".parse().unwrap(),
            interval: "5s".into(),
        }
    }

    fn candle(open_time_ms: i64, close: i64) -> Candle {
        let price = Decimal::from(close);
        Candle {
            open_time_ms,
            open: price,
            high: price,
            low: price,
            close: price,
            volume: Decimal::ONE,
            quote_volume: price,
            trade_count: 1,
        }
    }

    #[test]
    fn candles_stay_in_time_order_and_repeats_replace() {
        let windows = Windows::new();
        assert_eq!(windows.add(&key(), candle(0, 1), 5_000), Added::Appended);
        assert_eq!(
            windows.add(&key(), candle(5_000, 2), 5_000),
            Added::Appended
        );
        assert_eq!(
            windows.add(&key(), candle(5_000, 3), 5_000),
            Added::Repeated
        );
        assert_eq!(windows.add(&key(), candle(0, 9), 5_000), Added::Old);
        assert_eq!(
            windows.add(&key(), candle(20_000, 4), 5_000),
            Added::AfterGap
        );
        let closes: Vec<_> = windows
            .tail(&key(), 10, i64::MAX)
            .iter()
            .map(|c| c.close)
            .collect();
        assert_eq!(
            closes,
            [Decimal::from(1), Decimal::from(3), Decimal::from(4)]
        );
    }

    #[test]
    fn tail_stops_at_the_asked_candle_and_backfill_keeps_newer_ones() {
        let windows = Windows::new();
        windows.add(&key(), candle(30_000, 7), 5_000);
        windows.backfill(&key(), vec![candle(20_000, 5), candle(25_000, 6)]);
        let opens: Vec<_> = windows
            .tail(&key(), 2, 25_000)
            .iter()
            .map(|c| c.open_time_ms)
            .collect();
        assert_eq!(opens, [20_000, 25_000]);
        assert_eq!(windows.len(&key()), 3);
    }

    #[test]
    fn capacity_bounds_each_window() {
        let windows = Windows::new();
        for index in 0..(CAPACITY as i64 + 10) {
            windows.add(&key(), candle(index * 5_000, index), 5_000);
        }
        assert_eq!(windows.len(&key()), CAPACITY);
    }
}
