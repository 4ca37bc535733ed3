//! The hub's bookkeeping: what is taken in, what is ignored, and who is told.
use quorum_domain::{Decimal, Level, Side};
use rust_decimal::dec;

use super::*;
use crate::outlier::OutlierRule;
use crate::quote::Exclusion;

const T0: i64 = 1_700_000_000_000;

fn hub() -> Hub {
    Hub::new(Rules {
        stale_after_ms: 1_000,
        outlier: OutlierRule {
            mads: dec!(5),
            floor_bps: dec!(2),
        },
    })
}

fn symbol() -> Symbol {
    "ETH-USDT".parse().unwrap()
}

fn ticker(venue: Venue, bid: Decimal, event_ms: i64) -> Ticker {
    Ticker {
        venue,
        symbol: symbol(),
        best_bid: Some(Level::new(bid, dec!(1))),
        best_ask: Some(Level::new(bid + dec!(1), dec!(1))),
        last_price: Some(bid),
        event_ms,
    }
}

fn trade(venue: Venue, price: Decimal, at_ms: i64) -> Trade {
    Trade {
        venue,
        symbol: symbol(),
        trade_id: format!("{at_ms}"),
        price,
        quantity: dec!(0.1),
        taker_side: Side::Buy,
        traded_at_ms: at_ms,
    }
}

#[test]
fn an_older_ticker_from_the_same_venue_is_ignored() {
    let hub = hub();
    assert_eq!(
        hub.apply_ticker(&ticker(Venue::Okx, dec!(2000), T0), T0),
        Applied::Updated
    );
    assert_eq!(
        hub.apply_ticker(&ticker(Venue::Okx, dec!(1990), T0 - 1), T0 + 1),
        Applied::Outdated
    );
    let quote = hub.quote_at(&symbol(), T0 + 2).unwrap();
    assert_eq!(quote.best_bid.unwrap().price, dec!(2000));
}

#[test]
fn trades_set_the_last_price_only_when_newer() {
    let hub = hub();
    assert_eq!(
        hub.apply_trade(&trade(Venue::Okx, dec!(2001), T0), T0),
        Applied::UnknownVenue
    );
    hub.apply_ticker(&ticker(Venue::Okx, dec!(2000), T0), T0);
    assert_eq!(
        hub.apply_trade(&trade(Venue::Okx, dec!(2002), T0 + 5), T0 + 5),
        Applied::Updated
    );
    assert_eq!(
        hub.apply_trade(&trade(Venue::Okx, dec!(1999), T0 + 4), T0 + 6),
        Applied::Outdated
    );
    let quote = hub.current(&symbol()).unwrap();
    assert_eq!(quote.last.unwrap().price, dec!(2002));
    // A ticker's last price older than the trade does not replace it.
    hub.apply_ticker(&ticker(Venue::Okx, dec!(2003), T0 + 3), T0 + 7);
    assert_eq!(
        hub.current(&symbol()).unwrap().last.unwrap().price,
        dec!(2002)
    );
}

#[test]
fn subscribers_are_told_of_changes_only() {
    let hub = hub();
    hub.apply_ticker(&ticker(Venue::Okx, dec!(2000), T0), T0);
    let subscription = hub.subscribe(None);
    assert_eq!(
        subscription.take(),
        Some(symbol()),
        "current quotes come first"
    );
    assert_eq!(subscription.take(), None);

    hub.refresh_all(T0 + 500);
    assert_eq!(subscription.take(), None, "nothing changed");

    hub.refresh_all(T0 + 1_001);
    assert_eq!(subscription.take(), Some(symbol()), "okx went stale");
    let quote = hub.current(&symbol()).unwrap();
    assert_eq!(quote.venues[0].exclusion, Exclusion::Stale);
    assert_eq!(quote.best_bid, None);
}

#[test]
fn ended_subscriptions_are_forgotten() {
    let hub = hub();
    let kept = hub.subscribe(None);
    drop(hub.subscribe(Some(HashSet::from([symbol()]))));
    assert_eq!(hub.subscriber_count(), 1);
    hub.apply_ticker(&ticker(Venue::Binance, dec!(2000), T0), T0);
    assert_eq!(kept.take(), Some(symbol()));
    assert_eq!(hub.lock().subscriptions.len(), 1);
}

#[test]
fn unknown_symbols_have_no_quote() {
    let hub = hub();
    assert!(hub.quote_at(&symbol(), T0).is_none());
    assert!(hub.all_quotes_at(T0).is_empty());
}
