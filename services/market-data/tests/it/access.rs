//! Tokens, bad requests and unknown markets.
use quorum_domain::Venue;
use quorum_proto::marketdata::v1::{
    GetMarketSummaryRequest, GetTopMoversRequest, ListMarketsRequest, MoverRanking,
};
use rust_decimal::dec;
use tonic::Code;
use tonic_types::StatusExt;

use crate::harness::{Harness, trade, venue_number};

fn violated_fields(status: &tonic::Status) -> Vec<String> {
    status
        .get_error_details()
        .bad_request()
        .map(|bad| {
            bad.field_violations
                .iter()
                .map(|v| v.field.clone())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn calls_without_a_token_are_unauthenticated() {
    let harness = Harness::start().await;
    let mut client = harness.client.clone();
    let request = GetMarketSummaryRequest {
        symbol: "BTC-USDT".into(),
        venue: 0,
    };
    let status = client.get_market_summary(request).await.unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated);
    let status = client
        .list_markets(ListMarketsRequest::default())
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated);
    let request = GetTopMoversRequest {
        ranking: MoverRanking::Change.into(),
        ..Default::default()
    };
    let status = client.get_top_movers(request).await.unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated);
}

#[tokio::test]
async fn bad_requests_name_their_fields() {
    let harness = Harness::start().await;
    let mut client = harness.client.clone();
    let summary = |symbol: &str, venue: i32| {
        harness.request(GetMarketSummaryRequest {
            symbol: symbol.into(),
            venue,
        })
    };
    let status = client
        .get_market_summary(summary("BTCUSDT", 0))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert_eq!(violated_fields(&status), ["symbol"]);
    let status = client
        .get_market_summary(summary("", 99))
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&status), ["symbol", "venue"]);

    let status = client
        .list_markets(harness.request(ListMarketsRequest { venue: 42 }))
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&status), ["venue"]);

    let movers = |ranking: i32, limit: u32| {
        harness.request(GetTopMoversRequest {
            ranking,
            limit,
            venue: 0,
        })
    };
    let status = client.get_top_movers(movers(0, 10)).await.unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert_eq!(violated_fields(&status), ["ranking"]);
    let status = client.get_top_movers(movers(7, 10)).await.unwrap_err();
    assert_eq!(violated_fields(&status), ["ranking"]);
    let change = MoverRanking::Change as i32;
    let status = client
        .get_top_movers(movers(change, 101))
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&status), ["limit"]);
    assert!(client.get_top_movers(movers(change, 100)).await.is_ok());
}

#[tokio::test]
async fn unknown_markets_are_not_found() {
    let harness = Harness::start().await;
    harness
        .publish(&trade(Venue::Okx, "BTC-USDT", "1", dec!(40000), dec!(1), 1))
        .await;
    harness.summary_with("BTC-USDT", 1).await;

    let status = harness.summary("DOGE-USDT", None).await.unwrap_err();
    assert_eq!(status.code(), Code::NotFound);
    assert!(
        status.message().contains("DOGE-USDT"),
        "{}",
        status.message()
    );
    let status = harness
        .summary("BTC-USDT", Some(Venue::Binance))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound);
    assert!(status.message().contains("binance"), "{}", status.message());
    let found = harness.summary("btc-usdt", Some(Venue::Okx)).await.unwrap();
    assert_eq!(found.venue, venue_number(Venue::Okx));
}
