//! The checks every connector service crate runs on itself (feature `testing`): the
//! service serves its own venue from the simulated market (with a real database and
//! Redis), and the `quorum` binary running it lists the venue's variables and refuses
//! bad settings with exit code 64.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use quorum_domain::Venue;
use quorum_kit::{Kit, KitConfig, Service};
use quorum_proto::exchange::v1::exchange_client::ExchangeClient;
use quorum_proto::exchange::v1::{GetOrderBookRequest, GetStatusRequest, ListInstrumentsRequest};
use quorum_testkit::{TestDatabase, TestRedis, TestServer};

use crate::config::{Config, VenueEnv};

/// Starts the service as `start` builds it on the simulated market and checks it speaks
/// for venue `V`: status, instruments under the venue's own name (`venue_symbol` for
/// BTC-USDT), and a synced BTC-USDT book.
pub async fn serves_its_venue_on_the_simulated_market<V, F, Fut>(
    service: &'static str,
    start: F,
    venue_symbol: &str,
) where
    V: VenueEnv,
    F: FnOnce(Kit, Config<V>) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<Service>>,
{
    let database = TestDatabase::create().await;
    let redis = TestRedis::start().await;
    let config = Config::<V>::new(database.url.clone(), redis.url.clone());
    let server = TestServer::start(service, KitConfig::for_tests(), move |kit| {
        start(kit, config)
    })
    .await;
    let mut client = ExchangeClient::new(server.channel());
    let venue = quorum_domain::convert::venue(V::VENUE);

    let status = client
        .get_status(server.request(GetStatusRequest {}, &["viewer"]))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(status.venue(), venue);
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
    assert_eq!(btc.venue_symbol, venue_symbol);

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
    assert_eq!(book.venue(), venue);
    assert!(!book.bids.is_empty() && !book.asks.is_empty());
    assert!(book.bids.len() <= 5 && book.asks.len() <= 5);
    server.stop().await.unwrap();
}

/// Runs `binary service` (the `quorum` binary) as an operator would and checks that
/// `--help` lists the venue's variables, and that live trading without keys, an unknown
/// market source, and a missing or wrong database URL all exit 64 naming the variable.
pub fn binary_lists_its_variables_and_refuses_bad_settings(
    binary: &Path,
    service: &str,
    venue: Venue,
) {
    let prefix = venue.env_prefix();
    let help = run(binary, &[service, "--help"], &[]);
    assert!(help.status.success());
    let text = String::from_utf8_lossy(&help.stdout);
    let own =
        ["REST_URL", "WS_URL", "API_KEY", "API_SECRET"].map(|name| format!("{prefix}_{name}"));
    let shared = [
        "QUORUM_MARKET_SOURCE",
        "QUORUM_TRADING_MODE",
        "QUORUM_SYMBOLS",
        "QUORUM_PAPER_BALANCES",
        "QUORUM_RECORD_PATH",
        "DATABASE_URL",
        "REDIS_URL",
    ];
    for variable in own.iter().map(String::as_str).chain(shared) {
        assert!(
            text.contains(variable),
            "{variable} missing from --help:\n{text}"
        );
    }

    let live = run(
        binary,
        &[service],
        &[
            ("QUORUM_TRADING_MODE", "live"),
            ("QUORUM_MARKET_SOURCE", "live"),
        ],
    );
    assert_eq!(live.status.code(), Some(64));
    let stderr = String::from_utf8_lossy(&live.stderr);
    assert!(stderr.contains(&format!("{prefix}_API_KEY")), "{stderr}");

    let bad = run(binary, &[service], &[("QUORUM_MARKET_SOURCE", "moon")]);
    assert_eq!(bad.status.code(), Some(64));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("QUORUM_MARKET_SOURCE"));

    let wrong_database = run(binary, &[service], &[("DATABASE_URL", "mysql://db/x")]);
    assert_eq!(wrong_database.status.code(), Some(64));
    let stderr = String::from_utf8_lossy(&wrong_database.stderr);
    assert!(stderr.contains("DATABASE_URL"), "{stderr}");

    let mut no_database = command(binary, &[service], &[]);
    let unset = no_database.env_remove("DATABASE_URL").output().unwrap();
    assert_eq!(unset.status.code(), Some(64));
    let stderr = String::from_utf8_lossy(&unset.stderr);
    assert!(stderr.contains("DATABASE_URL"), "{stderr}");
}

fn run(binary: &Path, args: &[&str], vars: &[(&str, &str)]) -> Output {
    command(binary, args, vars)
        .output()
        .expect("the binary runs")
}

/// The binary with settings that pass the checks but reach no server, so a refusal is
/// about the variable under test.
fn command(binary: &Path, args: &[&str], vars: &[(&str, &str)]) -> Command {
    let mut command = Command::new(binary);
    command
        .args(args)
        .env("QUORUM_GRPC_ADDR", "127.0.0.1:0")
        .env("QUORUM_ADMIN_ADDR", "127.0.0.1:0")
        .env("REDIS_URL", "redis://127.0.0.1:1")
        .env("DATABASE_URL", "postgres://quorum@127.0.0.1:1/quorum")
        .env("QUORUM_LOG_FORMAT", "text")
        .env("RUST_LOG", "error");
    for (name, value) in vars {
        command.env(name, value);
    }
    command
}
