//! The book aggregated across venues: at each price, the sum of the venues' quantities,
//! consolidated so that prices crossing between venues are netted out.
//!
//! The best `depth` aggregated levels only ever come from each venue's best `depth`
//! levels: a price below a venue's top `depth` has `depth` better prices above it in the
//! aggregate too. So a depth-limited read sums only the tops of the books.
use std::collections::BTreeMap;
use std::fmt;

use quorum_domain::{Decimal, Level, Side};
use quorum_quant::OrderBook;

/// A sum that does not fit an exact decimal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Overflow;

impl fmt::Display for Overflow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a sum of prices or quantities does not fit an exact decimal")
    }
}

impl std::error::Error for Overflow {}

/// Levels of both sides, best first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sides {
    pub bids: Vec<Level>,
    pub asks: Vec<Level>,
}

impl Sides {
    pub fn side(&self, side: Side) -> &[Level] {
        match side {
            Side::Buy => &self.bids,
            Side::Sell => &self.asks,
        }
    }
}

/// The best `depth` levels per side of the sum of `books`, best first; depth 0 means
/// every level.
pub fn aggregate<'a>(
    books: impl IntoIterator<Item = &'a OrderBook>,
    depth: usize,
) -> Result<Sides, Overflow> {
    let mut bids = BTreeMap::new();
    let mut asks = BTreeMap::new();
    for book in books {
        add_levels(&mut bids, take(book.bids(), depth))?;
        add_levels(&mut asks, take(book.asks(), depth))?;
    }
    let limit = if depth == 0 { usize::MAX } else { depth };
    Ok(Sides {
        bids: bids.into_iter().rev().take(limit).map(level).collect(),
        asks: asks.into_iter().take(limit).map(level).collect(),
    })
}

/// The consolidated book: the aggregate with prices that cross between venues netted
/// out, as if the crossing bids and asks had traded against each other (best bid against
/// best ask, the smaller quantity from both, until the book no longer crosses). What is
/// left is what a taker could still find on either side. Per-venue books keep every
/// level, so a cross-venue arbitrage stays visible there.
pub fn consolidated<'a>(
    books: impl IntoIterator<Item = &'a OrderBook> + Clone,
    depth: usize,
) -> Result<Sides, Overflow> {
    let top = aggregate(books.clone(), depth)?;
    if !is_crossed(&top) {
        return Ok(top);
    }
    // Netting removes levels from the top, so levels below `depth` move up: use them all.
    let mut sides = aggregate(books, 0)?;
    uncross(&mut sides);
    if depth > 0 {
        sides.bids.truncate(depth);
        sides.asks.truncate(depth);
    }
    Ok(sides)
}

fn is_crossed(sides: &Sides) -> bool {
    matches!((sides.bids.first(), sides.asks.first()), (Some(bid), Some(ask)) if bid.price >= ask.price)
}

/// Nets the best bid against the best ask while they cross.
fn uncross(sides: &mut Sides) {
    let (mut bid_index, mut ask_index) = (0, 0);
    while let (Some(bid), Some(ask)) = (sides.bids.get(bid_index), sides.asks.get(ask_index)) {
        if bid.price < ask.price {
            break;
        }
        let traded = bid.quantity.min(ask.quantity);
        sides.bids[bid_index].quantity -= traded;
        sides.asks[ask_index].quantity -= traded;
        if sides.bids[bid_index].quantity.is_zero() {
            bid_index += 1;
        }
        if sides.asks[ask_index].quantity.is_zero() {
            ask_index += 1;
        }
    }
    sides.bids.drain(..bid_index);
    sides.asks.drain(..ask_index);
}

/// The best `depth` levels per side of one book; depth 0 means every level.
pub fn top(book: &OrderBook, depth: usize) -> Sides {
    let (bids, asks) = book.top(depth);
    Sides { bids, asks }
}

fn take<'a>(
    levels: impl Iterator<Item = &'a Level>,
    depth: usize,
) -> impl Iterator<Item = &'a Level> {
    levels.take(if depth == 0 { usize::MAX } else { depth })
}

fn add_levels<'a>(
    sums: &mut BTreeMap<Decimal, Decimal>,
    levels: impl Iterator<Item = &'a Level>,
) -> Result<(), Overflow> {
    for added in levels {
        let sum = sums.entry(added.price).or_insert(Decimal::ZERO);
        *sum = sum.checked_add(added.quantity).ok_or(Overflow)?;
    }
    Ok(())
}

fn level((price, quantity): (Decimal, Decimal)) -> Level {
    Level::new(price, quantity)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rust_decimal::dec;
    use std::collections::HashMap;

    fn book(bids: &[(Decimal, Decimal)], asks: &[(Decimal, Decimal)]) -> OrderBook {
        let levels = |side: &[(Decimal, Decimal)]| -> Vec<Level> {
            side.iter().map(|&(p, q)| Level::new(p, q)).collect()
        };
        OrderBook::from_levels(&levels(bids), &levels(asks))
    }

    #[test]
    fn quantities_at_equal_prices_add_up_across_venues() {
        let binance = book(
            &[(dec!(100), dec!(1)), (dec!(99.5), dec!(2))],
            &[(dec!(101), dec!(1))],
        );
        let coinbase = book(
            &[(dec!(100.0), dec!(0.5)), (dec!(99), dec!(4))],
            &[(dec!(101.00), dec!(2)), (dec!(102), dec!(1))],
        );
        let sides = aggregate([&binance, &coinbase], 0).unwrap();
        assert_eq!(
            sides.bids,
            vec![
                Level::new(dec!(100), dec!(1.5)),
                Level::new(dec!(99.5), dec!(2)),
                Level::new(dec!(99), dec!(4)),
            ]
        );
        assert_eq!(
            sides.asks,
            vec![
                Level::new(dec!(101), dec!(3)),
                Level::new(dec!(102), dec!(1))
            ]
        );
        let top_one = aggregate([&binance, &coinbase], 1).unwrap();
        assert_eq!(top_one.bids, vec![Level::new(dec!(100), dec!(1.5))]);
        assert_eq!(top_one.side(Side::Sell), &[Level::new(dec!(101), dec!(3))]);
    }

    #[test]
    fn no_books_make_an_empty_aggregate_and_overflow_is_reported() {
        assert_eq!(aggregate(std::iter::empty(), 5).unwrap(), Sides::default());
        let huge = book(&[(dec!(1), Decimal::MAX)], &[]);
        assert_eq!(aggregate([&huge, &huge], 0), Err(Overflow));
    }

    #[test]
    fn prices_crossing_between_venues_are_netted_out() {
        // binance bids 101 while coinbase asks 100.5 and 101: an arbitrage.
        let binance = book(
            &[(dec!(101), dec!(3)), (dec!(99), dec!(1))],
            &[(dec!(102), dec!(1))],
        );
        let coinbase = book(
            &[(dec!(100), dec!(2))],
            &[(dec!(100.5), dec!(1)), (dec!(101), dec!(1))],
        );
        let sides = consolidated([&binance, &coinbase], 0).unwrap();
        // 101 x3 nets 100.5 x1 and 101 x1: bid 101 x1 is left, asks start at 102.
        assert_eq!(
            sides.bids,
            vec![
                Level::new(dec!(101), dec!(1)),
                Level::new(dec!(100), dec!(2)),
                Level::new(dec!(99), dec!(1))
            ]
        );
        assert_eq!(sides.asks, vec![Level::new(dec!(102), dec!(1))]);
        let top = consolidated([&binance, &coinbase], 1).unwrap();
        assert_eq!(top.bids, vec![Level::new(dec!(101), dec!(1))]);
        assert_eq!(top.asks, vec![Level::new(dec!(102), dec!(1))]);
    }

    /// (price in cents, quantity) levels of one side.
    type SideLevels = Vec<(u32, u32)>;

    /// Books as levels per side; few distinct prices so venues share levels often.
    fn venue_books() -> impl Strategy<Value = Vec<(SideLevels, SideLevels)>> {
        let side = || prop::collection::vec((1u32..40, 1u32..1000), 0..25);
        prop::collection::vec((side(), side()), 0..5)
    }

    fn cents(value: u32) -> Decimal {
        Decimal::new(i64::from(value), 2)
    }

    fn books_of(venues: &[(SideLevels, SideLevels)]) -> Vec<OrderBook> {
        venues
            .iter()
            .map(|(bids, asks)| {
                let levels = |side: &SideLevels| -> Vec<Level> {
                    side.iter()
                        .map(|&(p, q)| Level::new(cents(p), Decimal::from(q)))
                        .collect()
                };
                OrderBook::from_levels(&levels(bids), &levels(asks))
            })
            .collect()
    }

    fn total(levels: &[Level]) -> Decimal {
        levels.iter().map(|level| level.quantity).sum()
    }

    proptest! {
        #[test]
        fn the_consolidated_book_never_crosses_and_nets_equal_quantities(
            venues in venue_books(),
            depth in 0usize..12,
        ) {
            let books = books_of(&venues);
            let sum = aggregate(books.iter(), 0).unwrap();
            let full = consolidated(books.iter(), 0).unwrap();
            prop_assert!(!is_crossed(&full));
            // Netting takes the same quantity from both sides.
            prop_assert_eq!(total(&sum.bids) - total(&full.bids), total(&sum.asks) - total(&full.asks));
            if !is_crossed(&sum) {
                prop_assert_eq!(&full, &sum);
            }
            let mut cut = full.clone();
            if depth > 0 {
                cut.bids.truncate(depth);
                cut.asks.truncate(depth);
            }
            prop_assert_eq!(consolidated(books.iter(), depth).unwrap(), cut);
        }

        #[test]
        fn aggregating_then_reading_equals_a_reference_sum(
            venues in venue_books(),
            depth in 0usize..12,
        ) {
            let books: Vec<OrderBook> = venues
                .iter()
                .map(|(bids, asks)| {
                    let levels = |side: &SideLevels| -> Vec<Level> {
                        side.iter().map(|&(p, q)| Level::new(cents(p), Decimal::from(q))).collect()
                    };
                    OrderBook::from_levels(&levels(bids), &levels(asks))
                })
                .collect();
            let sides = aggregate(books.iter(), depth).unwrap();
            for side in [Side::Buy, Side::Sell] {
                // Reference: every level of every book summed by price, sorted, cut.
                let mut sums: HashMap<Decimal, Decimal> = HashMap::new();
                for book in &books {
                    for level in book.side(side) {
                        *sums.entry(level.price).or_default() += level.quantity;
                    }
                }
                let mut expected: Vec<Level> =
                    sums.into_iter().map(|(p, q)| Level::new(p, q)).collect();
                expected.sort_by(|a, b| match side {
                    Side::Buy => b.price.cmp(&a.price),
                    Side::Sell => a.price.cmp(&b.price),
                });
                if depth > 0 {
                    expected.truncate(depth);
                }
                prop_assert_eq!(sides.side(side), expected.as_slice());
            }
        }
    }
}
