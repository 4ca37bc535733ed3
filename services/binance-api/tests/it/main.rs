//! binance-api started as a user would run it, on the simulated market.
#![allow(clippy::unwrap_used, clippy::expect_used)]
use std::time::{Duration, Instant};

use binance_api::{Config, SERVICE, start};
use quorum_kit::KitConfig;
use quorum_proto::exchange::v1::exchange_client::ExchangeClient;
use quorum_proto::exchange::v1::{GetOrderBookRequest, GetStatusRequest, ListInstrumentsRequest};
use quorum_proto::market::v1::Venue;
use quorum_testkit::{TestRedis, TestServer};

#[tokio::test]
async fn serves_binance_instruments_and_a_synced_book_from_the_simulated_market() {
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
    assert_eq!(status.venue(), Venue::Binance);
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
    assert_eq!(btc.venue_symbol, "BTCUSDT");

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
    assert_eq!(book.venue(), Venue::Binance);
    assert!(!book.bids.is_empty() && !book.asks.is_empty());
    assert!(book.bids.len() <= 5 && book.asks.len() <= 5);
    server.stop().await.unwrap();
}

/// The binary as an operator runs it, with `args` and the environment `vars`.
fn run_binary(args: &[&str], vars: &[(&str, &str)]) -> std::process::Output {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_binance-api"));
    command
        .args(args)
        .env("QUORUM_GRPC_ADDR", "127.0.0.1:0")
        .env("QUORUM_ADMIN_ADDR", "127.0.0.1:0")
        .env("REDIS_URL", "redis://127.0.0.1:1")
        .env("QUORUM_LOG_FORMAT", "text")
        .env("RUST_LOG", "error");
    for (name, value) in vars {
        command.env(name, value);
    }
    command.output().expect("the binary runs")
}

#[test]
fn help_lists_the_binance_variables_and_live_trading_without_keys_exits_64() {
    let help = run_binary(&["--help"], &[]);
    assert!(help.status.success());
    let text = String::from_utf8_lossy(&help.stdout);
    for variable in [
        "BINANCE_REST_URL",
        "BINANCE_WS_URL",
        "BINANCE_API_KEY",
        "BINANCE_API_SECRET",
        "QUORUM_MARKET_SOURCE",
        "QUORUM_TRADING_MODE",
        "QUORUM_SYMBOLS",
        "QUORUM_PAPER_BALANCES",
    ] {
        assert!(
            text.contains(variable),
            "{variable} missing from --help:\n{text}"
        );
    }

    let live = run_binary(
        &[],
        &[
            ("QUORUM_TRADING_MODE", "live"),
            ("QUORUM_MARKET_SOURCE", "live"),
        ],
    );
    assert_eq!(live.status.code(), Some(64));
    let stderr = String::from_utf8_lossy(&live.stderr);
    assert!(stderr.contains("BINANCE_API_KEY"), "{stderr}");

    let bad = run_binary(&[], &[("QUORUM_MARKET_SOURCE", "moon")]);
    assert_eq!(bad.status.code(), Some(64));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("QUORUM_MARKET_SOURCE"));
}
