//! An L2 order book: price levels with absolute quantities, exact decimals.
//!
//! Each side is a vector sorted so that the best level is LAST (bids ascending, asks
//! descending): most changes happen near the top of the book, and there an insert or
//! removal moves only the few levels after it.
use std::cmp::Ordering;

use quorum_domain::{Decimal, Level, Side};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrderBook {
    /// Ascending by price: best bid last.
    bids: SideLevels,
    /// Descending by price: best ask last.
    asks: SideLevels,
}

/// One side: levels sorted worst first, and beside them each price as a fixed-point
/// integer, which compares several times faster than a decimal. A price the integer
/// cannot hold exactly (more than 18 decimals, or astronomically large) switches the
/// side to comparing decimals, so the book stays exact whatever it is fed.
#[derive(Debug, Clone, Default)]
struct SideLevels {
    levels: Vec<Level>,
    /// `keys[i]` is `levels[i].price` scaled by 10^18; empty in decimal mode.
    keys: Vec<i128>,
    decimal_mode: bool,
}

/// Two sides are equal when they hold the same levels, however they compare prices.
impl PartialEq for SideLevels {
    fn eq(&self, other: &Self) -> bool {
        self.levels == other.levels
    }
}

impl Eq for SideLevels {}

/// Decimals a fixed-point key keeps.
const KEY_DECIMALS: u32 = 18;

/// The price scaled by 10^18 when that is exact and fits.
fn price_key(price: Decimal) -> Option<i128> {
    let (mantissa, scale) = if price.scale() > KEY_DECIMALS {
        let normalized = price.normalize();
        (normalized.mantissa(), normalized.scale())
    } else {
        (price.mantissa(), price.scale())
    };
    let factor = 10_i128.checked_pow(KEY_DECIMALS.checked_sub(scale)?)?;
    mantissa.checked_mul(factor)
}

impl SideLevels {
    /// Where `price` is (Ok) or would go (Err), for the side whose best level is last.
    fn find(&self, side: Side, price: Decimal, key: Option<i128>) -> Result<usize, usize> {
        match (self.decimal_mode, key) {
            (false, Some(key)) => self.keys.binary_search_by(|probe| match side {
                Side::Buy => probe.cmp(&key),
                Side::Sell => key.cmp(probe),
            }),
            _ => self
                .levels
                .binary_search_by(|level| worse_first(side, level.price, price)),
        }
    }

    fn set(&mut self, side: Side, price: Decimal, quantity: Decimal) {
        let key = if self.decimal_mode {
            None
        } else {
            price_key(price)
        };
        if key.is_none() && !self.decimal_mode {
            self.decimal_mode = true;
            self.keys = Vec::new();
        }
        let found = self.find(side, price, key);
        match (found, quantity > Decimal::ZERO) {
            (Ok(index), true) => self.levels[index].quantity = quantity,
            (Ok(index), false) => {
                self.levels.remove(index);
                if !self.decimal_mode {
                    self.keys.remove(index);
                }
            }
            (Err(index), true) => {
                self.levels.insert(index, Level::new(price, quantity));
                if let Some(key) = key {
                    self.keys.insert(index, key);
                }
            }
            (Err(_), false) => {}
        }
    }

    fn clear(&mut self) {
        self.levels.clear();
        self.keys.clear();
        self.decimal_mode = false;
    }
}

impl OrderBook {
    pub fn new() -> Self {
        Self::default()
    }

    /// A book holding exactly these levels (any order; zero quantities are skipped;
    /// the last of repeated prices wins).
    pub fn from_levels(bids: &[Level], asks: &[Level]) -> Self {
        let mut book = Self::new();
        book.replace(bids, asks);
        book
    }

    /// Replaces the whole book with a snapshot.
    pub fn replace(&mut self, bids: &[Level], asks: &[Level]) {
        self.clear();
        for level in bids {
            self.apply(Side::Buy, level.price, level.quantity);
        }
        for level in asks {
            self.apply(Side::Sell, level.price, level.quantity);
        }
    }

    /// Sets the quantity at a price (absolute, as venues send it); 0 removes the level.
    /// Negative quantities are treated as 0.
    pub fn apply(&mut self, side: Side, price: Decimal, quantity: Decimal) {
        match side {
            Side::Buy => self.bids.set(side, price, quantity),
            Side::Sell => self.asks.set(side, price, quantity),
        }
    }

    /// Applies every level of a delta to one side.
    pub fn apply_all(&mut self, side: Side, levels: &[Level]) {
        for level in levels {
            self.apply(side, level.price, level.quantity);
        }
    }

    pub fn clear(&mut self) {
        self.bids.clear();
        self.asks.clear();
    }

    pub fn best_bid(&self) -> Option<Level> {
        self.bids.levels.last().copied()
    }

    pub fn best_ask(&self) -> Option<Level> {
        self.asks.levels.last().copied()
    }

    /// Bids, best (highest) first.
    pub fn bids(&self) -> impl ExactSizeIterator<Item = &Level> + '_ {
        self.bids.levels.iter().rev()
    }

    /// Asks, best (lowest) first.
    pub fn asks(&self) -> impl ExactSizeIterator<Item = &Level> + '_ {
        self.asks.levels.iter().rev()
    }

    /// Levels of one side, best first.
    pub fn side(&self, side: Side) -> impl ExactSizeIterator<Item = &Level> + '_ {
        match side {
            Side::Buy => self.bids.levels.iter().rev(),
            Side::Sell => self.asks.levels.iter().rev(),
        }
    }

    /// The best `depth` levels of each side, best first; depth 0 means all.
    pub fn top(&self, depth: usize) -> (Vec<Level>, Vec<Level>) {
        let take = |len: usize| if depth == 0 { len } else { depth.min(len) };
        (
            self.bids()
                .take(take(self.bids.levels.len()))
                .copied()
                .collect(),
            self.asks()
                .take(take(self.asks.levels.len()))
                .copied()
                .collect(),
        )
    }

    pub fn bid_levels(&self) -> usize {
        self.bids.levels.len()
    }

    pub fn ask_levels(&self) -> usize {
        self.asks.levels.len()
    }

    pub fn is_empty(&self) -> bool {
        self.bids.levels.is_empty() && self.asks.levels.is_empty()
    }

    /// True when the best bid is at or above the best ask, which a healthy venue book
    /// never shows.
    pub fn is_crossed(&self) -> bool {
        match (self.best_bid(), self.best_ask()) {
            (Some(bid), Some(ask)) => bid.price >= ask.price,
            _ => false,
        }
    }

    /// (best bid + best ask) / 2, when both sides have a level.
    pub fn mid(&self) -> Option<Decimal> {
        let bid = self.best_bid()?;
        let ask = self.best_ask()?;
        Some((bid.price + ask.price) / Decimal::TWO)
    }

    /// Best ask minus best bid, when both sides have a level.
    pub fn spread(&self) -> Option<Decimal> {
        Some(self.best_ask()?.price - self.best_bid()?.price)
    }
}

/// Orders levels so that the best one of `side` is last.
fn worse_first(side: Side, level_price: Decimal, price: Decimal) -> Ordering {
    match side {
        Side::Buy => level_price.cmp(&price),
        Side::Sell => price.cmp(&level_price),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quorum_domain::Decimal;
    use std::str::FromStr;

    fn d(text: &str) -> Decimal {
        Decimal::from_str(text).unwrap()
    }

    fn level(price: &str, quantity: &str) -> Level {
        Level::new(d(price), d(quantity))
    }

    #[test]
    fn keeps_best_levels_first_and_removes_on_zero() {
        let mut book = OrderBook::from_levels(
            &[level("100", "1"), level("101", "2"), level("99", "3")],
            &[level("103", "1"), level("102", "2")],
        );
        assert_eq!(book.best_bid(), Some(level("101", "2")));
        assert_eq!(book.best_ask(), Some(level("102", "2")));
        book.apply(Side::Buy, d("101"), d("0"));
        book.apply(Side::Sell, d("101.5"), d("4"));
        book.apply(Side::Sell, d("103"), d("7"));
        let (bids, asks) = book.top(0);
        assert_eq!(bids, vec![level("100", "1"), level("99", "3")]);
        assert_eq!(
            asks,
            vec![level("101.5", "4"), level("102", "2"), level("103", "7")]
        );
        assert_eq!(book.mid(), Some(d("100.75")));
        assert_eq!(book.spread(), Some(d("1.5")));
        assert!(!book.is_crossed());
    }

    #[test]
    fn removing_an_absent_level_changes_nothing_and_equal_prices_merge() {
        let mut book = OrderBook::new();
        book.apply(Side::Buy, d("10"), d("0"));
        assert!(book.is_empty());
        book.apply(Side::Buy, d("10.0"), d("1"));
        book.apply(Side::Buy, d("10.00"), d("2"));
        assert_eq!(book.bid_levels(), 1);
        assert_eq!(book.best_bid().unwrap().quantity, d("2"));
    }

    #[test]
    fn prices_a_fixed_point_key_cannot_hold_are_still_ordered_exactly() {
        let mut book = OrderBook::new();
        book.apply(Side::Buy, d("100"), d("1"));
        book.apply(Side::Buy, d("99.5"), d("1"));
        // 20 decimals: beyond the key, so the side compares decimals from here on.
        book.apply(Side::Buy, d("99.50000000000000000001"), d("2"));
        book.apply(Side::Buy, d("99.5000"), d("3"));
        book.apply(Side::Buy, d("100"), d("0"));
        let (bids, _) = book.top(0);
        assert_eq!(
            bids,
            vec![level("99.50000000000000000001", "2"), level("99.5", "3")]
        );
        // Trailing zeros past 18 decimals still fit once normalized.
        assert_eq!(price_key(d("1.000000000000000000000")), price_key(d("1")));
        assert_eq!(price_key(Decimal::MAX), None);
        let mut asks = OrderBook::new();
        asks.apply(Side::Sell, Decimal::MAX, d("1"));
        asks.apply(Side::Sell, d("5"), d("1"));
        assert_eq!(asks.best_ask(), Some(level("5", "1")));
        assert_eq!(
            asks,
            OrderBook::from_levels(&[], &[level("5", "1"), Level::new(Decimal::MAX, d("1"))])
        );
    }

    #[test]
    fn detects_a_crossed_book_and_limits_depth() {
        let book = OrderBook::from_levels(
            &[level("10", "1"), level("9", "1"), level("8", "1")],
            &[level("10", "1")],
        );
        assert!(book.is_crossed());
        let (bids, asks) = book.top(2);
        assert_eq!(bids.len(), 2);
        assert_eq!(asks.len(), 1);
    }
}
