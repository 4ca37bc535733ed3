//! A rolling 24-hour window of one market's trades, kept as one-minute buckets.
//!
//! The window moves a minute at a time: at time `now` it holds the trades of the
//! current minute and of the 1439 whole minutes before it, so it covers between 23 h 59
//! min and 24 h of history. Memory is bounded by 1440 buckets (only minutes with trades
//! take one) whatever the trade rate. A trade costs O(1) when it falls in the newest
//! minute (and O(log n) when it arrives late, into an earlier one); volumes and the
//! trade count are running sums, exact because they are decimals; the high and low are
//! cached and recomputed over the buckets only after a bucket holding one of them
//! expires.
use std::collections::VecDeque;

use quorum_domain::Decimal;

pub const MINUTE_MS: i64 = 60_000;
/// Minutes in the window.
pub const WINDOW_MINUTES: i64 = 1_440;
/// How far ahead of our clock a trade may be stamped (venue clocks differ a little).
pub const FUTURE_TOLERANCE_MS: i64 = 60_000;

/// A price and when it traded (Unix ms).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PricePoint {
    pub price: Decimal,
    pub at_ms: i64,
}

/// What happened to a trade offered to the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Insert {
    Added,
    /// Before the window's first minute.
    TooOld,
    /// Further ahead of our clock than [`FUTURE_TOLERANCE_MS`].
    TooNew,
    /// Its notional or the window's volumes would not fit in a decimal.
    Overflow,
}

/// The window's statistics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WindowStats {
    /// The earliest trade in the window.
    pub open: PricePoint,
    /// The latest trade in the window (of equal times, the one received last).
    pub close: PricePoint,
    pub high: Decimal,
    pub low: Decimal,
    pub base_volume: Decimal,
    pub quote_volume: Decimal,
    pub trade_count: u64,
}

#[derive(Debug, Clone, Default)]
pub struct RollingWindow {
    /// Minutes with trades, oldest first.
    buckets: VecDeque<Bucket>,
    base_volume: Decimal,
    quote_volume: Decimal,
    trade_count: u64,
    /// (high, low) over the buckets; `None` when it must be recomputed.
    extremes: Option<(Decimal, Decimal)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Bucket {
    minute: i64,
    open: PricePoint,
    close: PricePoint,
    high: Decimal,
    low: Decimal,
    base_volume: Decimal,
    quote_volume: Decimal,
    trade_count: u64,
}

/// The first minute (minutes since the Unix epoch) of the window at `now_ms`.
pub fn window_start_minute(now_ms: i64) -> i64 {
    now_ms.div_euclid(MINUTE_MS) - (WINDOW_MINUTES - 1)
}

impl RollingWindow {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a trade of `quantity` at `price`, traded at `at_ms`, as seen at `now_ms`.
    pub fn insert(&mut self, price: Decimal, quantity: Decimal, at_ms: i64, now_ms: i64) -> Insert {
        self.expire(now_ms);
        if at_ms > now_ms.saturating_add(FUTURE_TOLERANCE_MS) {
            return Insert::TooNew;
        }
        let minute = at_ms.div_euclid(MINUTE_MS);
        if minute < window_start_minute(now_ms) {
            return Insert::TooOld;
        }
        let Some(notional) = price.checked_mul(quantity) else {
            return Insert::Overflow;
        };
        let (Some(base_volume), Some(quote_volume)) = (
            self.base_volume.checked_add(quantity),
            self.quote_volume.checked_add(notional),
        ) else {
            return Insert::Overflow;
        };
        let was_empty = self.buckets.is_empty();
        let point = PricePoint { price, at_ms };
        let position = self
            .buckets
            .partition_point(|bucket| bucket.minute < minute);
        match self.buckets.get_mut(position) {
            Some(bucket) if bucket.minute == minute => bucket.add(point, quantity, notional),
            _ => self
                .buckets
                .insert(position, Bucket::first(minute, point, quantity, notional)),
        }
        self.base_volume = base_volume;
        self.quote_volume = quote_volume;
        self.trade_count = self.trade_count.saturating_add(1);
        self.extremes = match self.extremes {
            Some((high, low)) => Some((high.max(price), low.min(price))),
            None if was_empty => Some((price, price)),
            None => None,
        };
        Insert::Added
    }

    /// The statistics at `now_ms`; `None` when no trade is left in the window.
    pub fn stats(&mut self, now_ms: i64) -> Option<WindowStats> {
        self.expire(now_ms);
        let open = self.buckets.front()?.open;
        let close = self.buckets.back()?.close;
        let (high, low) = match self.extremes {
            Some(extremes) => extremes,
            None => {
                let extremes = self.recompute_extremes()?;
                self.extremes = Some(extremes);
                extremes
            }
        };
        Some(WindowStats {
            open,
            close,
            high,
            low,
            base_volume: self.base_volume,
            quote_volume: self.quote_volume,
            trade_count: self.trade_count,
        })
    }

    /// Minutes with trades currently held.
    pub fn bucket_count(&self) -> usize {
        self.buckets.len()
    }

    /// Drops the buckets that have left the window at `now_ms`.
    fn expire(&mut self, now_ms: i64) {
        let start = window_start_minute(now_ms);
        while let Some(bucket) = self.buckets.front().filter(|bucket| bucket.minute < start) {
            // Subtracting what was added is exact for decimals and cannot overflow.
            self.base_volume -= bucket.base_volume;
            self.quote_volume -= bucket.quote_volume;
            self.trade_count = self.trade_count.saturating_sub(bucket.trade_count);
            if let Some((high, low)) = self.extremes
                && (bucket.high >= high || bucket.low <= low)
            {
                self.extremes = None;
            }
            self.buckets.pop_front();
        }
        if self.buckets.is_empty() {
            self.extremes = None;
        }
    }

    fn recompute_extremes(&self) -> Option<(Decimal, Decimal)> {
        let first = self.buckets.front()?;
        Some(
            self.buckets
                .iter()
                .fold((first.high, first.low), |(high, low), bucket| {
                    (high.max(bucket.high), low.min(bucket.low))
                }),
        )
    }
}

impl Bucket {
    fn first(minute: i64, point: PricePoint, quantity: Decimal, notional: Decimal) -> Self {
        Self {
            minute,
            open: point,
            close: point,
            high: point.price,
            low: point.price,
            base_volume: quantity,
            quote_volume: notional,
            trade_count: 1,
        }
    }

    fn add(&mut self, point: PricePoint, quantity: Decimal, notional: Decimal) {
        // A late trade earlier than the bucket's first becomes its open.
        if point.at_ms < self.open.at_ms {
            self.open = point;
        }
        if point.at_ms >= self.close.at_ms {
            self.close = point;
        }
        self.high = self.high.max(point.price);
        self.low = self.low.min(point.price);
        self.base_volume += quantity;
        self.quote_volume += notional;
        self.trade_count = self.trade_count.saturating_add(1);
    }
}

#[cfg(test)]
mod tests;
