//! Unit tests of paper execution: shared fixtures, then orders that take liquidity
//! (`taking`) and orders that rest on the book (`resting`).
use super::*;
use quorum_domain::{Level, Side};
use rust_decimal::dec;

pub(super) const NOW: i64 = 1_700_000_000_000;

pub(super) fn engine() -> PaperEngine {
    let fees = FeeRates {
        taker: dec!(0.001),
        maker: dec!(0.0005),
    };
    let balances = vec![
        ("USDT".to_string(), dec!(10000)),
        ("BTC".to_string(), dec!(1)),
    ];
    PaperEngine::new(Venue::Binance, fees, balances, "paper")
}

pub(super) fn instrument() -> Instrument {
    Instrument {
        venue: Venue::Binance,
        symbol: symbol(),
        venue_symbol: "BTCUSDT".into(),
        tick_size: dec!(0.01),
        lot_size: dec!(0.001),
        min_notional: dec!(5),
    }
}

pub(super) fn symbol() -> Symbol {
    "BTC-USDT".parse().unwrap()
}

/// Bids 99 x 1, 98 x 2; asks 100 x 1, 101 x 2, 102 x 5.
pub(super) fn book() -> OrderBook {
    OrderBook::from_levels(
        &[Level::new(dec!(99), dec!(1)), Level::new(dec!(98), dec!(2))],
        &[
            Level::new(dec!(100), dec!(1)),
            Level::new(dec!(101), dec!(2)),
            Level::new(dec!(102), dec!(5)),
        ],
    )
}

pub(super) fn order(
    side: Side,
    order_type: OrderType,
    quantity: Decimal,
    price: Option<Decimal>,
) -> NewOrder {
    NewOrder {
        account: String::new(),
        client_order_id: String::new(),
        symbol: symbol(),
        side,
        order_type,
        time_in_force: price.map(|_| TimeInForce::Gtc),
        post_only: false,
        quantity,
        price,
    }
}

pub(super) fn limit(side: Side, quantity: Decimal, price: Decimal, tif: TimeInForce) -> NewOrder {
    NewOrder {
        time_in_force: Some(tif),
        ..order(side, OrderType::Limit, quantity, Some(price))
    }
}

pub(super) fn balance(engine: &PaperEngine, asset: &str) -> (Decimal, Decimal) {
    engine
        .balances("default")
        .into_iter()
        .find(|b| b.asset == asset)
        .map(|b| (b.free, b.locked))
        .unwrap_or_default()
}

pub(super) fn update(asks: Vec<Level>) -> BookUpdate {
    BookUpdate {
        venue: Venue::Binance,
        symbol: symbol(),
        sequence: 1,
        snapshot: false,
        bids: vec![],
        asks,
        event_ms: NOW,
    }
}

mod resting;
mod state;
mod taking;
