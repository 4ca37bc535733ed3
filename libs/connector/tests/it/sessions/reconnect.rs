//! A venue that drops the stream: the connector reconnects with backoff, subscribes
//! again, rebuilds the book from a fresh snapshot, and counts one resync.
use std::sync::Arc;

use quorum_connector::BinanceEnv;

use super::binance_wire::{DEPTH, depth, exchange_info, snapshot};
use super::{Expected, assert_one_resync, run_scripts};
use crate::fake_venue::Step;

#[tokio::test]
async fn a_dropped_stream_is_reopened_and_the_book_rebuilt() {
    let answers = vec![
        ("/api/v3/exchangeInfo", 200, exchange_info()),
        (
            DEPTH,
            200,
            snapshot(
                101,
                &[("100.00", "1"), ("99.00", "2")],
                &[("101.00", "1"), ("102.00", "3")],
            ),
        ),
        (
            DEPTH,
            200,
            snapshot(
                121,
                &[("100.00", "2"), ("98.00", "1")],
                &[("101.50", "1"), ("103.00", "2")],
            ),
        ),
    ];
    let first = vec![
        Step::AwaitReceived {
            text: "SUBSCRIBE",
            count: 1,
        },
        depth(100, 102, &[("100.00", "1.5")], &[]),
        Step::AwaitRequests {
            path: DEPTH,
            count: 1,
        },
        depth(103, 104, &[], &[("101.00", "0")]),
        Step::Close,
    ];
    let second = vec![
        Step::AwaitReceived {
            text: "SUBSCRIBE",
            count: 2,
        },
        depth(120, 122, &[("97.00", "4")], &[]),
        Step::AwaitRequests {
            path: DEPTH,
            count: 2,
        },
        depth(123, 124, &[], &[("104.00", "1")]),
    ];
    let expected = Expected {
        symbol: "BTC-USDT",
        bids: &["100:2", "98:1", "97:4"],
        asks: &["101.5:1", "103:2", "104:1"],
    };
    let protocol = Arc::new(quorum_venues::binance::Binance);
    let (venue, harness) =
        run_scripts::<BinanceEnv>(protocol, answers, vec![first, second], &expected).await;
    assert_one_resync(&harness, "BTC-USDT").await;
    assert_eq!(venue.connections(), 2);
    assert_eq!(venue.requests_to(DEPTH), 2, "{:?}", venue.requests());
    let metrics = harness.metrics().await;
    let reconnects = metrics
        .lines()
        .find(|line| line.starts_with("connector_reconnects_total"))
        .unwrap_or_else(|| panic!("no reconnect counter in:\n{metrics}"));
    assert!(reconnects.ends_with(" 1"), "{reconnects}");
}
