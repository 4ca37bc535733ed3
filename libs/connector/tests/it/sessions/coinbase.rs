//! Coinbase against a fake venue: the `level2` snapshot and updates, heartbeats, a
//! replayed sequence number, and a lost message that makes the connector reset and
//! subscribe again.
use std::sync::Arc;

use quorum_connector::CoinbaseEnv;
use serde_json::json;

use super::{Expected, assert_one_resync, run};
use crate::fake_venue::Step;

fn products() -> String {
    json!({"products": [{
        "product_id": "BTC-USD", "price": "20.00", "base_increment": "0.00000001",
        "quote_increment": "0.01", "quote_min_size": "1", "quote_max_size": "150000000",
        "base_min_size": "0.00000001", "base_max_size": "3400", "base_name": "BTC",
        "quote_name": "USD", "status": "online", "cancel_only": false, "limit_only": false,
        "post_only": false, "trading_disabled": false, "is_disabled": false,
        "product_type": "SPOT", "quote_currency_id": "USD", "base_currency_id": "BTC",
        "display_name": "BTC-USD", "price_increment": "0.01"
    }], "num_products": 1})
    .to_string()
}

fn level2(sequence: u64, kind: &str, updates: &[(&str, &str, &str)]) -> Step {
    let updates: Vec<serde_json::Value> = updates
        .iter()
        .map(|(side, price, quantity)| {
            json!({"side": side, "event_time": "2024-01-01T00:00:00Z",
                   "price_level": price, "new_quantity": quantity})
        })
        .collect();
    Step::Send(
        json!({"channel": "l2_data", "client_id": "", "timestamp": "2024-01-01T00:00:00.5Z",
               "sequence_num": sequence,
               "events": [{"type": kind, "product_id": "BTC-USD", "updates": updates}]})
        .to_string(),
    )
}

fn heartbeat(sequence: u64) -> Step {
    Step::Send(
        json!({"channel": "heartbeats", "client_id": "", "timestamp": "2024-01-01T00:00:01Z",
               "sequence_num": sequence,
               "events": [{"current_time": "2024-01-01 00:00:01 +0000 UTC", "heartbeat_counter": "1"}]})
        .to_string(),
    )
}

#[tokio::test]
async fn coinbase_book_ends_exact_and_one_lost_message_costs_exactly_one_resync() {
    let answers = vec![("/api/v3/brokerage/market/products", 200, products())];
    let script = vec![
        Step::AwaitReceived {
            text: "level2",
            count: 1,
        },
        level2(
            0,
            "snapshot",
            &[
                ("bid", "20.00", "1"),
                ("bid", "19.99", "2"),
                ("offer", "20.01", "1"),
                ("offer", "20.02", "3"),
            ],
        ),
        level2(1, "update", &[("bid", "20.00", "1.5")]),
        heartbeat(2),
        heartbeat(2),
        level2(3, "update", &[("offer", "20.01", "0")]),
        // Sequence 4 is lost.
        level2(5, "update", &[("bid", "19.50", "4")]),
        Step::AwaitReceived {
            text: "level2",
            count: 2,
        },
        level2(
            6,
            "snapshot",
            &[
                ("bid", "20.00", "2"),
                ("bid", "19.98", "1"),
                ("offer", "20.02", "1"),
                ("offer", "20.03", "2"),
            ],
        ),
        level2(
            7,
            "update",
            &[("bid", "19.98", "0"), ("offer", "20.04", "1")],
        ),
    ];
    let expected = Expected {
        symbol: "BTC-USD",
        bids: &["20:2"],
        asks: &["20.02:1", "20.03:2", "20.04:1"],
    };
    let (venue, harness) = run::<CoinbaseEnv>(
        Arc::new(quorum_venues::coinbase::Coinbase),
        answers,
        script,
        &expected,
    )
    .await;
    assert_one_resync(&harness, "BTC-USD").await;
    assert_eq!(
        venue.received_containing("level2"),
        2,
        "one subscription, one resubscription"
    );
}
