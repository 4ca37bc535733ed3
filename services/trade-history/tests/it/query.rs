//! QueryTrades: keyset pages that return every trade exactly once in order, filters,
//! and the requests that are refused.
use quorum_proto::common::v1::PageRequest;
use quorum_proto::market::v1::{Trade, Venue};
use quorum_proto::marketdata::v1::QueryTradesRequest;
use tonic::Code;

use crate::harness::{DAY_START, Harness, range, trade};

const VENUES: [Venue; 3] = [Venue::Okx, Venue::Binance, Venue::Coinbase];

/// 1200 BTC-USDT trades, four to a millisecond so that time alone does not order them,
/// with ids whose order differs from their insertion order; plus ETH-USDT noise.
fn history() -> Vec<Trade> {
    let mut trades = Vec::new();
    for index in 0..1200i64 {
        let venue = VENUES[(index % 3) as usize];
        let id = format!("{:06}", (index * 7919) % 1_000_000);
        trades.push(trade(
            venue,
            "BTC-USDT",
            &id,
            DAY_START + index / 4,
            "100.5",
            "0.25",
        ));
    }
    for index in 0..50i64 {
        trades.push(trade(
            Venue::Binance,
            "ETH-USDT",
            &format!("e{index}"),
            DAY_START + index,
            "2000",
            "1",
        ));
    }
    trades
}

/// The order QueryTrades promises: time, then venue name, then trade id.
fn sort_key(trade: &Trade) -> (i64, &'static str, String) {
    let venue = match Venue::try_from(trade.venue).unwrap() {
        Venue::Binance => "binance",
        Venue::Coinbase => "coinbase",
        Venue::Okx => "okx",
        Venue::Gateio => "gateio",
        Venue::Unspecified => unreachable!(),
    };
    (trade.traded_at_unix_ms, venue, trade.trade_id.clone())
}

fn keys(trades: &[Trade]) -> Vec<(i64, &'static str, String)> {
    trades.iter().map(sort_key).collect()
}

#[tokio::test]
async fn pages_return_every_trade_exactly_once_in_order() {
    let mut harness = Harness::start().await;
    let all = history();
    // Stored in shuffled batches, so storage order says nothing about query order.
    let mut reversed = all.clone();
    reversed.reverse();
    let imported = harness
        .import(reversed.chunks(333).map(<[Trade]>::to_vec).collect())
        .await;
    assert_eq!(imported.inserted, 1250);

    let request = QueryTradesRequest {
        symbol: "btc-usdt".into(),
        ..Default::default()
    };
    let (received, pages) = harness.query_all(request, 97).await;
    let mut expected: Vec<Trade> = all
        .iter()
        .filter(|t| t.symbol == "BTC-USDT")
        .cloned()
        .collect();
    expected.sort_by_key(sort_key);
    assert_eq!(received.len(), 1200);
    assert_eq!(pages, 1200usize.div_ceil(97));
    assert_eq!(keys(&received), keys(&expected));
    // Content survives the round trip; decimals come back normalized.
    assert_eq!(received[0].price.as_ref().unwrap().value, "100.5");
    assert_eq!(received[0].quantity.as_ref().unwrap().value, "0.25");
    assert_eq!(received[0].taker_side, expected[0].taker_side);
}

#[tokio::test]
async fn venue_and_range_filters_select_what_they_say() {
    let mut harness = Harness::start().await;
    harness.import(vec![history()]).await;
    // [DAY_START + 10, DAY_START + 20): 10 ms, 4 trades each, one in three on OKX.
    let request = QueryTradesRequest {
        symbol: "BTC-USDT".into(),
        venue: Venue::Okx as i32,
        range: range(DAY_START + 10, DAY_START + 20),
        ..Default::default()
    };
    let (received, _) = harness.query_all(request, 3).await;
    let mut expected: Vec<Trade> = history()
        .into_iter()
        .filter(|t| t.symbol == "BTC-USDT" && t.venue == Venue::Okx as i32)
        .filter(|t| (DAY_START + 10..DAY_START + 20).contains(&t.traded_at_unix_ms))
        .collect();
    expected.sort_by_key(sort_key);
    assert!(!expected.is_empty());
    assert_eq!(keys(&received), keys(&expected));

    // The default page holds 500; the end of the range is exclusive.
    let request = QueryTradesRequest {
        symbol: "BTC-USDT".into(),
        range: range(DAY_START, DAY_START + 200),
        ..Default::default()
    };
    let page = harness.query(request).await.unwrap();
    assert_eq!(page.trades.len(), 500);
    assert!(!page.next_page_token.is_empty());
    assert!(
        page.trades
            .iter()
            .all(|t| t.traded_at_unix_ms < DAY_START + 200)
    );
}

#[tokio::test]
async fn bad_queries_are_invalid_arguments_naming_the_field() {
    let mut harness = Harness::start().await;
    let cases = [
        (
            QueryTradesRequest {
                symbol: "BTC-USDT".into(),
                range: range(DAY_START + 1, DAY_START),
                ..Default::default()
            },
            "range.from_unix_ms",
        ),
        (
            QueryTradesRequest {
                symbol: "BTC-USDT".into(),
                page: Some(PageRequest {
                    page_size: 5001,
                    page_token: String::new(),
                }),
                ..Default::default()
            },
            "page.page_size",
        ),
        (
            QueryTradesRequest {
                symbol: "BTC-USDT".into(),
                page: Some(PageRequest {
                    page_size: 10,
                    page_token: "not-a-token".into(),
                }),
                ..Default::default()
            },
            "page.page_token",
        ),
        (
            QueryTradesRequest {
                symbol: String::new(),
                ..Default::default()
            },
            "symbol",
        ),
        (
            QueryTradesRequest {
                symbol: "BTC-USDT".into(),
                venue: 99,
                ..Default::default()
            },
            "venue",
        ),
    ];
    for (request, field) in cases {
        let status = harness.query(request).await.unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument, "{field}: {status:?}");
        assert!(
            status.message().contains(field),
            "{field}: {}",
            status.message()
        );
    }
}
