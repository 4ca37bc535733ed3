//! Paper state survives a restart: a new connector on the same database has the same
//! balances and open orders, finds earlier orders, answers a repeated client order id
//! with the original order, and continues the id sequence. Every order change is on
//! `exec.orders`, in order.
use std::sync::Arc;
use std::time::Duration;

use quorum_connector::BinanceEnv;
use quorum_proto::exchange::v1::{
    CancelOrderRequest, GetBalancesRequest, GetOrderRequest, ListOpenOrdersRequest, Order,
    OrderStatus, PlaceOrderRequest, TimeInForce,
};
use quorum_proto::market::v1::Side;
use quorum_venues::VenueProtocol;

use crate::harness::{Harness, PATIENCE, Servers, eventually};
use crate::orders::{limit, market_buy, price_near_bid};

async fn place(harness: &Harness, request: PlaceOrderRequest) -> Order {
    let mut client = harness.client.clone();
    client
        .place_order(harness.request(request, &["trader"]))
        .await
        .unwrap()
        .into_inner()
        .order
        .unwrap()
}

/// What a caller sees of the paper account.
async fn account_view(harness: &Harness, filled_id: &str) -> (Vec<String>, Vec<Order>, Order) {
    let mut client = harness.client.clone();
    let balances = client
        .get_balances(harness.request(GetBalancesRequest::default(), &["viewer"]))
        .await
        .unwrap()
        .into_inner()
        .balances
        .iter()
        .map(|balance| format!("{balance:?}"))
        .collect();
    let open = client
        .list_open_orders(harness.request(ListOpenOrdersRequest::default(), &["viewer"]))
        .await
        .unwrap()
        .into_inner()
        .orders;
    let request = GetOrderRequest {
        order_id: filled_id.into(),
        ..GetOrderRequest::default()
    };
    let filled = client
        .get_order(harness.request(request, &["viewer"]))
        .await
        .unwrap()
        .into_inner()
        .order
        .unwrap();
    (balances, open, filled)
}

/// (order id, kind) of every event on exec.orders so far.
async fn order_events(harness: &Harness) -> Vec<(String, String)> {
    harness
        .bus_entries("exec.orders")
        .await
        .iter()
        .map(|event| {
            let id = event["order"]["order_id"].as_str().unwrap_or_default();
            let kind = event["kind"].as_str().unwrap_or_default();
            (id.to_string(), kind.to_string())
        })
        .collect()
}

/// The number at the end of an order id.
fn number(order_id: &str) -> u64 {
    order_id.rsplit('-').next().unwrap().parse().unwrap()
}

#[tokio::test]
async fn a_restarted_connector_has_the_same_paper_state_and_events_tell_every_change() {
    let servers = Servers::start().await;
    let config = servers.config::<BinanceEnv>();
    let same_config = servers.config::<BinanceEnv>();
    let protocol: Arc<dyn VenueProtocol> = Arc::new(quorum_venues::binance::Binance);
    let harness = Harness::serve(servers, config, protocol.clone()).await;

    let far_below = price_near_bid(&harness, "0.5".parse().unwrap()).await;
    let mut resting = limit(Side::Buy, "0.1", far_below, TimeInForce::Gtc);
    resting.client_order_id = "rest-1".into();
    let resting = place(&harness, resting).await;
    assert_eq!(resting.status(), OrderStatus::New);

    let mut taker = market_buy("0.05");
    taker.client_order_id = "take-1".into();
    let filled = place(&harness, taker.clone()).await;
    assert_eq!(filled.status(), OrderStatus::Filled);

    let mut cancelled = limit(Side::Buy, "0.2", far_below, TimeInForce::Gtc);
    cancelled.client_order_id = "rest-2".into();
    let cancelled = place(&harness, cancelled).await;
    let mut client = harness.client.clone();
    let cancel = CancelOrderRequest {
        order_id: cancelled.order_id.clone(),
        ..CancelOrderRequest::default()
    };
    client
        .cancel_order(harness.request(cancel, &["trader"]))
        .await
        .unwrap();

    let before = account_view(&harness, &filled.order_id).await;
    assert_eq!(before.1, vec![resting.clone()], "one order rests");
    assert_eq!(before.2, filled);

    let mut expected = vec![(resting.order_id.clone(), "placed".to_string())];
    expected.push((filled.order_id.clone(), "placed".into()));
    for _ in 1..filled.fills.len() {
        expected.push((filled.order_id.clone(), "partially_filled".into()));
    }
    expected.push((filled.order_id.clone(), "filled".into()));
    expected.push((cancelled.order_id.clone(), "placed".into()));
    expected.push((cancelled.order_id.clone(), "cancelled".into()));
    let events = eventually("every order event on exec.orders", PATIENCE, || async {
        let events = order_events(&harness).await;
        (events.len() >= expected.len()).then_some(events)
    })
    .await;
    assert_eq!(events, expected, "events in the order the changes happened");
    let fills = eventually("the fills on exec.fills", PATIENCE, || async {
        let fills = harness.bus_entries("exec.fills").await;
        (fills.len() == filled.fills.len()).then_some(fills)
    })
    .await;

    let servers = harness.stop().await;
    let harness = Harness::serve(servers, same_config, protocol).await;
    let after = account_view(&harness, &filled.order_id).await;
    assert_eq!(
        after, before,
        "balances, open orders and the filled order survive"
    );

    harness.synced_book("BTC-USDT", 1).await;
    let again = place(&harness, taker).await;
    assert_eq!(
        again, filled,
        "a repeated client order id is the original order"
    );

    let next = place(
        &harness,
        limit(Side::Buy, "0.1", far_below, TimeInForce::Gtc),
    )
    .await;
    let prefix = |id: &str| id.rsplit_once('-').unwrap().0.to_string();
    assert_eq!(prefix(&next.order_id), prefix(&filled.order_id));
    assert_eq!(
        number(&next.order_id),
        number(&cancelled.order_id) + 1,
        "the id counter goes on"
    );

    // The relay has had time to publish anything new; only the new order was told.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        harness.bus_entries("exec.fills").await,
        fills,
        "no new fill"
    );
    let mut told = expected;
    told.push((next.order_id.clone(), "placed".into()));
    assert_eq!(order_events(&harness).await, told);
    harness.stop().await;
}
