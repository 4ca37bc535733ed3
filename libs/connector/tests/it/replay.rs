//! A recorded Binance session played back through the same parser and book sync as live.
use std::sync::Arc;

use quorum_connector::{BinanceEnv, MarketSource};
use quorum_venues::replay::{Record, RestExchange};
use serde_json::json;

use crate::harness::{Harness, PATIENCE, Servers, eventually, levels};

fn depth(first: i64, last: i64, bids: &[(&str, &str)], asks: &[(&str, &str)]) -> String {
    let data = json!({"e": "depthUpdate", "E": 1_700_000_000_000_i64 + last, "s": "BTCUSDT",
        "U": first, "u": last, "b": bids, "a": asks});
    json!({"stream": "btcusdt@depth@100ms", "data": data}).to_string()
}

fn rest(at: i64, path: &str, query: &str, body: serde_json::Value) -> Record {
    Record::rest(
        at,
        RestExchange {
            method: "GET".into(),
            path: path.into(),
            query: query.into(),
            status: 200,
            body: body.to_string(),
        },
    )
}

#[tokio::test]
async fn a_recorded_session_replays_into_the_same_book() {
    let exchange_info = json!({"timezone": "UTC", "serverTime": 1_700_000_000_000_i64, "rateLimits": [],
        "exchangeFilters": [], "symbols": [{"symbol": "BTCUSDT", "status": "TRADING",
        "baseAsset": "BTC", "quoteAsset": "USDT", "filters": [
            {"filterType": "PRICE_FILTER", "minPrice": "0.01", "maxPrice": "1000000", "tickSize": "0.01"},
            {"filterType": "LOT_SIZE", "minQty": "0.00001", "maxQty": "9000", "stepSize": "0.00001"},
            {"filterType": "NOTIONAL", "minNotional": "5"}]}]});
    let snapshot = json!({"lastUpdateId": 100, "bids": [["100.00", "1"], ["99.00", "2"]],
        "asks": [["101.00", "1"], ["102.00", "3"]]});
    let records = [
        rest(1_700_000_000_000, "/api/v3/exchangeInfo", "", exchange_info),
        Record::ws(1_700_000_000_100, r#"{"result":null,"id":1}"#),
        Record::ws(1_700_000_000_200, depth(95, 99, &[("98.00", "5")], &[])),
        rest(
            1_700_000_000_250,
            "/api/v3/depth",
            "symbol=BTCUSDT&limit=1000",
            snapshot,
        ),
        Record::ws(
            1_700_000_000_300,
            depth(100, 102, &[("100.00", "1.5")], &[("101.50", "2")]),
        ),
        Record::ws(1_700_000_000_400, depth(103, 104, &[], &[("101.00", "0")])),
    ];
    let path = std::env::temp_dir().join(format!("quorum-session-{}.jsonl", uuid::Uuid::new_v4()));
    let lines: Vec<String> = records.iter().map(Record::to_line).collect();
    std::fs::write(&path, lines.join("\n")).unwrap();

    let servers = Servers::start().await;
    let mut config = servers.config::<BinanceEnv>();
    config.market.market_source = MarketSource::Replay;
    config.market.replay_path = Some(path.clone());
    config.market.replay_speed = 0.0;
    config.venue.symbols = "BTC-USDT".into();
    let harness = Harness::serve(servers, config, Arc::new(quorum_venues::binance::Binance)).await;
    let book = eventually("the replayed book", PATIENCE, || async {
        let book = harness.synced_book("BTC-USDT", 0).await;
        (levels(&book.asks) == ["101.5:2", "102:3"]).then_some(book)
    })
    .await;
    let _ = std::fs::remove_file(path);
    assert_eq!(levels(&book.bids), ["100:1.5", "99:2"]);
    let status = harness.status().await;
    assert_eq!(status.market_source, "replay");
    assert_eq!(status.books[0].resyncs, 0);
}

#[tokio::test]
async fn a_session_recorded_with_quorum_record_path_replays_into_a_synced_book() {
    let path = std::env::temp_dir().join(format!("quorum-record-{}.jsonl", uuid::Uuid::new_v4()));
    let servers = Servers::start().await;
    let mut config = servers.config::<BinanceEnv>();
    config.market.record_path = Some(path.clone());
    config.venue.symbols = "BTC-USDT".into();
    let recorder = Harness::serve(servers, config, Arc::new(quorum_venues::binance::Binance)).await;
    recorder.synced_book("BTC-USDT", 0).await;
    // Let some of the stream go by after the sync.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    drop(recorder);

    let text = std::fs::read_to_string(&path).unwrap();
    let kinds: Vec<String> = text
        .lines()
        .map(|line| serde_json::from_str::<serde_json::Value>(line).unwrap()["kind"].to_string())
        .collect();
    assert!(
        kinds.iter().any(|kind| kind == "\"rest\""),
        "no REST exchange recorded"
    );
    assert!(
        kinds.iter().filter(|kind| *kind == "\"ws\"").count() > 3,
        "too few stream messages recorded: {kinds:?}"
    );

    let servers = Servers::start().await;
    let mut config = servers.config::<BinanceEnv>();
    config.market.market_source = MarketSource::Replay;
    config.market.replay_path = Some(path.clone());
    config.market.replay_speed = 0.0;
    config.venue.symbols = "BTC-USDT".into();
    let player = Harness::serve(servers, config, Arc::new(quorum_venues::binance::Binance)).await;
    let book = player.synced_book("BTC-USDT", 5).await;
    let _ = std::fs::remove_file(path);
    assert!(!book.bids.is_empty() && !book.asks.is_empty(), "{book:?}");
    assert_eq!(player.status().await.market_source, "replay");
}
