//! Unit tests of the request checks.
use super::*;

const NOW: i64 = 1_700_000_000_000;

fn violations(status: &Status) -> String {
    assert_eq!(status.code(), tonic::Code::InvalidArgument);
    status.message().to_string()
}

fn trades_request(from: i64, to: i64, page_size: u32, token: &str) -> pb::QueryTradesRequest {
    pb::QueryTradesRequest {
        symbol: "btc-usdt".into(),
        venue: 0,
        range: Some(TimeRange {
            from_unix_ms: from,
            to_unix_ms: to,
        }),
        page: Some(PageRequest {
            page_size,
            page_token: token.into(),
        }),
    }
}

fn candles_request(interval: &str, from: i64, to: i64) -> pb::GetCandlesRequest {
    pb::GetCandlesRequest {
        symbol: "BTC-USDT".into(),
        venue: 2,
        interval: interval.into(),
        range: Some(TimeRange {
            from_unix_ms: from,
            to_unix_ms: to,
        }),
    }
}

#[test]
fn defaults_apply_to_an_open_query() {
    let query = trade_query(&trades_request(0, 0, 0, ""), NOW).unwrap();
    assert_eq!(query.symbol.as_str(), "BTC-USDT");
    assert_eq!(query.venue, None);
    assert_eq!((query.from_ms, query.to_ms), (0, NOW));
    assert_eq!(query.page_size, DEFAULT_PAGE_SIZE);
    assert_eq!(query.after, None);
    let no_range = pb::QueryTradesRequest {
        symbol: "ETH-USDT".into(),
        ..Default::default()
    };
    let query = trade_query(&no_range, NOW).unwrap();
    assert_eq!((query.from_ms, query.to_ms, query.page_size), (0, NOW, 500));
}

#[test]
fn bad_query_fields_are_named() {
    let status = trade_query(&trades_request(10, 5, 5001, "%%"), NOW).unwrap_err();
    let message = violations(&status);
    for field in ["range.from_unix_ms", "page.page_size", "page.page_token"] {
        assert!(message.contains(field), "{field} missing from {message}");
    }
    let mut bad = trades_request(0, 0, 0, "");
    bad.symbol = "BTCUSDT".into();
    bad.venue = 42;
    let message = violations(&trade_query(&bad, NOW).unwrap_err());
    assert!(
        message.contains("symbol") && message.contains("venue"),
        "{message}"
    );
    // An unset end is now: a start after now is after the end.
    assert!(trade_query(&trades_request(NOW + 1, 0, 0, ""), NOW).is_err());
    assert!(trade_query(&trades_request(-1, 0, 0, ""), NOW).is_err());
    assert!(trade_query(&trades_request(0, MAX_TIME_MS + 1, 0, ""), NOW).is_err());
    assert!(trade_query(&trades_request(0, 0, MAX_PAGE_SIZE, ""), NOW).is_ok());
}

#[test]
fn page_tokens_round_trip_and_garbage_is_refused() {
    let key = TradeKey {
        traded_at_ms: 1_700_000_000_123,
        venue: Venue::Okx,
        trade_id: "a:b:c".into(),
    };
    assert_eq!(
        decode_page_token(&encode_page_token(&key)),
        Some(key.clone())
    );
    let query = trade_query(&trades_request(0, 0, 10, &encode_page_token(&key)), NOW).unwrap();
    assert_eq!(query.after, Some(key));
    for bad in [
        "!!",
        &B64.encode("x:okx:1"),
        &B64.encode("5:kraken:1"),
        &B64.encode("5:okx:"),
        &B64.encode("-5:okx:1"),
        &B64.encode("5"),
    ] {
        assert_eq!(decode_page_token(bad), None, "{bad}");
    }
}

#[test]
fn candle_queries_check_interval_and_span() {
    let query = candle_query(&candles_request("1h", 0, 3_600_000 * 24), NOW).unwrap();
    assert_eq!(query.interval, Interval::OneHour);
    assert_eq!(query.venue, Some(Venue::Coinbase));
    let message = violations(&candle_query(&candles_request("2h", 0, 1), NOW).unwrap_err());
    assert!(
        message.contains("interval") && message.contains("1m, 5m"),
        "{message}"
    );
    let message = violations(&candle_query(&candles_request("1m", 5, 4), NOW).unwrap_err());
    assert!(message.contains("range.from_unix_ms"), "{message}");

    // Exactly the limit passes; one more interval does not.
    let limit = 60_000 * MAX_CANDLES;
    assert!(candle_query(&candles_request("1m", 0, limit), NOW).is_ok());
    let message = violations(&candle_query(&candles_request("1m", 0, limit + 1), NOW).unwrap_err());
    assert!(message.contains("narrow the range"), "{message}");
    // Unset range: from the epoch to now, far too many minutes.
    let open = pb::GetCandlesRequest {
        symbol: "BTC-USDT".into(),
        interval: "1m".into(),
        ..Default::default()
    };
    assert!(candle_query(&open, NOW).is_err());
}
