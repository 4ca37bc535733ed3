//! Markets per venue and across venues, against hand-computed summaries.
use quorum_domain::{Decimal, Side};
use rust_decimal::dec;

use super::*;
use crate::window::WINDOW_MINUTES;

/// A whole minute in November 2023, in Unix ms.
const T0: i64 = 28_333_333 * MINUTE_MS;

fn trade(
    venue: Venue,
    symbol: &str,
    id: &str,
    price: Decimal,
    quantity: Decimal,
    at_ms: i64,
) -> Trade {
    Trade {
        venue,
        symbol: symbol.parse().unwrap(),
        trade_id: id.into(),
        price,
        quantity,
        taker_side: Side::Buy,
        traded_at_ms: at_ms,
    }
}

fn btc() -> Symbol {
    "BTC-USDT".parse().unwrap()
}

#[test]
fn venues_and_the_all_venue_market_by_hand() {
    let markets = Markets::new();
    let now = T0 + 10 * MINUTE_MS;
    let trades = [
        trade(Venue::Binance, "BTC-USDT", "b1", dec!(40000), dec!(1), T0),
        trade(
            Venue::Binance,
            "BTC-USDT",
            "b2",
            dec!(41000),
            dec!(2),
            T0 + 5 * MINUTE_MS,
        ),
        trade(
            Venue::Okx,
            "BTC-USDT",
            "o1",
            dec!(39000),
            dec!(1),
            T0 + MINUTE_MS,
        ),
        trade(
            Venue::Okx,
            "BTC-USDT",
            "o2",
            dec!(42000),
            dec!(1),
            T0 + 9 * MINUTE_MS,
        ),
    ];
    for trade in &trades {
        assert_eq!(markets.record(trade, now), Recorded::Added);
    }
    let binance = markets.summary(&btc(), Some(Venue::Binance), now).unwrap();
    // open 40000, last 41000: +2.5 %; quote volume 40000 + 82000; VWAP 122000 / 3.
    assert_eq!(binance.change_percent(), Some(dec!(2.5)));
    let stats = binance.stats.clone().unwrap();
    assert_eq!(stats.quote_volume, dec!(122000));
    assert_eq!(binance.vwap(), Some(dec!(122000) / dec!(3)));
    assert_eq!(binance.updated_ms, T0 + 5 * MINUTE_MS);

    let all = markets.summary(&btc(), None, now).unwrap();
    let stats = all.stats.clone().unwrap();
    assert_eq!(
        (stats.open.price, stats.close.price),
        (dec!(40000), dec!(42000))
    );
    assert_eq!((stats.high, stats.low), (dec!(42000), dec!(39000)));
    assert_eq!(stats.base_volume, dec!(5));
    // 40000 + 82000 + 39000 + 42000
    assert_eq!(stats.quote_volume, dec!(203000));
    assert_eq!(all.vwap(), Some(dec!(40600)));
    assert_eq!(all.change_percent(), Some(dec!(5)));
    assert_eq!(stats.trade_count, 4);
    assert_eq!(all.updated_ms, T0 + 9 * MINUTE_MS);
    assert_eq!(all.window_start_ms, now - (WINDOW_MINUTES - 1) * MINUTE_MS);
}

#[test]
fn a_repeated_trade_id_is_counted_once() {
    let markets = Markets::new();
    let first = trade(Venue::Okx, "BTC-USDT", "7", dec!(100), dec!(1), T0);
    assert_eq!(markets.record(&first, T0), Recorded::Added);
    assert_eq!(markets.record(&first, T0), Recorded::Duplicate);
    // The same id on another venue is another trade.
    let elsewhere = trade(Venue::Binance, "BTC-USDT", "7", dec!(100), dec!(1), T0);
    assert_eq!(markets.record(&elsewhere, T0), Recorded::Added);
    let all = markets.summary(&btc(), None, T0).unwrap();
    assert_eq!(all.trade_count(), 2);
}

#[test]
fn refused_trades_make_no_market() {
    let markets = Markets::new();
    let old = trade(
        Venue::Okx,
        "ETH-USDT",
        "1",
        dec!(1),
        dec!(1),
        T0 - WINDOW_MINUTES * MINUTE_MS,
    );
    assert_eq!(markets.record(&old, T0), Recorded::TooOld);
    let ahead = trade(
        Venue::Okx,
        "ETH-USDT",
        "2",
        dec!(1),
        dec!(1),
        T0 + 2 * MINUTE_MS,
    );
    assert_eq!(markets.record(&ahead, T0), Recorded::TooNew);
    assert!(markets.list(None, T0).is_empty());
    assert!(
        markets
            .summary(&"ETH-USDT".parse().unwrap(), None, T0)
            .is_none()
    );
}

#[test]
fn lists_follow_the_venue_filter() {
    let markets = Markets::new();
    markets.record(
        &trade(Venue::Okx, "ETH-USDT", "1", dec!(2000), dec!(1), T0),
        T0,
    );
    markets.record(
        &trade(Venue::Binance, "BTC-USDT", "1", dec!(40000), dec!(1), T0),
        T0,
    );
    let all: Vec<String> = markets
        .list(None, T0)
        .iter()
        .map(|s| s.symbol.to_string())
        .collect();
    assert_eq!(all, ["BTC-USDT", "ETH-USDT"]);
    let okx = markets.list(Some(Venue::Okx), T0);
    assert_eq!(okx.len(), 1);
    assert_eq!(
        (okx[0].symbol.as_str(), okx[0].venue),
        ("ETH-USDT", Some(Venue::Okx))
    );
    assert!(markets.summary(&btc(), Some(Venue::Okx), T0).is_none());
}

#[test]
fn a_quiet_market_stays_listed_with_an_empty_window() {
    let markets = Markets::new();
    markets.record(
        &trade(Venue::Okx, "BTC-USDT", "1", dec!(100), dec!(1), T0),
        T0,
    );
    let day_later = T0 + WINDOW_MINUTES * MINUTE_MS;
    let summary = markets.summary(&btc(), None, day_later).unwrap();
    assert_eq!(summary.stats, None);
    assert_eq!(summary.updated_ms, T0);
    assert_eq!(markets.list(None, day_later).len(), 1);
}
