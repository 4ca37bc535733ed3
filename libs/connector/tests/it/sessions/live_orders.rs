//! Live trading against a fake Binance: orders are signed as the venue documents and
//! sent over REST; a venue refusal comes back with its code in the status details.
use std::sync::Arc;

use quorum_connector::{BinanceEnv, MarketSource, TradingMode};
use quorum_proto::exchange::v1::{
    CancelOrderRequest, GetBalancesRequest, ListOpenOrdersRequest, OrderStatus, OrderType,
    PlaceOrderRequest, TimeInForce,
};
use quorum_proto::market::v1::Side;
use serde_json::json;
use tonic::Code;
use tonic_types::StatusExt;

use super::binance_wire::exchange_info;
use crate::fake_venue::{FakeVenue, Step};
use crate::harness::{Harness, PATIENCE, Servers, decimal, eventually};

const ORDER: &str = "/api/v3/order";
const SECRET: &str = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";

fn accepted() -> String {
    json!({"symbol": "BTCUSDT", "orderId": 28, "orderListId": -1, "clientOrderId": "live-1",
        "transactTime": 1_507_725_176_595_i64, "price": "100.00000000", "origQty": "0.50000000",
        "executedQty": "0.00000000", "origQuoteOrderQty": "0.000000",
        "cummulativeQuoteQty": "0.00000000", "status": "NEW", "timeInForce": "GTC",
        "type": "LIMIT", "side": "BUY", "workingTime": 1_507_725_176_595_i64,
        "selfTradePreventionMode": "NONE", "fills": []})
    .to_string()
}

fn cancelled() -> String {
    json!({"symbol": "BTCUSDT", "origClientOrderId": "live-1", "orderId": 28, "orderListId": -1,
        "clientOrderId": "cancel-28", "transactTime": 1_684_804_350_068_i64, "price": "100.00000000",
        "origQty": "0.50000000", "executedQty": "0.00000000", "origQuoteOrderQty": "0.000000",
        "cummulativeQuoteQty": "0.00000000", "status": "CANCELED", "timeInForce": "GTC",
        "type": "LIMIT", "side": "BUY", "selfTradePreventionMode": "NONE"})
    .to_string()
}

fn limit_buy(client_order_id: &str) -> PlaceOrderRequest {
    PlaceOrderRequest {
        client_order_id: client_order_id.into(),
        symbol: "BTC-USDT".into(),
        side: Side::Buy as i32,
        r#type: OrderType::Limit as i32,
        time_in_force: TimeInForce::Gtc as i32,
        quantity: decimal("0.5"),
        price: decimal("100.00"),
        ..PlaceOrderRequest::default()
    }
}

#[tokio::test]
async fn live_orders_are_signed_sent_and_refusals_carry_the_venue_code() {
    let refusal =
        r#"{"code":-2010,"msg":"Account has insufficient balance for requested action."}"#;
    let answers = vec![
        ("/api/v3/exchangeInfo", 200, exchange_info()),
        (ORDER, 200, accepted()),
        (ORDER, 400, refusal.to_string()),
        (ORDER, 200, cancelled()),
    ];
    let script = vec![Step::AwaitReceived {
        text: "SUBSCRIBE",
        count: 1,
    }];
    let venue = FakeVenue::start(answers, script).await;
    let servers = Servers::start().await;
    let mut config = servers.config::<BinanceEnv>();
    config.market.market_source = MarketSource::Live;
    config.market.trading_mode = TradingMode::Live;
    config.venue.symbols = "BTC-USDT".into();
    config.venue.rest_url = Some(venue.rest_url.clone());
    config.venue.ws_url = Some(venue.ws_url.clone());
    config.venue.api_key = Some("test-api-key".into());
    config.venue.api_secret = Some(SECRET.into());
    let mut harness =
        Harness::serve(servers, config, Arc::new(quorum_venues::binance::Binance)).await;
    assert_eq!(harness.status().await.trading_mode, "live");

    let order = eventually("the instruments to load", PATIENCE, || {
        let mut client = harness.client.clone();
        let request = harness.request(limit_buy("live-1"), &["trader"]);
        async move { client.place_order(request).await.ok() }
    })
    .await
    .into_inner()
    .order
    .unwrap();
    assert_eq!(order.order_id, "28");
    assert_eq!(order.client_order_id, "live-1");
    assert_eq!(order.status(), OrderStatus::New);

    let sent = venue.last_request_to(ORDER).unwrap();
    assert_eq!(sent.method, "POST");
    assert_eq!(sent.header("x-mbx-apikey"), Some("test-api-key"));
    assert!(
        sent.body.is_empty(),
        "Binance order parameters go in the query"
    );
    let query = sent.target.split_once('?').unwrap().1;
    assert!(
        query.starts_with("symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.5&price=100&newClientOrderId=live-1&recvWindow=5000&timestamp="),
        "{query}"
    );
    let (signed, signature) = query.split_once("&signature=").unwrap();
    assert_eq!(
        signature,
        quorum_venues::binance::signature(SECRET, signed, "").unwrap()
    );

    // The same client order id again is answered from what the venue said, not re-sent.
    let again = harness
        .client
        .place_order(harness.request(limit_buy("live-1"), &["trader"]))
        .await
        .unwrap()
        .into_inner()
        .order
        .unwrap();
    assert_eq!(again.order_id, "28");
    assert_eq!(venue.requests_to(ORDER), 1);

    let refused = harness
        .client
        .place_order(harness.request(limit_buy("live-2"), &["trader"]))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::FailedPrecondition);
    let details = refused.get_error_details();
    let info = details
        .error_info()
        .expect("google.rpc.ErrorInfo in the details");
    assert_eq!(
        (info.reason.as_str(), info.domain.as_str()),
        ("-2010", "binance")
    );
    assert!(
        refused.message().contains("insufficient balance"),
        "{}",
        refused.message()
    );

    let open = harness
        .client
        .list_open_orders(harness.request(ListOpenOrdersRequest::default(), &["viewer"]))
        .await
        .unwrap()
        .into_inner()
        .orders;
    assert_eq!(open.len(), 1);
    let cancel = CancelOrderRequest {
        client_order_id: "live-1".into(),
        ..CancelOrderRequest::default()
    };
    let cancelled = harness
        .client
        .cancel_order(harness.request(cancel, &["trader"]))
        .await
        .unwrap()
        .into_inner()
        .order
        .unwrap();
    assert_eq!(cancelled.status(), OrderStatus::Canceled);
    let sent = venue.last_request_to(ORDER).unwrap();
    assert_eq!(sent.method, "DELETE");
    assert!(sent.target.contains("orderId=28"), "{}", sent.target);

    // What the venue acknowledged is told on exec.orders, once per change.
    let told = eventually("the live order events", PATIENCE, || async {
        let events = harness.bus_entries("exec.orders").await;
        (events.len() >= 2).then_some(events)
    })
    .await;
    let kinds: Vec<(&str, &str)> = told
        .iter()
        .map(|event| {
            let id = event["event_id"].as_str().unwrap();
            (id, event["kind"].as_str().unwrap())
        })
        .collect();
    assert_eq!(
        kinds,
        [("28:placed", "placed"), ("28:cancelled", "cancelled")]
    );

    let balances = harness
        .client
        .get_balances(harness.request(GetBalancesRequest::default(), &["viewer"]))
        .await
        .unwrap_err();
    assert_eq!(balances.code(), Code::FailedPrecondition);
}
