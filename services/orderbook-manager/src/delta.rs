//! The delta that turns the levels a subscriber holds into the levels the book has now:
//! changed or new levels with their quantity, departed levels with quantity 0.
use std::collections::BTreeMap;

use quorum_domain::{Decimal, Level, Side};

use crate::aggregate::Sides;

/// Both sides of the delta from `previous` to `current`, best first.
pub fn delta(previous: &Sides, current: &Sides) -> Sides {
    Sides {
        bids: side_delta(&previous.bids, &current.bids, Side::Buy),
        asks: side_delta(&previous.asks, &current.asks, Side::Sell),
    }
}

/// Whether a delta changes nothing.
pub fn is_empty(sides: &Sides) -> bool {
    sides.bids.is_empty() && sides.asks.is_empty()
}

fn side_delta(previous: &[Level], current: &[Level], side: Side) -> Vec<Level> {
    let held: BTreeMap<Decimal, Decimal> = previous
        .iter()
        .map(|level| (level.price, level.quantity))
        .collect();
    let now: BTreeMap<Decimal, Decimal> = current
        .iter()
        .map(|level| (level.price, level.quantity))
        .collect();
    let mut changes: Vec<Level> = now
        .iter()
        .filter(|(price, quantity)| held.get(price) != Some(quantity))
        .map(|(&price, &quantity)| Level::new(price, quantity))
        .collect();
    changes.extend(
        held.keys()
            .filter(|price| !now.contains_key(price))
            .map(|&price| Level::new(price, Decimal::ZERO)),
    );
    changes.sort_by(|a, b| match side {
        Side::Buy => b.price.cmp(&a.price),
        Side::Sell => a.price.cmp(&b.price),
    });
    changes
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use quorum_quant::OrderBook;
    use rust_decimal::dec;

    fn level(price: Decimal, quantity: Decimal) -> Level {
        Level::new(price, quantity)
    }

    #[test]
    fn changed_new_and_departed_levels_are_sent_best_first() {
        let previous = Sides {
            bids: vec![level(dec!(100), dec!(1)), level(dec!(99), dec!(2))],
            asks: vec![level(dec!(101), dec!(1))],
        };
        let current = Sides {
            bids: vec![level(dec!(100.5), dec!(4)), level(dec!(100), dec!(1))],
            asks: vec![level(dec!(101), dec!(3)), level(dec!(102), dec!(1))],
        };
        let change = delta(&previous, &current);
        assert_eq!(
            change.bids,
            vec![level(dec!(100.5), dec!(4)), level(dec!(99), dec!(0))]
        );
        assert_eq!(
            change.asks,
            vec![level(dec!(101), dec!(3)), level(dec!(102), dec!(1))]
        );
        assert!(is_empty(&delta(&current, &current)));
    }

    fn arbitrary_sides() -> impl Strategy<Value = Sides> {
        let side = || {
            prop::collection::btree_map(1i64..30, 1i64..50, 0..12).prop_map(|levels| {
                levels
                    .into_iter()
                    .map(|(p, q)| Level::new(Decimal::from(p), Decimal::from(q)))
                    .collect::<Vec<_>>()
            })
        };
        (side(), side()).prop_map(|(mut bids, asks)| {
            bids.reverse();
            Sides { bids, asks }
        })
    }

    proptest! {
        #[test]
        fn applying_the_delta_to_the_previous_levels_gives_the_current_ones(
            previous in arbitrary_sides(),
            current in arbitrary_sides(),
        ) {
            let mut book = OrderBook::from_levels(&previous.bids, &previous.asks);
            let change = delta(&previous, &current);
            book.apply_all(Side::Buy, &change.bids);
            book.apply_all(Side::Sell, &change.asks);
            let (bids, asks) = book.top(0);
            prop_assert_eq!(bids, current.bids);
            prop_assert_eq!(asks, current.asks);
        }
    }
}
