//! Books kept from the bus: per venue and aggregated, exactly as published.
use quorum_domain::Venue;
use quorum_domain::topics::MARKET_BOOK;
use quorum_proto::market::v1 as market;

use crate::harness::{Harness, PATIENCE, assert_not_crossed, eventually, expect, pairs, update};

/// Two venues' snapshots and deltas; returns when all were applied.
async fn publish_two_venues(harness: &Harness) {
    let binance_snapshot = update(
        Venue::Binance,
        0,
        true,
        &[("100", "1"), ("99.5", "2"), ("99", "3")],
        &[("100.5", "1"), ("101", "2"), ("102", "5")],
    );
    let coinbase_snapshot = update(
        Venue::Coinbase,
        0,
        true,
        &[("100", "0.5"), ("99", "1"), ("98", "4")],
        &[("100.5", "2"), ("101.5", "1")],
    );
    harness.publish(&binance_snapshot).await;
    harness.publish(&coinbase_snapshot).await;
    let binance_first = update(
        Venue::Binance,
        1,
        false,
        &[("100", "0"), ("99.8", "1.5")],
        &[("100.5", "3")],
    );
    let binance_second = update(Venue::Binance, 2, false, &[], &[("101", "0")]);
    let coinbase_first = update(Venue::Coinbase, 1, false, &[("99", "2.5")], &[]);
    harness.publish(&binance_first).await;
    harness.publish(&coinbase_first).await;
    harness.publish(&binance_second).await;
    harness.book_at(market::Venue::Binance, "BTC-USDT", 2).await;
    harness
        .book_at(market::Venue::Coinbase, "BTC-USDT", 1)
        .await;
}

#[tokio::test]
async fn venue_books_follow_their_snapshots_and_deltas() {
    let harness = Harness::start().await;
    publish_two_venues(&harness).await;

    let binance = harness
        .get_book(market::Venue::Binance, "BTC-USDT", 0)
        .await
        .unwrap();
    let book = binance.book.unwrap();
    assert_eq!(book.venue, market::Venue::Binance as i32);
    assert_eq!(book.symbol, "BTC-USDT");
    assert_eq!(book.sequence, 2);
    assert_eq!(book.updated_unix_ms, 1_700_000_000_002);
    assert_eq!(
        pairs(&book.bids),
        expect(&[("99.8", "1.5"), ("99.5", "2"), ("99", "3")])
    );
    assert_eq!(pairs(&book.asks), expect(&[("100.5", "3"), ("102", "5")]));
    assert_eq!(binance.venues, [market::Venue::Binance as i32]);
    assert_not_crossed(&book);

    let coinbase = harness
        .get_book(market::Venue::Coinbase, "btc-usdt", 2)
        .await
        .unwrap()
        .book
        .unwrap();
    assert_eq!(
        pairs(&coinbase.bids),
        expect(&[("100", "0.5"), ("99", "2.5")])
    );
    assert_eq!(
        pairs(&coinbase.asks),
        expect(&[("100.5", "2"), ("101.5", "1")])
    );
    assert_not_crossed(&coinbase);
}

#[tokio::test]
async fn the_aggregate_sums_quantities_at_each_price_over_the_venues() {
    let harness = Harness::start().await;
    publish_two_venues(&harness).await;

    let response = harness
        .get_book(market::Venue::Unspecified, "BTC-USDT", 0)
        .await
        .unwrap();
    assert_eq!(
        response.venues,
        [
            market::Venue::Binance as i32,
            market::Venue::Coinbase as i32
        ]
    );
    let book = response.book.unwrap();
    assert_eq!(book.venue, market::Venue::Unspecified as i32);
    assert_eq!(
        pairs(&book.bids),
        expect(&[
            ("100", "0.5"),
            ("99.8", "1.5"),
            ("99.5", "2"),
            ("99", "5.5"),
            ("98", "4"),
        ])
    );
    assert_eq!(
        pairs(&book.asks),
        expect(&[("100.5", "5"), ("101.5", "1"), ("102", "5")])
    );
    assert_eq!(book.updated_unix_ms, 1_700_000_000_002);
    assert_not_crossed(&book);

    let top = harness
        .get_book(market::Venue::Unspecified, "BTC-USDT", 2)
        .await
        .unwrap()
        .book
        .unwrap();
    assert_eq!(pairs(&top.bids), expect(&[("100", "0.5"), ("99.8", "1.5")]));
    assert_eq!(pairs(&top.asks), expect(&[("100.5", "5"), ("101.5", "1")]));
}

#[tokio::test]
async fn depth_zero_means_twenty_levels() {
    let harness = Harness::start().await;
    let bids: Vec<(String, String)> = (0..30)
        .map(|i| (format!("{}", 1000 - i), "1".into()))
        .collect();
    let asks: Vec<(String, String)> = (0..30)
        .map(|i| (format!("{}", 1001 + i), "1".into()))
        .collect();
    let snapshot = update(Venue::Okx, 0, true, &as_refs(&bids), &as_refs(&asks));
    harness.publish(&snapshot).await;
    let response = harness.book_at(market::Venue::Okx, "BTC-USDT", 0).await;
    // book_at reads with depth 0.
    let book = response.book.unwrap();
    assert_eq!((book.bids.len(), book.asks.len()), (20, 20));
    assert_eq!(pairs(&book.bids)[19].0, "981");
    let all = harness
        .get_book(market::Venue::Okx, "BTC-USDT", 1000)
        .await
        .unwrap()
        .book
        .unwrap();
    assert_eq!((all.bids.len(), all.asks.len()), (30, 30));
}

#[tokio::test]
async fn an_event_that_does_not_decode_is_dead_lettered_and_the_feed_goes_on() {
    let harness = Harness::start().await;
    harness
        .bus
        .publish_raw(MARKET_BOOK, "{not json")
        .await
        .unwrap();
    let mut impossible = update(Venue::Binance, 0, true, &[("100", "1")], &[("101", "1")]);
    impossible.asks[0].quantity = "-1".parse().unwrap();
    harness.publish(&impossible).await;
    harness
        .publish(&update(
            Venue::Binance,
            0,
            true,
            &[("100", "1")],
            &[("101", "1")],
        ))
        .await;
    harness.book_at(market::Venue::Binance, "BTC-USDT", 0).await;
    let dead = eventually("two dead letters", PATIENCE, || async {
        let count = harness.bus.len("md.book:dead").await.ok()?;
        (count == 2).then_some(count)
    })
    .await;
    assert_eq!(dead, 2);
    let book = harness
        .get_book(market::Venue::Binance, "BTC-USDT", 0)
        .await
        .unwrap()
        .book
        .unwrap();
    assert_eq!(pairs(&book.asks), expect(&[("101", "1")]));
}

fn as_refs(side: &[(String, String)]) -> Vec<(&str, &str)> {
    side.iter().map(|(p, q)| (p.as_str(), q.as_str())).collect()
}
