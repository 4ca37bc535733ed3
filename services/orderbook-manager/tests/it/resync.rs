//! Gapped and crossed books: withheld, resynced through the venue's connector at most
//! once per interval, and recovered by the next snapshot.
use quorum_domain::Venue;
use quorum_proto::market::v1 as market;
use quorum_testkit::fakes::{FakeExchange, ResyncCall};
use tonic::Code;

use crate::harness::{Harness, PATIENCE, assert_not_crossed, eventually, expect, pairs, update};

async fn resync_calls(connector: &FakeExchange, count: usize) -> Vec<ResyncCall> {
    eventually(&format!("{count} ResyncBook call(s)"), PATIENCE, || async {
        let calls = connector.snapshot().resyncs;
        (calls.len() >= count).then_some(calls)
    })
    .await
}

#[tokio::test]
async fn a_sequence_gap_asks_the_connector_to_resync_and_the_next_snapshot_recovers() {
    let harness = Harness::start().await;
    let snapshot = update(Venue::Binance, 0, true, &[("100", "1")], &[("101", "1")]);
    harness.publish(&snapshot).await;
    harness
        .publish(&update(
            Venue::Coinbase,
            0,
            true,
            &[("99", "2")],
            &[("102", "2")],
        ))
        .await;
    harness
        .publish(&update(Venue::Binance, 1, false, &[("100", "2")], &[]))
        .await;
    harness.book_at(market::Venue::Binance, "BTC-USDT", 1).await;
    harness
        .book_at(market::Venue::Coinbase, "BTC-USDT", 0)
        .await;

    // Sequence 2 never comes.
    harness
        .publish(&update(Venue::Binance, 3, false, &[("100", "9")], &[]))
        .await;
    let status = harness
        .book_fails(market::Venue::Binance, "BTC-USDT", Code::Unavailable)
        .await;
    assert!(
        status.message().contains("expected 2, received 3"),
        "{}",
        status.message()
    );
    let calls = resync_calls(&harness.binance, 1).await;
    assert_eq!(calls[0].symbol, "BTC-USDT");
    assert!(harness.coinbase.snapshot().resyncs.is_empty());

    // The aggregate goes on without the gapped venue.
    let aggregate = harness
        .get_book(market::Venue::Unspecified, "BTC-USDT", 0)
        .await
        .unwrap();
    assert_eq!(aggregate.venues, [market::Venue::Coinbase as i32]);
    assert_eq!(pairs(&aggregate.book.unwrap().bids), expect(&[("99", "2")]));

    // The connector's next snapshot brings the book back, and deltas follow it again.
    harness
        .publish(&update(
            Venue::Binance,
            0,
            true,
            &[("100.5", "4")],
            &[("101", "3")],
        ))
        .await;
    harness
        .publish(&update(Venue::Binance, 1, false, &[("100.2", "1")], &[]))
        .await;
    let recovered = harness.book_at(market::Venue::Binance, "BTC-USDT", 1).await;
    let book = recovered.book.unwrap();
    assert_eq!(pairs(&book.bids), expect(&[("100.5", "4"), ("100.2", "1")]));
    assert_eq!(pairs(&book.asks), expect(&[("101", "3")]));
    assert_not_crossed(&book);
    let aggregate = harness
        .get_book(market::Venue::Unspecified, "BTC-USDT", 0)
        .await
        .unwrap();
    assert_eq!(aggregate.venues.len(), 2);
    let answered = eventually("the connector's answer to be counted", PATIENCE, || async {
        let count = harness.resyncs("binance", "ok").await;
        (count > 0).then_some(count)
    })
    .await;
    assert_eq!(answered, 1);
}

#[tokio::test]
async fn a_flapping_book_does_not_storm_its_connector() {
    let harness = Harness::start().await;
    let snapshot = update(Venue::Binance, 0, true, &[("100", "1")], &[("101", "1")]);
    harness.publish(&snapshot).await;
    harness
        .publish(&update(Venue::Binance, 5, false, &[], &[]))
        .await;
    resync_calls(&harness.binance, 1).await;

    // Recovered and broken again at once, twice: the interval (60 s here) holds both.
    for _ in 0..2 {
        harness.publish(&snapshot).await;
        harness.book_at(market::Venue::Binance, "BTC-USDT", 0).await;
        harness
            .publish(&update(Venue::Binance, 7, false, &[], &[]))
            .await;
        harness
            .book_fails(market::Venue::Binance, "BTC-USDT", Code::Unavailable)
            .await;
    }
    let limited = eventually("two rate-limited resyncs", PATIENCE, || async {
        let count = harness.resyncs("binance", "rate_limited").await;
        (count == 2).then_some(count)
    })
    .await;
    assert_eq!(limited, 2);
    assert_eq!(harness.resyncs("binance", "requested").await, 1);
    assert_eq!(harness.binance.snapshot().resyncs.len(), 1);
}

#[tokio::test]
async fn a_crossed_book_is_withheld_and_resynced() {
    let harness = Harness::start().await;
    harness
        .publish(&update(
            Venue::Coinbase,
            0,
            true,
            &[("100", "1")],
            &[("101", "1")],
        ))
        .await;
    harness
        .book_at(market::Venue::Coinbase, "BTC-USDT", 0)
        .await;

    // A bid at the best ask: no healthy venue book looks like this.
    harness
        .publish(&update(Venue::Coinbase, 1, false, &[("101", "1")], &[]))
        .await;
    let status = harness
        .book_fails(market::Venue::Coinbase, "BTC-USDT", Code::Unavailable)
        .await;
    assert!(status.message().contains("crossed"), "{}", status.message());
    let calls = resync_calls(&harness.coinbase, 1).await;
    assert_eq!(calls[0].symbol, "BTC-USDT");
    // With its only venue withheld, the aggregate has nothing to serve.
    let status = harness
        .get_book(market::Venue::Unspecified, "BTC-USDT", 0)
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unavailable);

    harness
        .publish(&update(
            Venue::Coinbase,
            0,
            true,
            &[("100", "2")],
            &[("101", "2")],
        ))
        .await;
    let book = harness
        .book_at(market::Venue::Coinbase, "BTC-USDT", 0)
        .await
        .book
        .unwrap();
    assert_eq!(pairs(&book.bids), expect(&[("100", "2")]));
    assert_not_crossed(&book);
}

#[tokio::test]
async fn an_unreachable_connector_is_counted_and_the_service_keeps_serving() {
    let harness = Harness::start().await;
    // okx-api points at a port where nothing listens.
    harness
        .publish(&update(
            Venue::Okx,
            0,
            true,
            &[("100", "1")],
            &[("101", "1")],
        ))
        .await;
    harness
        .publish(&update(Venue::Okx, 2, false, &[], &[]))
        .await;
    harness
        .book_fails(market::Venue::Okx, "BTC-USDT", Code::Unavailable)
        .await;
    let failed = eventually("a failed resync", PATIENCE, || async {
        let count = harness.resyncs("okx", "failed").await;
        (count == 1).then_some(count)
    })
    .await;
    assert_eq!(failed, 1);
    harness
        .publish(&update(
            Venue::Okx,
            0,
            true,
            &[("100", "1")],
            &[("101", "1")],
        ))
        .await;
    harness.book_at(market::Venue::Okx, "BTC-USDT", 0).await;
}
