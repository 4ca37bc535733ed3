//! When a candle interval closes, and what has been closed so far.
//!
//! The policy: an interval `[t, t + d)` closes once the wall clock reaches
//! `t + d + grace`. Trades stored before then are in its candle; a trade that arrives
//! later is stored (GetCandles shows it) but the candle is not published again, and the
//! trade is counted as late. An interval without trades publishes nothing. After a
//! pause (a restart, a database outage) at most the last `catch_up` intervals of each
//! length are closed; older ones are skipped.
//!
//! Everything here is pure and takes the time as an argument, so the rules are tested
//! with a made-up clock.
use std::collections::{BTreeSet, HashMap};
use std::sync::{Mutex, MutexGuard, PoisonError};

use quorum_domain::{Symbol, Trade, Venue};

use crate::interval::Interval;
use crate::metrics::CandleMetrics;

/// The time source of the closer; tests put a clock of their own in its place.
pub trait Clock: Send + Sync + 'static {
    /// Unix time in milliseconds.
    fn now_ms(&self) -> i64;
}

/// The wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        chrono::Utc::now().timestamp_millis()
    }
}

/// Which intervals are published and when they close.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClosingPolicy {
    /// Shortest first.
    pub intervals: Vec<Interval>,
    /// How long after its end an interval still takes trades.
    pub grace_ms: i64,
    /// Most intervals of one length closed at once after a pause.
    pub catch_up: i64,
}

impl ClosingPolicy {
    /// The open time of the latest interval of this length that is closed at `now_ms`.
    pub fn closed_through(&self, interval: Interval, now_ms: i64) -> i64 {
        interval.open_time(now_ms - self.grace_ms - interval.millis())
    }

    /// When the next interval of any configured length closes (after `now_ms`).
    pub fn next_close_ms(&self, now_ms: i64) -> i64 {
        self.intervals
            .iter()
            .map(|interval| {
                self.closed_through(*interval, now_ms) + 2 * interval.millis() + self.grace_ms
            })
            .min()
            .unwrap_or(now_ms + 60_000)
    }

    /// How far back a trade can be and still fall in an interval the closer may close.
    pub fn lookback_ms(&self) -> i64 {
        let longest = self
            .intervals
            .iter()
            .map(|interval| interval.millis())
            .max()
            .unwrap_or(0);
        (longest * (self.catch_up + 1)).saturating_add(self.grace_ms)
    }

    /// The intervals `(first, last)` open times, both included, to close at `now_ms` when
    /// everything through `closed` is closed already (`None`: nothing ever was).
    pub fn due(&self, interval: Interval, closed: Option<i64>, now_ms: i64) -> Option<(i64, i64)> {
        let last = self.closed_through(interval, now_ms);
        let oldest = (last - (self.catch_up - 1) * interval.millis()).max(0);
        let first = match closed {
            Some(closed) => (closed + interval.millis()).max(oldest),
            None => oldest,
        };
        (first <= last).then_some((first, last))
    }
}

/// One venue's market of one symbol.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Market {
    pub venue: Venue,
    pub symbol: Symbol,
}

/// Intervals of one market and length to close now, oldest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Due {
    pub market: Market,
    pub interval: Interval,
    pub first_open_ms: i64,
    pub last_open_ms: i64,
}

/// The markets seen in trades and, per market and interval length, the open time of the
/// last interval closed. Shared by the trade consumers (which add markets and spot late
/// trades) and the closer (which advances it after each commit).
pub struct ClosingState {
    policy: ClosingPolicy,
    metrics: CandleMetrics,
    inner: Mutex<Known>,
}

#[derive(Default)]
struct Known {
    markets: BTreeSet<Market>,
    closed: HashMap<(Market, Interval), i64>,
}

impl ClosingState {
    pub fn new(policy: ClosingPolicy, metrics: CandleMetrics) -> Self {
        Self {
            policy,
            metrics,
            inner: Mutex::new(Known::default()),
        }
    }

    pub fn policy(&self) -> &ClosingPolicy {
        &self.policy
    }

    pub fn metrics(&self) -> &CandleMetrics {
        &self.metrics
    }

    /// Notes the trade's market before the trade is stored, and counts it as late for
    /// each interval length whose candle holding it was already closed (and so will not
    /// show it). A trade stored while its interval is being closed may be in the candle
    /// or not, and is not counted: the count is a lower bound.
    pub fn observe(&self, trade: &Trade) -> Vec<Interval> {
        let market = Market {
            venue: trade.venue,
            symbol: trade.symbol.clone(),
        };
        let mut known = self.lock();
        let late: Vec<Interval> = self
            .policy
            .intervals
            .iter()
            .copied()
            .filter(|interval| {
                known
                    .closed
                    .get(&(market.clone(), *interval))
                    .is_some_and(|closed| interval.open_time(trade.traded_at_ms) <= *closed)
            })
            .collect();
        known.markets.insert(market);
        drop(known);
        for interval in &late {
            self.metrics.late_trade(*interval);
        }
        late
    }

    pub fn add_market(&self, market: Market) {
        self.lock().markets.insert(market);
    }

    /// Records that `market`'s intervals of this length are closed through `open_ms`.
    pub fn set_closed(&self, market: &Market, interval: Interval, open_ms: i64) {
        let mut known = self.lock();
        let closed = known
            .closed
            .entry((market.clone(), interval))
            .or_insert(open_ms);
        *closed = (*closed).max(open_ms);
    }

    pub fn closed_through(&self, market: &Market, interval: Interval) -> Option<i64> {
        self.lock().closed.get(&(market.clone(), interval)).copied()
    }

    /// Everything to close at `now_ms`: shorter intervals first, markets in order.
    pub fn due(&self, now_ms: i64) -> Vec<Due> {
        let known = self.lock();
        let mut due = Vec::new();
        for interval in &self.policy.intervals {
            for market in &known.markets {
                let closed = known.closed.get(&(market.clone(), *interval)).copied();
                if let Some((first, last)) = self.policy.due(*interval, closed, now_ms) {
                    due.push(Due {
                        market: market.clone(),
                        interval: *interval,
                        first_open_ms: first,
                        last_open_ms: last,
                    });
                }
            }
        }
        due
    }

    fn lock(&self) -> MutexGuard<'_, Known> {
        // The data stays consistent whatever panicked while holding it.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
#[path = "closing_tests.rs"]
mod tests;
