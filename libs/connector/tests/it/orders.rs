//! Paper orders on the simulated market.
use quorum_domain::Decimal;
use quorum_proto::exchange::v1::{
    CancelOrderRequest, GetBalancesRequest, GetFeesRequest, GetOrderRequest, ListOpenOrdersRequest,
    OrderStatus, OrderType, PlaceOrderRequest, TimeInForce,
};
use quorum_proto::market::v1::Side;
use tonic::Code;

use crate::harness::{Harness, PATIENCE, decimal, eventually, number};

pub fn market_buy(quantity: &str) -> PlaceOrderRequest {
    PlaceOrderRequest {
        symbol: "BTC-USDT".into(),
        side: Side::Buy as i32,
        r#type: OrderType::Market as i32,
        quantity: decimal(quantity),
        ..PlaceOrderRequest::default()
    }
}

pub fn limit(
    side: Side,
    quantity: &str,
    price: Decimal,
    time_in_force: TimeInForce,
) -> PlaceOrderRequest {
    PlaceOrderRequest {
        symbol: "BTC-USDT".into(),
        side: side as i32,
        r#type: OrderType::Limit as i32,
        time_in_force: time_in_force as i32,
        quantity: decimal(quantity),
        price: decimal(price),
        ..PlaceOrderRequest::default()
    }
}

async fn balance(harness: &Harness, asset: &str) -> (Decimal, Decimal) {
    let mut client = harness.client.clone();
    let balances = client
        .get_balances(harness.request(GetBalancesRequest::default(), &["viewer"]))
        .await
        .unwrap()
        .into_inner()
        .balances;
    let found = balances.iter().find(|b| b.asset == asset).unwrap();
    (number(&found.free), number(&found.locked))
}

/// A price on BTC-USDT's tick, `factor` times the best bid.
pub async fn price_near_bid(harness: &Harness, factor: Decimal) -> Decimal {
    let book = harness.synced_book("BTC-USDT", 1).await;
    let tick = eventually("the instruments", PATIENCE, || {
        let mut client = harness.client.clone();
        let request = harness.request(
            quorum_proto::exchange::v1::ListInstrumentsRequest {},
            &["viewer"],
        );
        async move { client.list_instruments(request).await.ok() }
    })
    .await
    .into_inner()
    .instruments
    .iter()
    .find(|i| i.symbol == "BTC-USDT")
    .map(|i| number(&i.tick_size))
    .unwrap();
    let raw = number(&book.bids[0].price) * factor;
    (raw / tick).floor() * tick
}

#[tokio::test]
async fn a_market_buy_fills_with_the_taker_fee_and_publishes_its_fills() {
    let mut harness = Harness::sim().await;
    harness.synced_book("BTC-USDT", 1).await;
    let fees = harness
        .client
        .get_fees(harness.request(
            GetFeesRequest {
                symbol: "BTC-USDT".into(),
            },
            &["viewer"],
        ))
        .await
        .unwrap()
        .into_inner();
    let taker = number(&fees.taker_rate);
    assert_eq!(taker, "0.001".parse().unwrap());
    let (usdt_before, _) = balance(&harness, "USDT").await;

    let order = harness
        .client
        .place_order(harness.request(market_buy("0.05"), &["trader"]))
        .await
        .unwrap()
        .into_inner()
        .order
        .unwrap();
    assert_eq!(order.status(), OrderStatus::Filled);
    assert_eq!(number(&order.filled_quantity), "0.05".parse().unwrap());
    let notional: Decimal = order
        .fills
        .iter()
        .map(|f| number(&f.price) * number(&f.quantity))
        .sum();
    assert_eq!(
        number(&order.fee),
        notional * taker,
        "fee is the taker rate of the notional"
    );
    assert_eq!(order.fee_asset, "USDT");
    let (usdt_after, _) = balance(&harness, "USDT").await;
    assert_eq!(usdt_before - usdt_after, notional + number(&order.fee));
    assert_eq!(balance(&harness, "BTC").await.0, "2.05".parse().unwrap());

    let published = eventually("the fills on exec.fills", PATIENCE, || async {
        let fills = harness.bus_entries("exec.fills").await;
        (fills.len() == order.fills.len()).then_some(fills)
    })
    .await;
    for (bus, fill) in published.iter().zip(&order.fills) {
        assert_eq!(bus["fill_id"], fill.fill_id);
        assert_eq!(bus["order_id"], order.order_id);
        assert_eq!(bus["venue"], "binance");
    }
    let again = harness
        .client
        .get_order(harness.request(
            GetOrderRequest {
                order_id: order.order_id.clone(),
                ..GetOrderRequest::default()
            },
            &["viewer"],
        ))
        .await
        .unwrap()
        .into_inner()
        .order
        .unwrap();
    assert_eq!(again, order);
}

#[tokio::test]
async fn fill_or_kill_that_cannot_fill_fully_fills_nothing() {
    let mut harness = Harness::sim().await;
    let far = price_near_bid(&harness, "2".parse().unwrap()).await;
    let order = harness
        .client
        .place_order(harness.request(limit(Side::Buy, "1000", far, TimeInForce::Fok), &["trader"]))
        .await
        .unwrap()
        .into_inner()
        .order
        .unwrap();
    assert_eq!(order.status(), OrderStatus::Expired);
    assert!(order.fills.is_empty());
    assert_eq!(balance(&harness, "BTC").await, (2.into(), 0.into()));
}

#[tokio::test]
async fn post_only_that_would_cross_is_rejected() {
    let mut harness = Harness::sim().await;
    let above_ask = price_near_bid(&harness, "1.05".parse().unwrap()).await;
    let mut request = limit(Side::Buy, "0.01", above_ask, TimeInForce::Gtc);
    request.post_only = true;
    request.client_order_id = "maker-only".into();
    let status = harness
        .client
        .place_order(harness.request(request, &["trader"]))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::FailedPrecondition);
    let stored = harness
        .client
        .get_order(harness.request(
            GetOrderRequest {
                client_order_id: "maker-only".into(),
                ..GetOrderRequest::default()
            },
            &["viewer"],
        ))
        .await
        .unwrap()
        .into_inner()
        .order
        .unwrap();
    assert_eq!(stored.status(), OrderStatus::Rejected);
}

#[tokio::test]
async fn a_gtc_order_rests_locks_funds_and_cancel_releases_them() {
    let mut harness = Harness::sim().await;
    let below = price_near_bid(&harness, "0.5".parse().unwrap()).await;
    let mut request = limit(Side::Buy, "0.1", below, TimeInForce::Gtc);
    request.client_order_id = "bid-far".into();
    let order = harness
        .client
        .place_order(harness.request(request.clone(), &["trader"]))
        .await
        .unwrap()
        .into_inner()
        .order
        .unwrap();
    assert_eq!(order.status(), OrderStatus::New);
    let locked =
        below * Decimal::from_str_exact("0.1").unwrap() * Decimal::from_str_exact("1.001").unwrap();
    assert_eq!(
        balance(&harness, "USDT").await,
        (Decimal::from(100_000) - locked, locked)
    );

    // Placing it again returns the same order.
    let repeat = harness
        .client
        .place_order(harness.request(request, &["trader"]))
        .await
        .unwrap()
        .into_inner()
        .order
        .unwrap();
    assert_eq!(repeat.order_id, order.order_id);
    let open = harness
        .client
        .list_open_orders(harness.request(ListOpenOrdersRequest::default(), &["viewer"]))
        .await
        .unwrap()
        .into_inner()
        .orders;
    assert_eq!(open.len(), 1);

    let cancel = CancelOrderRequest {
        order_id: order.order_id.clone(),
        ..CancelOrderRequest::default()
    };
    let cancelled = harness
        .client
        .cancel_order(harness.request(cancel.clone(), &["trader"]))
        .await
        .unwrap()
        .into_inner()
        .order
        .unwrap();
    assert_eq!(cancelled.status(), OrderStatus::Canceled);
    assert_eq!(balance(&harness, "USDT").await, (100_000.into(), 0.into()));
    let twice = harness
        .client
        .cancel_order(harness.request(cancel, &["trader"]))
        .await
        .unwrap_err();
    assert_eq!(twice.code(), Code::FailedPrecondition);
}

#[tokio::test]
async fn insufficient_funds_are_a_failed_precondition() {
    let mut harness = Harness::sim().await;
    let bid = price_near_bid(&harness, "0.9".parse().unwrap()).await;
    let status = harness
        .client
        .place_order(harness.request(limit(Side::Buy, "500", bid, TimeInForce::Gtc), &["trader"]))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::FailedPrecondition);
    assert!(
        status.message().contains("insufficient USDT"),
        "{}",
        status.message()
    );
}
