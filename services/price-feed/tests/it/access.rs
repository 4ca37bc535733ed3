//! Tokens, bad requests, unknown symbols and malformed events.
use quorum_domain::Venue;
use quorum_domain::topics::MARKET_TICKER;
use quorum_proto::marketdata::v1::{GetQuoteRequest, GetQuotesRequest, StreamQuotesRequest};
use rust_decimal::dec;
use tonic::Code;
use tonic_types::StatusExt;

use crate::harness::{Harness, PATIENCE, eventually, ticker};

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
    let request = GetQuoteRequest {
        symbol: "BTC-USDT".into(),
    };
    assert_eq!(
        client.get_quote(request).await.unwrap_err().code(),
        Code::Unauthenticated
    );
    let status = client
        .get_quotes(GetQuotesRequest::default())
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated);
    let status = client
        .stream_quotes(StreamQuotesRequest::default())
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated);
}

#[tokio::test]
async fn bad_symbols_are_invalid_and_unknown_ones_not_found() {
    let harness = Harness::start().await;
    let mut client = harness.client.clone();
    for bad in ["", "BTCUSDT", "BTC_USDT"] {
        let request = harness
            .server
            .request(GetQuoteRequest { symbol: bad.into() }, &["viewer"]);
        let status = client.get_quote(request).await.unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument, "{bad:?}");
        assert_eq!(violated_fields(&status), ["symbol"]);
    }

    let request = harness.server.request(
        GetQuotesRequest {
            symbols: vec!["BTC-USDT".into(), "nope".into()],
        },
        &["viewer"],
    );
    let status = client.get_quotes(request).await.unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert_eq!(violated_fields(&status), ["symbols[1]"]);

    let request = harness.server.request(
        StreamQuotesRequest {
            symbols: vec!["-USDT".into()],
        },
        &["viewer"],
    );
    let status = client.stream_quotes(request).await.unwrap_err();
    assert_eq!(violated_fields(&status), ["symbols[0]"]);

    let request = harness.server.request(
        GetQuoteRequest {
            symbol: "DOGE-USDT".into(),
        },
        &["viewer"],
    );
    let status = client.get_quote(request).await.unwrap_err();
    assert_eq!(status.code(), Code::NotFound);
    assert!(
        status.message().contains("DOGE-USDT"),
        "{}",
        status.message()
    );
}

#[tokio::test]
async fn a_malformed_ticker_is_dead_lettered_and_the_feed_goes_on() {
    let harness = Harness::start().await;
    harness
        .bus
        .publish_raw(MARKET_TICKER, r#"{"venue":"okx","symbol":"BTC-USDT"}"#)
        .await
        .unwrap();
    let mut negative = ticker(
        Venue::Okx,
        "BTC-USDT",
        (dec!(-1), dec!(1)),
        (dec!(1), dec!(1)),
    );
    negative.event_ms += 1;
    harness.publish_ticker(&negative).await;
    harness
        .publish_ticker(&ticker(
            Venue::Okx,
            "BTC-USDT",
            (dec!(42000), dec!(1)),
            (dec!(42001), dec!(1)),
        ))
        .await;
    harness
        .quote_when("BTC-USDT", "the good ticker", |_| true)
        .await;

    let dead = harness.bus.dead_letter_key(MARKET_TICKER);
    let client = redis::Client::open(harness.redis.url.as_str()).unwrap();
    let connection = client.get_multiplexed_async_connection().await.unwrap();
    // At least: a publish retried on a slow machine may dead-letter a repeat too.
    eventually("two dead letters", PATIENCE, || {
        let mut connection = connection.clone();
        let dead = dead.clone();
        async move {
            let length: u64 = redis::AsyncCommands::xlen(&mut connection, dead)
                .await
                .ok()?;
            (length >= 2).then_some(())
        }
    })
    .await;
}
