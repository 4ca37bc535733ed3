//! The book against a simple reference model: after any sequence of changes both hold
//! the same levels in the same order.
use std::collections::BTreeMap;

use proptest::prelude::*;
use quorum_domain::{Decimal, Level, Side};
use quorum_quant::OrderBook;

#[derive(Debug, Clone)]
struct Change {
    side: Side,
    price_ticks: u32,
    quantity_lots: u32,
}

fn change() -> impl Strategy<Value = Change> {
    (any::<bool>(), 1u32..200, 0u32..5).prop_map(|(buy, price_ticks, quantity_lots)| Change {
        side: if buy { Side::Buy } else { Side::Sell },
        price_ticks,
        // One change in five is a removal.
        quantity_lots,
    })
}

/// Prices on a 0.5 tick; ticks above 190 get a 20th decimal, which switches a side from
/// fixed-point keys to decimal comparisons mid-stream.
fn price(ticks: u32) -> Decimal {
    let price = Decimal::new(i64::from(ticks) * 5, 1);
    if ticks > 190 {
        price + Decimal::new(1, 20)
    } else {
        price
    }
}

fn quantity(lots: u32) -> Decimal {
    Decimal::new(i64::from(lots) * 25, 2)
}

proptest! {
    #[test]
    fn matches_a_btreemap_reference(
        snapshot in prop::collection::vec(change(), 0..50),
        changes in prop::collection::vec(change(), 0..400),
    ) {
        let mut reference: [BTreeMap<Decimal, Decimal>; 2] = [BTreeMap::new(), BTreeMap::new()];
        let slot = |side: Side| usize::from(side == Side::Sell);
        let mut bids = Vec::new();
        let mut asks = Vec::new();
        for change in &snapshot {
            let level = Level::new(price(change.price_ticks), quantity(change.quantity_lots));
            match change.side {
                Side::Buy => bids.push(level),
                Side::Sell => asks.push(level),
            }
        }
        let mut book = OrderBook::from_levels(&bids, &asks);
        for change in snapshot.iter().chain(changes.iter()) {
            let map = &mut reference[slot(change.side)];
            let (p, q) = (price(change.price_ticks), quantity(change.quantity_lots));
            if q.is_zero() { map.remove(&p); } else { map.insert(p, q); }
        }
        for change in &changes {
            book.apply(change.side, price(change.price_ticks), quantity(change.quantity_lots));
        }
        let expected_bids: Vec<Level> = reference[0].iter().rev().map(|(p, q)| Level::new(*p, *q)).collect();
        let expected_asks: Vec<Level> = reference[1].iter().map(|(p, q)| Level::new(*p, *q)).collect();
        let (got_bids, got_asks) = book.top(0);
        prop_assert_eq!(got_bids, expected_bids);
        prop_assert_eq!(got_asks, expected_asks);
    }
}
