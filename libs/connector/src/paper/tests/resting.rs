//! Orders that rest: locked funds, cancels, maker fills from book changes and trades.
use super::*;
use quorum_domain::{Level, Side};
use rust_decimal::dec;

#[test]
fn a_resting_order_locks_funds_and_cancel_releases_them() {
    let mut engine = engine();
    let bid = NewOrder {
        client_order_id: "bid-1".into(),
        ..limit(Side::Buy, dec!(2), dec!(95), TimeInForce::Gtc)
    };
    let placed = engine.place(bid, &instrument(), &book(), NOW).unwrap();
    // 190 notional plus the larger fee rate (0.1 %).
    assert_eq!(balance(&engine, "USDT"), (dec!(9809.81), dec!(190.19)));
    assert_eq!(engine.open_orders("default", Some(&symbol())).len(), 1);

    let cancelled = engine
        .cancel("default", OrderRef::Client("bid-1"), NOW + 1)
        .unwrap();
    assert_eq!(cancelled.order_id, placed.order.order_id);
    assert_eq!(cancelled.status, OrderStatus::Canceled);
    assert_eq!(balance(&engine, "USDT"), (dec!(10000), dec!(0)));
    assert!(engine.open_orders("default", None).is_empty());
    assert!(matches!(
        engine.cancel("default", OrderRef::Id(&placed.order.order_id), NOW),
        Err(CancelError::NotOpen(_))
    ));
    assert_eq!(
        engine.cancel("default", OrderRef::Id("nope"), NOW),
        Err(CancelError::NotFound)
    );
    assert_eq!(
        engine.cancel("someone-else", OrderRef::Id(&placed.order.order_id), NOW),
        Err(CancelError::NotFound)
    );
}

#[test]
fn a_resting_sell_locks_the_base_asset() {
    let mut engine = engine();
    engine
        .place(
            limit(Side::Sell, dec!(0.4), dec!(105), TimeInForce::Gtc),
            &instrument(),
            &book(),
            NOW,
        )
        .unwrap();
    assert_eq!(balance(&engine, "BTC"), (dec!(0.6), dec!(0.4)));
}

#[test]
fn a_gtc_remainder_does_not_refill_from_liquidity_it_already_took() {
    let mut engine = engine();
    let placed = engine
        .place(
            limit(Side::Buy, dec!(1.5), dec!(100), TimeInForce::Gtc),
            &instrument(),
            &book(),
            NOW,
        )
        .unwrap();
    assert_eq!(placed.order.status, OrderStatus::PartiallyFilled);
    assert_eq!(placed.fills.len(), 1);

    // An update elsewhere in the book: the 100 level it took is still shown but is spent.
    let fills = engine.on_book(
        &symbol(),
        &[update(vec![Level::new(dec!(102), dec!(4))])],
        &book(),
        NOW + 1,
    );
    assert!(fills.is_empty(), "{fills:?}");

    // The venue refreshes the 100 level: the remainder fills there as a maker.
    let fills = engine.on_book(
        &symbol(),
        &[update(vec![Level::new(dec!(100), dec!(1))])],
        &book(),
        NOW + 2,
    );
    assert_eq!(fills.len(), 1);
    assert_eq!(fills[0].quantity, dec!(0.5));
    assert_eq!(fills[0].liquidity, Liquidity::Maker);
    assert_eq!(fills[0].fee, dec!(0.025), "maker fee on 50");
    let order = engine
        .get("default", OrderRef::Id(&placed.order.order_id))
        .unwrap();
    assert_eq!(order.status, OrderStatus::Filled);
    assert_eq!(order.fills.len(), 2);
    assert_eq!(
        balance(&engine, "USDT").1,
        dec!(0),
        "the lock is released when filled"
    );
}

#[test]
fn a_falling_ask_fills_a_resting_bid_at_its_own_price() {
    let mut engine = engine();
    engine
        .place(
            limit(Side::Buy, dec!(1), dec!(99.5), TimeInForce::Gtc),
            &instrument(),
            &book(),
            NOW,
        )
        .unwrap();
    let lower = OrderBook::from_levels(
        &[Level::new(dec!(99), dec!(1))],
        &[
            Level::new(dec!(99.2), dec!(0.3)),
            Level::new(dec!(100), dec!(1)),
        ],
    );
    let fills = engine.on_book(
        &symbol(),
        &[update(vec![Level::new(dec!(99.2), dec!(0.3))])],
        &lower,
        NOW + 5,
    );
    assert_eq!(fills.len(), 1);
    assert_eq!((fills[0].price, fills[0].quantity), (dec!(99.5), dec!(0.3)));
    let open = engine.open_orders("default", None);
    assert_eq!(open[0].status, OrderStatus::PartiallyFilled);
    assert_eq!(open[0].remaining(), dec!(0.7));
}

#[test]
fn a_trade_through_fills_a_resting_order_but_a_trade_at_its_price_does_not() {
    let mut engine = engine();
    engine
        .place(
            limit(Side::Sell, dec!(1), dec!(101.5), TimeInForce::Gtc),
            &instrument(),
            &book(),
            NOW,
        )
        .unwrap();
    let trade = |price: Decimal, taker_side: Side| Trade {
        venue: Venue::Binance,
        symbol: symbol(),
        trade_id: "t".into(),
        price,
        quantity: dec!(0.25),
        taker_side,
        traded_at_ms: NOW,
    };
    assert!(
        engine
            .on_trade(&trade(dec!(101.5), Side::Buy), NOW)
            .is_empty()
    );
    assert!(
        engine
            .on_trade(&trade(dec!(102), Side::Sell), NOW)
            .is_empty()
    );
    let fills = engine.on_trade(&trade(dec!(102), Side::Buy), NOW);
    assert_eq!(fills.len(), 1);
    assert_eq!(
        (fills[0].price, fills[0].quantity),
        (dec!(101.5), dec!(0.25))
    );
    assert_eq!(fills[0].liquidity, Liquidity::Maker);
}
