//! GetCandles: bars computed in SQL equal the ones worked out by hand, for several
//! intervals, across venues and for one venue; bad requests are refused.
use std::str::FromStr;

use quorum_proto::market::v1::{Candle, Venue};
use quorum_proto::marketdata::v1::GetCandlesRequest;
use rust_decimal::Decimal;
use tonic::Code;

use crate::harness::{DAY_START, Harness, range, trade};

const DAY_MS: i64 = 86_400_000;

/// (open offset ms, open, high, low, close, volume, quote volume, trade count)
type Expected = (
    i64,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    u64,
);

async fn seeded() -> Harness {
    let mut harness = Harness::start().await;
    let at = |offset_ms: i64| DAY_START + offset_ms;
    let trades = vec![
        trade(Venue::Binance, "BTC-USDT", "b1", at(0), "100", "1"),
        trade(Venue::Okx, "BTC-USDT", "o1", at(10_000), "102", "2"),
        trade(Venue::Binance, "BTC-USDT", "b2", at(30_000), "99", "0.5"),
        trade(Venue::Okx, "BTC-USDT", "o2", at(59_999), "101", "1"),
        // Two trades at the same instant: binance sorts first, so it opens and okx closes.
        trade(Venue::Binance, "BTC-USDT", "b3", at(60_000), "105", "1"),
        trade(Venue::Okx, "BTC-USDT", "o3", at(60_000), "104", "3"),
        trade(Venue::Binance, "BTC-USDT", "b4", at(300_000), "110", "2"),
        trade(Venue::Okx, "BTC-USDT", "o4", at(3_600_000), "90", "1"),
        // Outside the range or another symbol: in no candle below.
        trade(Venue::Binance, "BTC-USDT", "early", at(-1), "1", "1"),
        trade(Venue::Binance, "BTC-USDT", "late", at(DAY_MS), "1", "1"),
        trade(Venue::Binance, "ETH-USDT", "eth", at(20_000), "2000", "5"),
    ];
    harness.import(vec![trades]).await;
    harness
}

async fn candles(harness: &mut Harness, venue: Venue, interval: &str) -> Vec<Candle> {
    let request = GetCandlesRequest {
        symbol: "BTC-USDT".into(),
        venue: venue as i32,
        interval: interval.into(),
        range: range(DAY_START, DAY_START + DAY_MS),
    };
    let request = harness.server.request(request, &["trader"]);
    harness
        .client
        .get_candles(request)
        .await
        .unwrap()
        .into_inner()
        .candles
}

fn number(value: &Option<quorum_proto::common::v1::Decimal>) -> Decimal {
    Decimal::from_str(&value.as_ref().unwrap().value).unwrap()
}

fn assert_candles(actual: &[Candle], expected: &[Expected], what: &str) {
    assert_eq!(actual.len(), expected.len(), "{what}: {actual:?}");
    for (candle, row) in actual.iter().zip(expected) {
        let (offset, open, high, low, close, volume, quote, count) = *row;
        let decimal = |text: &str| Decimal::from_str(text).unwrap();
        let context = format!("{what} candle at +{offset} ms: {candle:?}");
        assert_eq!(candle.open_time_unix_ms, DAY_START + offset, "{context}");
        assert_eq!(number(&candle.open), decimal(open), "{context}");
        assert_eq!(number(&candle.high), decimal(high), "{context}");
        assert_eq!(number(&candle.low), decimal(low), "{context}");
        assert_eq!(number(&candle.close), decimal(close), "{context}");
        assert_eq!(number(&candle.volume), decimal(volume), "{context}");
        assert_eq!(number(&candle.quote_volume), decimal(quote), "{context}");
        assert_eq!(candle.trade_count, count, "{context}");
    }
}

#[tokio::test]
async fn candles_across_venues_match_hand_computed_bars() {
    let mut harness = seeded().await;
    let one_minute = candles(&mut harness, Venue::Unspecified, "1m").await;
    assert_candles(
        &one_minute,
        &[
            (0, "100", "102", "99", "101", "4.5", "454.5", 4),
            (60_000, "105", "105", "104", "104", "4", "417", 2),
            (300_000, "110", "110", "110", "110", "2", "220", 1),
            (3_600_000, "90", "90", "90", "90", "1", "90", 1),
        ],
        "1m",
    );
    let five_minutes = candles(&mut harness, Venue::Unspecified, "5m").await;
    assert_candles(
        &five_minutes,
        &[
            (0, "100", "105", "99", "104", "8.5", "871.5", 6),
            (300_000, "110", "110", "110", "110", "2", "220", 1),
            (3_600_000, "90", "90", "90", "90", "1", "90", 1),
        ],
        "5m",
    );
    let one_hour = candles(&mut harness, Venue::Unspecified, "1h").await;
    assert_candles(
        &one_hour,
        &[
            (0, "100", "110", "99", "110", "10.5", "1091.5", 7),
            (3_600_000, "90", "90", "90", "90", "1", "90", 1),
        ],
        "1h",
    );
    let one_day = candles(&mut harness, Venue::Unspecified, "1d").await;
    assert_candles(
        &one_day,
        &[(0, "100", "110", "90", "90", "11.5", "1181.5", 8)],
        "1d",
    );
}

#[tokio::test]
async fn a_venue_filter_keeps_only_that_venue() {
    let mut harness = seeded().await;
    let binance = candles(&mut harness, Venue::Binance, "1m").await;
    assert_candles(
        &binance,
        &[
            (0, "100", "100", "99", "99", "1.5", "149.5", 2),
            (60_000, "105", "105", "105", "105", "1", "105", 1),
            (300_000, "110", "110", "110", "110", "2", "220", 1),
        ],
        "binance 1m",
    );
    let okx = candles(&mut harness, Venue::Okx, "4h").await;
    assert_candles(
        &okx,
        &[(0, "102", "104", "90", "90", "7", "707", 4)],
        "okx 4h",
    );
    assert!(candles(&mut harness, Venue::Gateio, "1m").await.is_empty());
}

#[tokio::test]
async fn unsupported_intervals_and_bad_ranges_are_invalid_arguments() {
    let mut harness = Harness::start().await;
    let cases = [
        ("2h", range(DAY_START, DAY_START + DAY_MS), "interval"),
        ("", range(DAY_START, DAY_START + DAY_MS), "interval"),
        ("1m", range(DAY_START + 1, DAY_START), "range.from_unix_ms"),
        // Eight days of minutes: more than the 10000 candles one call may return.
        (
            "1m",
            range(DAY_START, DAY_START + 8 * DAY_MS),
            "narrow the range",
        ),
    ];
    for (interval, range, expected) in cases {
        let request = GetCandlesRequest {
            symbol: "BTC-USDT".into(),
            venue: 0,
            interval: interval.into(),
            range,
        };
        let request = harness.server.request(request, &["trader"]);
        let status = harness.client.get_candles(request).await.unwrap_err();
        assert_eq!(
            status.code(),
            Code::InvalidArgument,
            "{interval}: {status:?}"
        );
        assert!(status.message().contains(expected), "{}", status.message());
    }
}
