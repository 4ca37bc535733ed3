//! OKX against a fake venue: the `books` channel's snapshot and updates chained by
//! prevSeqId/seqId, with a duplicate, an empty update and a gap that makes the connector
//! subscribe again for a new snapshot.
use std::sync::Arc;

use quorum_connector::OkxEnv;
use serde_json::json;

use super::{Expected, assert_one_resync, run};
use crate::fake_venue::Step;

fn instruments() -> String {
    json!({"code": "0", "msg": "", "data": [{
        "alias": "", "baseCcy": "BTC", "category": "1", "instFamily": "", "instId": "BTC-USDT",
        "instType": "SPOT", "lever": "10", "listTime": "1606468572000", "lotSz": "0.00000001",
        "maxLmtSz": "9999999999", "maxMktSz": "", "minSz": "0.00001", "quoteCcy": "USDT",
        "settleCcy": "", "state": "live", "ruleType": "normal", "tickSz": "0.1", "uly": ""
    }]})
    .to_string()
}

fn books(action: &str, prev: i64, seq: i64, bids: &[(&str, &str)], asks: &[(&str, &str)]) -> Step {
    let side = |levels: &[(&str, &str)]| -> Vec<[String; 4]> {
        levels
            .iter()
            .map(|(price, size)| [price.to_string(), size.to_string(), "0".into(), "1".into()])
            .collect()
    };
    let data = json!({"asks": side(asks), "bids": side(bids), "ts": "1700000000000",
        "checksum": 0, "prevSeqId": prev, "seqId": seq});
    Step::Send(
        json!({"arg": {"channel": "books", "instId": "BTC-USDT"}, "action": action, "data": [data]})
            .to_string(),
    )
}

#[tokio::test]
async fn okx_book_ends_exact_and_one_gap_costs_exactly_one_resync() {
    let answers = vec![("/api/v5/public/instruments", 200, instruments())];
    let ack = json!({"event": "subscribe", "arg": {"channel": "books", "instId": "BTC-USDT"}, "connId": "a4d3ae55"});
    let script = vec![
        Step::AwaitReceived {
            text: "subscribe",
            count: 1,
        },
        Step::Send(ack.to_string()),
        books(
            "snapshot",
            -1,
            1000,
            &[("30.0", "1"), ("29.9", "2")],
            &[("30.1", "1"), ("30.2", "3")],
        ),
        books("update", 1000, 1001, &[("30.0", "1.5")], &[]),
        books("update", 1000, 1001, &[("30.0", "9")], &[]),
        books("update", 1001, 1002, &[], &[("30.1", "0")]),
        // No change: prevSeqId equals seqId.
        books("update", 1002, 1002, &[], &[]),
        // 1003..1005 lost.
        books("update", 1005, 1006, &[("29.5", "4")], &[]),
        Step::AwaitReceived {
            text: "subscribe",
            count: 2,
        },
        Step::Send(ack.to_string()),
        books(
            "snapshot",
            -1,
            2000,
            &[("30.0", "2"), ("29.8", "1")],
            &[("30.2", "1"), ("30.3", "2")],
        ),
        books("update", 2000, 2001, &[("29.8", "0")], &[("30.4", "1")]),
    ];
    let expected = Expected {
        symbol: "BTC-USDT",
        bids: &["30:2"],
        asks: &["30.2:1", "30.3:2", "30.4:1"],
    };
    let (venue, harness) = run::<OkxEnv>(
        Arc::new(quorum_venues::okx::Okx),
        answers,
        script,
        &expected,
    )
    .await;
    assert_one_resync(&harness, "BTC-USDT").await;
    assert_eq!(
        venue.received_containing("subscribe"),
        2,
        "one subscription, one resubscription"
    );
    assert_eq!(
        venue.requests_to("/api/v5/market/books"),
        0,
        "the snapshot comes on the stream"
    );
}
