//! Tokens, bad input, books that are not there, and bad configuration.
use orderbook_manager::{Config, SERVICE, start};
use quorum_domain::Venue;
use quorum_kit::{ConfigError, Kit, KitConfig};
use quorum_proto::market::v1 as market;
use quorum_proto::marketdata::v1::{GetBookRequest, GetDepthStatsRequest, StreamBookRequest};
use tonic::{Code, Status};
use tonic_types::StatusExt;

use crate::harness::{Harness, update};

fn violated_fields(status: &Status) -> Vec<String> {
    status
        .get_error_details()
        .bad_request()
        .map(|bad| {
            bad.field_violations
                .iter()
                .map(|violation| violation.field.clone())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn calls_without_a_token_are_unauthenticated() {
    let harness = Harness::start().await;
    let mut client = harness.client.clone();
    let book = GetBookRequest {
        venue: 0,
        symbol: "BTC-USDT".into(),
        depth: 0,
    };
    let status = client.get_book(book).await.unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated);
    let stream = StreamBookRequest {
        venue: 0,
        symbol: "BTC-USDT".into(),
        depth: 0,
    };
    let status = client.stream_book(stream).await.unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated);
    let stats = GetDepthStatsRequest {
        venue: 0,
        symbol: "BTC-USDT".into(),
        bands_bps: vec![],
    };
    let status = client.get_depth_stats(stats).await.unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated);
}

#[tokio::test]
async fn bad_fields_are_invalid_arguments_that_name_them() {
    let harness = Harness::start().await;
    let mut client = harness.client.clone();
    let request = GetBookRequest {
        venue: 42,
        symbol: "BTCUSDT".into(),
        depth: 1001,
    };
    let status = client
        .get_book(harness.server.request(request, &["viewer"]))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert_eq!(violated_fields(&status), ["venue", "symbol", "depth"]);

    let request = StreamBookRequest {
        venue: 0,
        symbol: String::new(),
        depth: 5000,
    };
    let status = client
        .stream_book(harness.server.request(request, &["viewer"]))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert_eq!(violated_fields(&status), ["symbol", "depth"]);

    let request = GetDepthStatsRequest {
        venue: 1,
        symbol: "BTC-USDT".into(),
        bands_bps: vec![10, 0, 20_000],
    };
    let status = client
        .get_depth_stats(harness.server.request(request, &["viewer"]))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert_eq!(violated_fields(&status), ["bands_bps[1]", "bands_bps[2]"]);
}

#[tokio::test]
async fn books_nobody_published_are_not_found() {
    let harness = Harness::start().await;
    harness
        .publish(&update(
            Venue::Binance,
            0,
            true,
            &[("100", "1")],
            &[("101", "1")],
        ))
        .await;
    harness.book_at(market::Venue::Binance, "BTC-USDT", 0).await;

    for venue in [market::Venue::Unspecified, market::Venue::Binance] {
        let status = harness.get_book(venue, "ETH-USDT", 0).await.unwrap_err();
        assert_eq!(status.code(), Code::NotFound, "{venue:?}");
        assert!(
            status.message().contains("ETH-USDT"),
            "{}",
            status.message()
        );
    }
    let status = harness
        .get_book(market::Venue::Okx, "BTC-USDT", 0)
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound);
    assert!(status.message().contains("okx"), "{}", status.message());

    let request = StreamBookRequest {
        venue: market::Venue::Coinbase.into(),
        symbol: "BTC-USDT".into(),
        depth: 0,
    };
    let status = harness
        .client
        .clone()
        .stream_book(harness.server.request(request, &["viewer"]))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound);
}

#[tokio::test]
async fn bad_configuration_names_its_variable() {
    let mut config = Config::new("redis://127.0.0.1:6379");
    config.connectors.coinbase_api_addr = Some("coinbase-api:50102".into());
    let kit = Kit::new(SERVICE, KitConfig::for_tests());
    let error = start(kit, config).await.err().expect("start must fail");
    let config_error = error.downcast_ref::<ConfigError>().expect("a ConfigError");
    assert_eq!(config_error.variable, "QUORUM_COINBASE_API_ADDR");
}
