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
    bids: Vec<Level>,
    /// Descending by price: best ask last.
    asks: Vec<Level>,
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
        self.bids.clear();
        self.asks.clear();
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
        let levels = match side {
            Side::Buy => &mut self.bids,
            Side::Sell => &mut self.asks,
        };
        let found = levels.binary_search_by(|level| worse_first(side, level.price, price));
        match (found, quantity > Decimal::ZERO) {
            (Ok(index), true) => levels[index].quantity = quantity,
            (Ok(index), false) => {
                levels.remove(index);
            }
            (Err(index), true) => levels.insert(index, Level::new(price, quantity)),
            (Err(_), false) => {}
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
        self.bids.last().copied()
    }

    pub fn best_ask(&self) -> Option<Level> {
        self.asks.last().copied()
    }

    /// Bids, best (highest) first.
    pub fn bids(&self) -> impl ExactSizeIterator<Item = &Level> + '_ {
        self.bids.iter().rev()
    }

    /// Asks, best (lowest) first.
    pub fn asks(&self) -> impl ExactSizeIterator<Item = &Level> + '_ {
        self.asks.iter().rev()
    }

    /// Levels of one side, best first.
    pub fn side(&self, side: Side) -> impl ExactSizeIterator<Item = &Level> + '_ {
        match side {
            Side::Buy => self.bids.iter().rev(),
            Side::Sell => self.asks.iter().rev(),
        }
    }

    /// The best `depth` levels of each side, best first; depth 0 means all.
    pub fn top(&self, depth: usize) -> (Vec<Level>, Vec<Level>) {
        let take = |len: usize| if depth == 0 { len } else { depth.min(len) };
        (
            self.bids().take(take(self.bids.len())).copied().collect(),
            self.asks().take(take(self.asks.len())).copied().collect(),
        )
    }

    pub fn bid_levels(&self) -> usize {
        self.bids.len()
    }

    pub fn ask_levels(&self) -> usize {
        self.asks.len()
    }

    pub fn is_empty(&self) -> bool {
        self.bids.is_empty() && self.asks.is_empty()
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
