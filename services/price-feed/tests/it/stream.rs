//! StreamQuotes: current quotes first, then changes; a slow reader is conflated.
use std::time::Duration;

use quorum_domain::{Decimal, Venue};
use quorum_proto::marketdata::v1::price_feed_service_client::PriceFeedServiceClient;
use quorum_proto::marketdata::v1::{Quote, StreamQuotesRequest, StreamQuotesResponse};
use rust_decimal::dec;
use tonic::Streaming;
use tonic::transport::Channel;

use crate::harness::{Harness, PATIENCE, ticker, value};

async fn next(stream: &mut Streaming<StreamQuotesResponse>) -> Quote {
    tokio::time::timeout(PATIENCE, stream.message())
        .await
        .expect("a quote within the patience")
        .unwrap()
        .expect("the stream is open")
        .quote
        .unwrap()
}

#[tokio::test]
async fn current_quotes_come_first_then_changes_of_the_chosen_symbols() {
    let harness = Harness::start().await;
    harness
        .publish_ticker(&ticker(
            Venue::Binance,
            "BTC-USDT",
            (dec!(42000), dec!(1)),
            (dec!(42001), dec!(1)),
        ))
        .await;
    harness
        .quote_when("BTC-USDT", "BTC-USDT known", |_| true)
        .await;

    let request = StreamQuotesRequest {
        symbols: vec!["btc-usdt".into()],
    };
    let mut stream = harness
        .client
        .clone()
        .stream_quotes(harness.server.request(request, &["viewer"]))
        .await
        .unwrap()
        .into_inner();
    let first = next(&mut stream).await;
    assert_eq!(first.symbol, "BTC-USDT");
    assert_eq!(value(&first.best_bid), Some(dec!(42000)));

    // A symbol not asked for is not sent; the next change of BTC-USDT is.
    harness
        .publish_ticker(&ticker(
            Venue::Binance,
            "ETH-USDT",
            (dec!(2500), dec!(1)),
            (dec!(2501), dec!(1)),
        ))
        .await;
    harness
        .publish_ticker(&ticker(
            Venue::Binance,
            "BTC-USDT",
            (dec!(42005), dec!(1)),
            (dec!(42006), dec!(1)),
        ))
        .await;
    let change = next(&mut stream).await;
    assert_eq!(change.symbol, "BTC-USDT");
    assert_eq!(value(&change.best_bid), Some(dec!(42005)));
}

#[tokio::test]
async fn a_slow_reader_gets_the_latest_quote_instead_of_a_backlog() {
    const UPDATES: usize = 3000;
    let harness = Harness::start().await;
    let symbol = "BTC-USDT";
    let bid_of = |update: usize| dec!(40000) + Decimal::from(update) * dec!(0.01);
    harness
        .publish_ticker(&ticker(
            Venue::Okx,
            symbol,
            (bid_of(0), dec!(1)),
            (dec!(50000), dec!(1)),
        ))
        .await;
    harness.quote_when(symbol, "the first bid", |_| true).await;

    // A client with a small HTTP/2 window that does not read: what the service sends
    // piles up in no buffer of any size.
    let channel = Channel::from_shared(format!("http://{}", harness.server.addr))
        .unwrap()
        .initial_stream_window_size(Some(4096))
        .connect()
        .await
        .unwrap();
    let mut slow = PriceFeedServiceClient::new(channel);
    let request = harness.server.request(
        StreamQuotesRequest {
            symbols: vec![symbol.into()],
        },
        &["viewer"],
    );
    let mut stream = slow.stream_quotes(request).await.unwrap().into_inner();

    for update in 1..=UPDATES {
        harness
            .publish_ticker(&ticker(
                Venue::Okx,
                symbol,
                (bid_of(update), dec!(1)),
                (dec!(50000), dec!(1)),
            ))
            .await;
    }
    let latest = bid_of(UPDATES);
    harness
        .quote_when(symbol, "the last update applied", |quote| {
            value(&quote.best_bid) == Some(latest)
        })
        .await;

    // Now read: everything sent before the window filled, then the latest state.
    let mut received = Vec::new();
    loop {
        let quote = next(&mut stream).await;
        let bid = value(&quote.best_bid).unwrap();
        received.push(bid);
        if bid == latest {
            break;
        }
    }
    assert!(
        received.len() < UPDATES / 5,
        "{} of {UPDATES} updates were queued for a reader that did not read",
        received.len()
    );
    assert!(
        received.windows(2).all(|pair| pair[0] < pair[1]),
        "quotes arrive in order"
    );
    let more = tokio::time::timeout(Duration::from_millis(300), stream.message()).await;
    assert!(more.is_err(), "nothing after the latest state: {more:?}");
    eprintln!(
        "slow reader received {} of {UPDATES} updates",
        received.len()
    );
}
