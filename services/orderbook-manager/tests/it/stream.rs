//! StreamBook: a snapshot, then deltas with consecutive sequence numbers, for one venue
//! or the aggregate; applying the messages in order gives the book GetBook serves.
use std::time::Duration;

use futures::StreamExt;
use quorum_domain::{Side, Venue};
use quorum_proto::market::v1 as market;
use quorum_proto::marketdata::v1::{StreamBookRequest, StreamBookResponse};
use quorum_quant::OrderBook;
use tonic::Streaming;

use crate::harness::{Harness, PATIENCE, expect, levels, pairs, update};

async fn open(
    harness: &Harness,
    venue: market::Venue,
    depth: u32,
) -> Streaming<StreamBookResponse> {
    let request = StreamBookRequest {
        venue: venue.into(),
        symbol: "BTC-USDT".into(),
        depth,
    };
    let request = harness.server.request(request, &["viewer"]);
    harness
        .client
        .clone()
        .stream_book(request)
        .await
        .unwrap()
        .into_inner()
}

async fn next(stream: &mut Streaming<StreamBookResponse>) -> StreamBookResponse {
    tokio::time::timeout(PATIENCE, stream.next())
        .await
        .expect("a stream message in time")
        .expect("the stream is open")
        .unwrap()
}

#[tokio::test]
async fn a_venue_stream_sends_a_snapshot_then_sequenced_deltas() {
    let harness = Harness::start().await;
    harness
        .publish(&update(
            Venue::Binance,
            0,
            true,
            &[("100", "1"), ("99.5", "2"), ("99", "3"), ("98", "4")],
            &[("100.5", "1"), ("101", "2")],
        ))
        .await;
    harness.book_at(market::Venue::Binance, "BTC-USDT", 0).await;
    let mut stream = open(&harness, market::Venue::Binance, 3).await;

    let snapshot = next(&mut stream).await;
    assert!(snapshot.snapshot);
    assert_eq!(snapshot.sequence, 1);
    assert_eq!(
        pairs(&snapshot.bids),
        expect(&[("100", "1"), ("99.5", "2"), ("99", "3")])
    );
    assert_eq!(
        pairs(&snapshot.asks),
        expect(&[("100.5", "1"), ("101", "2")])
    );
    assert_eq!(snapshot.event_unix_ms, 1_700_000_000_000);

    // The best bid leaves: 98 enters the top three the subscriber holds.
    harness
        .publish(&update(
            Venue::Binance,
            1,
            false,
            &[("100", "0")],
            &[("100.5", "3")],
        ))
        .await;
    let delta = next(&mut stream).await;
    assert!(!delta.snapshot);
    assert_eq!(delta.sequence, 2);
    assert_eq!(pairs(&delta.bids), expect(&[("100", "0"), ("98", "4")]));
    assert_eq!(pairs(&delta.asks), expect(&[("100.5", "3")]));

    harness
        .publish(&update(Venue::Binance, 2, false, &[], &[("102", "1")]))
        .await;
    let delta = next(&mut stream).await;
    assert_eq!(delta.sequence, 3);
    assert!(delta.bids.is_empty());
    assert_eq!(pairs(&delta.asks), expect(&[("102", "1")]));
}

#[tokio::test]
async fn the_aggregate_stream_follows_every_venue() {
    let harness = Harness::start().await;
    harness
        .publish(&update(
            Venue::Binance,
            0,
            true,
            &[("100", "1")],
            &[("101", "1")],
        ))
        .await;
    harness
        .publish(&update(
            Venue::Coinbase,
            0,
            true,
            &[("100", "2")],
            &[("101.5", "1")],
        ))
        .await;
    harness
        .book_at(market::Venue::Coinbase, "BTC-USDT", 0)
        .await;
    let mut stream = open(&harness, market::Venue::Unspecified, 0).await;

    let snapshot = next(&mut stream).await;
    assert!(snapshot.snapshot);
    assert_eq!(pairs(&snapshot.bids), expect(&[("100", "3")]));
    assert_eq!(
        pairs(&snapshot.asks),
        expect(&[("101", "1"), ("101.5", "1")])
    );

    harness
        .publish(&update(Venue::Coinbase, 1, false, &[("100", "0.5")], &[]))
        .await;
    let delta = next(&mut stream).await;
    assert_eq!((delta.sequence, delta.snapshot), (2, false));
    assert_eq!(pairs(&delta.bids), expect(&[("100", "1.5")]));
    assert!(delta.asks.is_empty());
}

#[tokio::test]
async fn a_burst_of_updates_replayed_from_the_stream_gives_the_served_book() {
    let harness = Harness::start().await;
    harness
        .publish(&update(
            Venue::Binance,
            0,
            true,
            &[("100", "1")],
            &[("110", "1")],
        ))
        .await;
    harness.book_at(market::Venue::Binance, "BTC-USDT", 0).await;
    let mut stream = open(&harness, market::Venue::Binance, 5).await;
    let snapshot = next(&mut stream).await;
    let mut held =
        OrderBook::from_levels(&wire_levels(&snapshot.bids), &wire_levels(&snapshot.asks));
    let mut sequence = snapshot.sequence;

    // Published faster than a subscriber reads, so the stream may conflate. Every
    // quantity is new, so no earlier state of the book equals the last one.
    for step in 1..=40u64 {
        let bid = format!("{}", 100 + step % 7);
        let ask = format!("{}", 110 + step % 5);
        let quantity = step.to_string();
        let delta = update(
            Venue::Binance,
            step,
            false,
            &[(&bid, &quantity)],
            &[(&ask, &quantity)],
        );
        harness.publish(&delta).await;
    }
    harness
        .book_at(market::Venue::Binance, "BTC-USDT", 40)
        .await;
    let served = harness
        .get_book(market::Venue::Binance, "BTC-USDT", 5)
        .await
        .unwrap()
        .book
        .unwrap();
    loop {
        let (bids, asks) = held.top(0);
        if pairs_of(&bids) == pairs(&served.bids) && pairs_of(&asks) == pairs(&served.asks) {
            break;
        }
        let message = next(&mut stream).await;
        assert!(!message.snapshot);
        assert_eq!(message.sequence, sequence + 1, "no gap in the stream");
        sequence = message.sequence;
        held.apply_all(Side::Buy, &wire_levels(&message.bids));
        held.apply_all(Side::Sell, &wire_levels(&message.asks));
    }
    assert!(sequence <= 41, "at most one message per update: {sequence}");
    // Nothing more is pending once the subscriber holds the served book.
    let extra = tokio::time::timeout(Duration::from_millis(300), stream.next()).await;
    assert!(extra.is_err(), "unexpected message: {extra:?}");
}

fn wire_levels(levels_on_wire: &[market::PriceLevel]) -> Vec<quorum_domain::Level> {
    let text = pairs(levels_on_wire);
    let refs: Vec<(&str, &str)> = text.iter().map(|(p, q)| (p.as_str(), q.as_str())).collect();
    levels(&refs)
}

fn pairs_of(levels: &[quorum_domain::Level]) -> Vec<(String, String)> {
    levels
        .iter()
        .map(|level| {
            (
                level.price.normalize().to_string(),
                level.quantity.normalize().to_string(),
            )
        })
        .collect()
}
