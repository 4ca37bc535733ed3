//! Gate.io against a fake venue: REST snapshot with id, `spot.order_book_update` deltas
//! with U/u, stale, duplicate and gapped ones.
use std::sync::Arc;

use quorum_connector::GateioEnv;
use serde_json::json;

use super::{Expected, assert_one_resync, run};
use crate::fake_venue::Step;

const BOOK: &str = "/api/v4/spot/order_book";

fn currency_pairs() -> String {
    json!([{
        "id": "BTC_USDT", "base": "BTC", "base_name": "Bitcoin", "quote": "USDT",
        "quote_name": "Tether", "fee": "0.2", "min_base_amount": "0.0001",
        "min_quote_amount": "3", "max_base_amount": "1000", "max_quote_amount": "5000000",
        "amount_precision": 4, "precision": 1, "trade_status": "tradable",
        "sell_start": 1516378650, "buy_start": 1516378650, "delisting_time": 0,
        "trade_url": "https://www.gate.io/trade/BTC_USDT", "st_tag": false
    }])
    .to_string()
}

fn snapshot(id: i64, bids: &[(&str, &str)], asks: &[(&str, &str)]) -> String {
    json!({"id": id, "current": 1_700_000_000_123_i64, "update": 1_700_000_000_121_i64, "asks": asks, "bids": bids})
        .to_string()
}

fn update(first: i64, last: i64, bids: &[(&str, &str)], asks: &[(&str, &str)]) -> Step {
    let result = json!({
        "t": 1_700_000_000_000_i64 + last, "e": "depthUpdate", "E": 1_700_000_000_i64,
        "s": "BTC_USDT", "U": first, "u": last, "b": bids, "a": asks
    });
    Step::Send(
        json!({"time": 1_700_000_000_i64, "time_ms": 1_700_000_000_236_i64,
               "channel": "spot.order_book_update", "event": "update", "result": result})
        .to_string(),
    )
}

#[tokio::test]
async fn gate_io_book_ends_exact_and_one_gap_costs_exactly_one_resync() {
    let answers = vec![
        ("/api/v4/spot/currency_pairs", 200, currency_pairs()),
        (
            BOOK,
            200,
            snapshot(
                200,
                &[("50.0", "1"), ("49.9", "2")],
                &[("50.1", "1"), ("50.2", "3")],
            ),
        ),
        (
            BOOK,
            200,
            snapshot(
                210,
                &[("50.0", "2"), ("49.8", "1")],
                &[("50.2", "1"), ("50.3", "2")],
            ),
        ),
    ];
    let ack = json!({"time": 1_700_000_000_i64, "time_ms": 1_700_000_000_231_i64, "id": 1,
        "channel": "spot.order_book_update", "event": "subscribe",
        "payload": ["BTC_USDT", "100ms"], "result": {"status": "success"}});
    let script = vec![
        Step::AwaitReceived {
            text: "spot.order_book_update",
            count: 1,
        },
        Step::Send(ack.to_string()),
        update(195, 199, &[("49.0", "5")], &[]),
        update(200, 202, &[("50.0", "1.5")], &[]),
        update(201, 202, &[("50.0", "9")], &[]),
        Step::AwaitRequests {
            path: BOOK,
            count: 1,
        },
        update(203, 203, &[], &[("50.1", "0")]),
        update(199, 200, &[("50.0", "8")], &[]),
        update(210, 211, &[("49.5", "4")], &[]),
        Step::AwaitRequests {
            path: BOOK,
            count: 2,
        },
        update(212, 212, &[("49.8", "0")], &[("50.4", "1")]),
    ];
    let expected = Expected {
        symbol: "BTC-USDT",
        bids: &["50:2", "49.5:4"],
        asks: &["50.2:1", "50.3:2", "50.4:1"],
    };
    let (venue, harness) = run::<GateioEnv>(
        Arc::new(quorum_venues::gateio::Gateio),
        answers,
        script,
        &expected,
    )
    .await;
    assert_one_resync(&harness, "BTC-USDT").await;
    assert_eq!(venue.requests_to(BOOK), 2, "{:?}", venue.requests());
    assert!(
        venue
            .requests()
            .iter()
            .any(|r| r.contains("currency_pair=BTC_USDT") && r.contains("with_id=true")),
        "{:?}",
        venue.requests()
    );
}
