//! Bad input gets the right gRPC code naming the field; calls need a token and orders
//! the trader role.
use quorum_domain::Decimal;
use quorum_proto::exchange::v1::{
    CancelOrderRequest, GetFeesRequest, GetOrderBookRequest, GetOrderRequest, PlaceOrderRequest,
    StreamMarketDataRequest, TimeInForce,
};
use quorum_proto::market::v1::Side;
use tonic::Code;
use tonic_types::StatusExt;

use crate::harness::Harness;
use crate::orders::{limit, market_buy, price_near_bid};

/// The field named by an INVALID_ARGUMENT.
fn field(status: &tonic::Status) -> String {
    assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
    status
        .get_error_details()
        .bad_request()
        .unwrap()
        .field_violations[0]
        .field
        .clone()
}

#[tokio::test]
async fn bad_input_gets_the_right_code_and_names_the_field() {
    let mut harness = Harness::sim().await;
    let price = price_near_bid(&harness, "0.9".parse().unwrap()).await;
    let mut client = harness.client.clone();
    let book = |symbol: &str| GetOrderBookRequest {
        symbol: symbol.into(),
        depth: 5,
    };
    let status = client
        .get_order_book(harness.request(book(""), &["viewer"]))
        .await
        .unwrap_err();
    assert_eq!(field(&status), "symbol");
    let status = client
        .get_order_book(harness.request(book("BTCUSDT"), &["viewer"]))
        .await
        .unwrap_err();
    assert_eq!(field(&status), "symbol");
    let status = client
        .get_order_book(harness.request(book("DOGE-USDT"), &["viewer"]))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound);

    let cases: Vec<(PlaceOrderRequest, &str)> = vec![
        (market_buy("0"), "quantity"),
        (market_buy("-1"), "quantity"),
        (market_buy("abc"), "quantity"),
        (market_buy("0.000000001"), "quantity"),
        (
            limit(
                Side::Buy,
                "0.01",
                price + Decimal::new(1, 6),
                TimeInForce::Gtc,
            ),
            "price",
        ),
        (
            limit(Side::Buy, "0.01", Decimal::ZERO, TimeInForce::Gtc),
            "price",
        ),
        (
            limit(Side::Buy, "0.01", price, TimeInForce::Unspecified),
            "time_in_force",
        ),
        (
            PlaceOrderRequest {
                side: 0,
                ..market_buy("0.01")
            },
            "side",
        ),
        (
            PlaceOrderRequest {
                r#type: 0,
                ..market_buy("0.01")
            },
            "type",
        ),
        (
            PlaceOrderRequest {
                account: "a b".into(),
                ..market_buy("0.01")
            },
            "account",
        ),
    ];
    for (request, expected) in cases {
        let status = client
            .place_order(harness.request(request.clone(), &["trader"]))
            .await
            .unwrap_err();
        assert_eq!(field(&status), expected, "{request:?}");
    }
    let unknown = PlaceOrderRequest {
        symbol: "DOGE-USDT".into(),
        ..market_buy("1")
    };
    let status = client
        .place_order(harness.request(unknown, &["trader"]))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound);

    let status = harness
        .client
        .get_order(harness.request(GetOrderRequest::default(), &["viewer"]))
        .await
        .unwrap_err();
    assert_eq!(field(&status), "order_id");
    let missing = GetOrderRequest {
        order_id: "no-such-order".into(),
        ..GetOrderRequest::default()
    };
    let status = client
        .get_order(harness.request(missing, &["viewer"]))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound);
    let stream = StreamMarketDataRequest {
        symbols: vec![],
        kinds: vec![0],
    };
    let status = client
        .stream_market_data(harness.request(stream, &["viewer"]))
        .await
        .unwrap_err();
    assert_eq!(field(&status), "kinds[0]");
    let stream = StreamMarketDataRequest {
        symbols: vec!["BTC-USDT".into(), "DOGE-USDT".into()],
        kinds: vec![],
    };
    let status = client
        .stream_market_data(harness.request(stream, &["viewer"]))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound);
    let stream = StreamMarketDataRequest {
        symbols: vec!["BTC_USDT".into()],
        kinds: vec![],
    };
    let status = client
        .stream_market_data(harness.request(stream, &["viewer"]))
        .await
        .unwrap_err();
    assert_eq!(field(&status), "symbols[0]");
}

#[tokio::test]
async fn calls_need_a_token_and_orders_need_the_trader_or_service_role() {
    let harness = Harness::sim().await;
    let mut client = harness.client.clone();
    let status = client
        .get_fees(GetFeesRequest {
            symbol: "BTC-USDT".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated);
    let status = client
        .place_order(harness.request(market_buy("0.01"), &["viewer"]))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied);
    let cancel = CancelOrderRequest {
        order_id: "x".into(),
        ..CancelOrderRequest::default()
    };
    let status = client
        .cancel_order(harness.request(cancel, &["viewer"]))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied);
    // strategy-engine places the orders of running strategies with its service token.
    harness.synced_book("BTC-USDT", 1).await;
    let placed = client
        .place_order(harness.request(market_buy("0.01"), &["service"]))
        .await
        .unwrap()
        .into_inner();
    assert!(placed.order.is_some());
}
