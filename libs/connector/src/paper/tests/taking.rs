//! Orders that take liquidity: walking levels, fees, FOK, IOC, post-only, funds and
//! idempotency.
use super::*;
use quorum_domain::{Level, Side};
use rust_decimal::dec;

#[test]
fn a_market_buy_walks_the_asks_and_pays_the_taker_fee_in_quote() {
    let mut engine = engine();
    let placed = engine
        .place(
            order(Side::Buy, OrderType::Market, dec!(2.5), None),
            &instrument(),
            &book(),
            NOW,
        )
        .unwrap();
    let prices: Vec<(Decimal, Decimal)> =
        placed.fills.iter().map(|f| (f.price, f.quantity)).collect();
    assert_eq!(prices, vec![(dec!(100), dec!(1)), (dec!(101), dec!(1.5))]);
    assert_eq!(placed.order.status, OrderStatus::Filled);
    assert_eq!(placed.order.average_price(), Some(dec!(100.6)));
    // 251.5 notional, 0.2515 fee.
    assert_eq!(placed.order.fee, dec!(0.2515));
    assert!(
        placed
            .fills
            .iter()
            .all(|f| f.liquidity == Liquidity::Taker && f.fee_asset == "USDT")
    );
    assert_eq!(balance(&engine, "USDT"), (dec!(9748.2485), dec!(0)));
    assert_eq!(balance(&engine, "BTC"), (dec!(3.5), dec!(0)));
    assert_ne!(placed.fills[0].fill_id, placed.fills[1].fill_id);
}

#[test]
fn a_market_sell_receives_notional_less_fee() {
    let mut engine = engine();
    let placed = engine
        .place(
            order(Side::Sell, OrderType::Market, dec!(1), None),
            &instrument(),
            &book(),
            NOW,
        )
        .unwrap();
    assert_eq!(placed.fills.len(), 1);
    assert_eq!(balance(&engine, "USDT"), (dec!(10098.901), dec!(0)));
    assert_eq!(balance(&engine, "BTC"), (dec!(0), dec!(0)));
}

#[test]
fn fill_or_kill_fills_everything_or_nothing() {
    let mut engine = engine();
    let too_big = limit(Side::Buy, dec!(4), dec!(101), TimeInForce::Fok);
    let placed = engine.place(too_big, &instrument(), &book(), NOW).unwrap();
    assert!(placed.fills.is_empty());
    assert_eq!(placed.order.status, OrderStatus::Expired);
    assert!(
        placed.order.reason.contains("only 3 of 4"),
        "{}",
        placed.order.reason
    );
    assert_eq!(balance(&engine, "USDT"), (dec!(10000), dec!(0)));

    let fits = limit(Side::Buy, dec!(3), dec!(101), TimeInForce::Fok);
    let placed = engine.place(fits, &instrument(), &book(), NOW).unwrap();
    assert_eq!(placed.order.status, OrderStatus::Filled);
    assert_eq!(placed.order.filled_quantity, dec!(3));
}

#[test]
fn immediate_or_cancel_takes_what_crosses_and_releases_the_rest() {
    let mut engine = engine();
    let ioc = limit(Side::Buy, dec!(2), dec!(100), TimeInForce::Ioc);
    let placed = engine.place(ioc, &instrument(), &book(), NOW).unwrap();
    assert_eq!(placed.order.filled_quantity, dec!(1));
    assert_eq!(placed.order.status, OrderStatus::Expired);
    assert_eq!(
        balance(&engine, "USDT"),
        (dec!(9899.9), dec!(0)),
        "nothing stays locked"
    );
    assert!(engine.open_orders("default", None).is_empty());
}

#[test]
fn post_only_that_would_take_is_rejected_and_one_that_rests_is_kept() {
    let mut engine = engine();
    let taking = NewOrder {
        post_only: true,
        ..limit(Side::Buy, dec!(1), dec!(100), TimeInForce::Gtc)
    };
    let Err(PlaceError::Rejected(order)) = engine.place(taking, &instrument(), &book(), NOW) else {
        panic!("a crossing post-only order must be rejected");
    };
    assert_eq!(order.status, OrderStatus::Rejected);
    assert!(order.reason.contains("post-only"));
    assert_eq!(balance(&engine, "USDT"), (dec!(10000), dec!(0)));

    let resting = NewOrder {
        post_only: true,
        ..limit(Side::Buy, dec!(1), dec!(99.5), TimeInForce::Gtc)
    };
    let placed = engine.place(resting, &instrument(), &book(), NOW).unwrap();
    assert_eq!(placed.order.status, OrderStatus::New);
    assert!(placed.fills.is_empty());
}

#[test]
fn insufficient_funds_reject_the_order_and_a_retry_gets_the_same_answer() {
    let mut engine = engine();
    let big = NewOrder {
        client_order_id: "big".into(),
        ..limit(Side::Buy, dec!(200), dec!(99), TimeInForce::Gtc)
    };
    let Err(PlaceError::Rejected(order)) = engine.place(big.clone(), &instrument(), &book(), NOW)
    else {
        panic!("expected a rejection");
    };
    assert!(
        order.reason.contains("insufficient USDT"),
        "{}",
        order.reason
    );
    let again = engine.place(big, &instrument(), &book(), NOW);
    assert!(matches!(again, Err(PlaceError::Rejected(o)) if o.order_id == order.order_id));
    let stored = engine.get("default", OrderRef::Client("big")).unwrap();
    assert_eq!(stored.status, OrderStatus::Rejected);
    assert_eq!(balance(&engine, "USDT"), (dec!(10000), dec!(0)));
}

#[test]
fn a_repeated_client_order_id_returns_the_first_order_without_new_fills() {
    let mut engine = engine();
    let buy = NewOrder {
        client_order_id: "once".into(),
        ..order(Side::Buy, OrderType::Market, dec!(0.5), None)
    };
    let first = engine
        .place(buy.clone(), &instrument(), &book(), NOW)
        .unwrap();
    let second = engine.place(buy, &instrument(), &book(), NOW + 9).unwrap();
    assert!(second.existing);
    assert!(second.fills.is_empty());
    assert_eq!(second.order, first.order);
    assert_eq!(balance(&engine, "BTC").0, dec!(1.5), "bought once");
}

#[test]
fn market_orders_on_an_empty_side_expire_and_bad_fields_are_named() {
    let mut engine = engine();
    let empty = OrderBook::from_levels(&[Level::new(dec!(99), dec!(1))], &[]);
    let placed = engine
        .place(
            order(Side::Buy, OrderType::Market, dec!(1), None),
            &instrument(),
            &empty,
            NOW,
        )
        .unwrap();
    assert_eq!(placed.order.status, OrderStatus::Expired);
    assert!(placed.order.reason.contains("no asks"));

    let tiny = order(Side::Buy, OrderType::Market, dec!(0.001), None);
    let Err(PlaceError::Invalid(problem)) = engine.place(tiny, &instrument(), &book(), NOW) else {
        panic!("0.1 USDT is under the minimum notional");
    };
    assert_eq!(problem.field, "quantity");
    let off_tick = limit(Side::Buy, dec!(1), dec!(99.001), TimeInForce::Gtc);
    let Err(PlaceError::Invalid(problem)) = engine.place(off_tick, &instrument(), &book(), NOW)
    else {
        panic!("off-tick price");
    };
    assert_eq!(problem.field, "price");
}

#[test]
fn accounts_are_separate() {
    let mut engine = engine();
    let alice = NewOrder {
        account: "alice".into(),
        ..order(Side::Sell, OrderType::Market, dec!(1), None)
    };
    engine.place(alice, &instrument(), &book(), NOW).unwrap();
    assert_eq!(
        engine
            .balances("alice")
            .iter()
            .find(|b| b.asset == "BTC")
            .unwrap()
            .free,
        dec!(0)
    );
    assert_eq!(balance(&engine, "BTC").0, dec!(1));
}
