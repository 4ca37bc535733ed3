//! Walking the venue's book for paper orders. The venue does not know paper orders, so
//! the liquidity they take stays visible in its book; a depletion overlay remembers what
//! was taken at each level until the venue next changes that level, so the same
//! quantity is never filled twice.
use std::collections::BTreeMap;

use quorum_domain::{BookUpdate, Decimal, Level, Side};
use quorum_quant::OrderBook;

/// Quantity taken by paper orders per price level of one symbol's book.
#[derive(Debug, Clone, Default)]
pub(crate) struct Depletion {
    bids: BTreeMap<Decimal, Decimal>,
    asks: BTreeMap<Decimal, Decimal>,
}

impl Depletion {
    /// Forgets what was taken at the levels a venue update changed (all of them for a
    /// snapshot): the venue's new quantity is the truth again.
    pub fn forget(&mut self, update: &BookUpdate) {
        if update.snapshot {
            self.bids.clear();
            self.asks.clear();
            return;
        }
        for level in &update.bids {
            self.bids.remove(&level.price);
        }
        for level in &update.asks {
            self.asks.remove(&level.price);
        }
    }

    /// Records `quantity` taken from the `book_side` level at `price`.
    pub fn take(&mut self, book_side: Side, price: Decimal, quantity: Decimal) {
        *self.side_mut(book_side).entry(price).or_default() += quantity;
    }

    fn taken(&self, book_side: Side, price: Decimal) -> Decimal {
        let side = match book_side {
            Side::Buy => &self.bids,
            Side::Sell => &self.asks,
        };
        side.get(&price).copied().unwrap_or_default()
    }

    fn side_mut(&mut self, book_side: Side) -> &mut BTreeMap<Decimal, Decimal> {
        match book_side {
            Side::Buy => &mut self.bids,
            Side::Sell => &mut self.asks,
        }
    }
}

/// The levels a taker on `taker_side` may use, best first: the opposite side of the
/// book at prices no worse than `limit`, less what paper orders already took.
pub(crate) fn takeable(
    book: &OrderBook,
    depletion: &Depletion,
    taker_side: Side,
    limit: Option<Decimal>,
) -> Vec<Level> {
    let book_side = taker_side.opposite();
    book.side(book_side)
        .take_while(|level| limit.is_none_or(|limit| acceptable(taker_side, level.price, limit)))
        .filter_map(|level| {
            let quantity = level.quantity - depletion.taken(book_side, level.price);
            (quantity > Decimal::ZERO).then(|| Level::new(level.price, quantity))
        })
        .collect()
}

/// Whether a taker on `taker_side` with limit `limit` accepts `price`.
pub(crate) fn acceptable(taker_side: Side, price: Decimal, limit: Decimal) -> bool {
    match taker_side {
        Side::Buy => price <= limit,
        Side::Sell => price >= limit,
    }
}

/// The executions that fill up to `quantity` from `levels` (best first).
pub(crate) fn plan(levels: &[Level], quantity: Decimal) -> Vec<Level> {
    let mut left = quantity;
    let mut executions = Vec::new();
    for level in levels {
        if left <= Decimal::ZERO {
            break;
        }
        let take = left.min(level.quantity);
        executions.push(Level::new(level.price, take));
        left -= take;
    }
    executions
}

/// Total quantity of some levels.
pub(crate) fn total(levels: &[Level]) -> Decimal {
    levels.iter().map(|level| level.quantity).sum()
}

/// Total price times quantity of some levels.
pub(crate) fn notional(levels: &[Level]) -> Decimal {
    levels
        .iter()
        .map(|level| level.price * level.quantity)
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use quorum_domain::{Symbol, Venue};
    use rust_decimal::dec;

    fn book() -> OrderBook {
        OrderBook::from_levels(
            &[Level::new(dec!(99), dec!(1)), Level::new(dec!(98), dec!(2))],
            &[
                Level::new(dec!(100), dec!(1)),
                Level::new(dec!(101), dec!(2)),
                Level::new(dec!(102), dec!(5)),
            ],
        )
    }

    #[test]
    fn a_buyer_walks_asks_up_to_the_limit() {
        let levels = takeable(&book(), &Depletion::default(), Side::Buy, Some(dec!(101)));
        assert_eq!(
            levels,
            vec![
                Level::new(dec!(100), dec!(1)),
                Level::new(dec!(101), dec!(2))
            ]
        );
        let executions = plan(&levels, dec!(2.5));
        assert_eq!(
            executions,
            vec![
                Level::new(dec!(100), dec!(1)),
                Level::new(dec!(101), dec!(1.5))
            ]
        );
        assert_eq!(total(&executions), dec!(2.5));
        assert_eq!(notional(&executions), dec!(251.5));
    }

    #[test]
    fn a_seller_walks_bids_down_and_market_orders_have_no_limit() {
        let levels = takeable(&book(), &Depletion::default(), Side::Sell, None);
        assert_eq!(levels.len(), 2);
        assert_eq!(levels[0].price, dec!(99));
        assert!(takeable(&book(), &Depletion::default(), Side::Sell, Some(dec!(99.5))).is_empty());
    }

    #[test]
    fn taken_liquidity_stays_taken_until_the_venue_changes_the_level() {
        let mut depletion = Depletion::default();
        depletion.take(Side::Sell, dec!(100), dec!(1));
        depletion.take(Side::Sell, dec!(101), dec!(0.5));
        let levels = takeable(&book(), &depletion, Side::Buy, None);
        assert_eq!(levels[0], Level::new(dec!(101), dec!(1.5)));

        let update = BookUpdate {
            venue: Venue::Binance,
            symbol: "BTC-USDT".parse::<Symbol>().unwrap(),
            sequence: 7,
            snapshot: false,
            bids: vec![],
            asks: vec![Level::new(dec!(100), dec!(3))],
            event_ms: 0,
        };
        depletion.forget(&update);
        let levels = takeable(&book(), &depletion, Side::Buy, None);
        assert_eq!(
            levels[0],
            Level::new(dec!(100), dec!(1)),
            "level 100 is fresh"
        );
        assert_eq!(
            levels[1],
            Level::new(dec!(101), dec!(1.5)),
            "101 still depleted"
        );
        depletion.forget(&BookUpdate {
            snapshot: true,
            asks: vec![],
            ..update
        });
        assert_eq!(
            takeable(&book(), &depletion, Side::Buy, None)[1].quantity,
            dec!(2)
        );
    }
}
