//! gate-io-api started as a user would run it, on the simulated market.
#![allow(clippy::unwrap_used, clippy::expect_used)]
use std::time::{Duration, Instant};

use gate_io_api::{Config, SERVICE, start};
use quorum_kit::KitConfig;
use quorum_proto::exchange::v1::exchange_client::ExchangeClient;
use quorum_proto::exchange::v1::{GetOrderBookRequest, GetStatusRequest, ListInstrumentsRequest};
use quorum_proto::market::v1::Venue;
use quorum_testkit::{TestRedis, TestServer};

#[tokio::test]
async fn serves_gateio_instruments_and_a_synced_book_from_the_simulated_market() {
    let redis = TestRedis::start().await;
    let config = Config::new(redis.url.clone());
    let server = TestServer::start(SERVICE, KitConfig::for_tests(), move |kit| {
        start(kit, config)
    })
    .await;
    let mut client = ExchangeClient::new(server.channel());

    let status = client
        .get_status(server.request(GetStatusRequest {}, &["viewer"]))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(status.venue(), Venue::Gateio);
    assert_eq!(
        (status.market_source.as_str(), status.trading_mode.as_str()),
        ("sim", "paper")
    );

    let started = Instant::now();
    let instruments = loop {
        let answer = client
            .list_instruments(server.request(ListInstrumentsRequest {}, &["viewer"]))
            .await;
        if let Ok(answer) = answer {
            break answer.into_inner();
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "no instruments: {answer:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let btc = instruments
        .instruments
        .iter()
        .find(|instrument| instrument.symbol == "BTC-USDT")
        .expect("BTC-USDT is listed");
    assert_eq!(btc.venue_symbol, "BTC_USDT");

    let book = loop {
        let request = GetOrderBookRequest {
            symbol: "BTC-USDT".into(),
            depth: 5,
        };
        if let Ok(answer) = client
            .get_order_book(server.request(request, &["viewer"]))
            .await
        {
            break answer.into_inner().book.unwrap();
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the BTC-USDT book never synced"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(book.venue(), Venue::Gateio);
    assert!(!book.bids.is_empty() && !book.asks.is_empty());
    assert!(book.bids.len() <= 5 && book.asks.len() <= 5);
    server.stop().await.unwrap();
}
