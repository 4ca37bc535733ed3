//! ImportTrades: counts what was new and what was already there, stores exact decimals,
//! and refuses a bad batch naming the trade and field.
use quorum_proto::common::v1::Decimal;
use quorum_proto::market::v1::{Trade, Venue};
use quorum_proto::marketdata::v1::QueryTradesRequest;
use tonic::Code;

use crate::harness::{DAY_START, Harness, trade};

fn batch(first: i64, count: i64) -> Vec<Trade> {
    (first..first + count)
        .map(|index| {
            trade(
                Venue::Gateio,
                "SOL-USDT",
                &index.to_string(),
                DAY_START + index,
                "21.123456789",
                "0.000001",
            )
        })
        .collect()
}

#[tokio::test]
async fn an_import_counts_new_trades_and_duplicates() {
    let mut harness = Harness::start().await;
    // 0..100 in two messages, one of them repeating itself.
    let mut second = batch(50, 50);
    second.extend(batch(50, 10));
    let first = harness.import(vec![batch(0, 50), second]).await;
    assert_eq!(
        (first.received, first.inserted, first.duplicates),
        (110, 100, 10)
    );

    // 50..150 again: half known already.
    let again = harness.import(vec![batch(50, 100)]).await;
    assert_eq!(
        (again.received, again.inserted, again.duplicates),
        (100, 50, 50)
    );
    assert_eq!(harness.stored().await, 150);

    // Decimals come back exactly as sent.
    let page = harness
        .query(QueryTradesRequest {
            symbol: "SOL-USDT".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(page.trades.len(), 150);
    assert_eq!(page.trades[0].price.as_ref().unwrap().value, "21.123456789");
    assert_eq!(page.trades[0].quantity.as_ref().unwrap().value, "0.000001");
    assert_eq!(page.trades[149].trade_id, "149");
}

#[tokio::test]
async fn a_bad_trade_refuses_its_message_and_keeps_the_ones_before() {
    let mut harness = Harness::start().await;
    let mut bad = batch(100, 5);
    bad[3].price = Some(Decimal { value: "-3".into() });
    bad[4].traded_at_unix_ms = 0;
    let status = harness
        .try_import(vec![batch(0, 100), bad, batch(200, 100)])
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    let message = status.message();
    assert!(message.contains("trades[3].price"), "{message}");
    assert!(message.contains("trades[4].traded_at_unix_ms"), "{message}");
    assert!(message.contains("message 2 of the stream"), "{message}");
    // The first message is stored; nothing of the bad one or after it.
    assert_eq!(harness.stored().await, 100);
}

#[tokio::test]
async fn an_empty_import_stores_nothing() {
    let mut harness = Harness::start().await;
    let response = harness.import(vec![vec![], vec![]]).await;
    assert_eq!(
        (response.received, response.inserted, response.duplicates),
        (0, 0, 0)
    );
    assert_eq!(harness.stored().await, 0);
}

#[tokio::test]
async fn a_large_import_is_written_in_parallel_chunks_without_loss() {
    let mut harness = Harness::start().await;
    // 25 messages of 1000: three statements of up to 10000 rows, two at a time.
    let messages: Vec<Vec<Trade>> = (0..25).map(|index| batch(index * 1000, 1000)).collect();
    let response = harness.import(messages).await;
    assert_eq!(
        (response.received, response.inserted, response.duplicates),
        (25_000, 25_000, 0)
    );
    assert_eq!(harness.stored().await, 25_000);

    // Overlapping the end: 5000 known, 5000 new.
    let response = harness.import(vec![batch(20_000, 10_000)]).await;
    assert_eq!((response.inserted, response.duplicates), (5_000, 5_000));
    assert_eq!(harness.stored().await, 30_000);
}
