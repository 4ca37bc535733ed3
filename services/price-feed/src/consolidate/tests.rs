//! Consolidation against hand-computed quotes.
use rust_decimal::dec;

use super::*;

const NOW: i64 = 1_700_000_010_000;

fn rules() -> Rules {
    Rules {
        stale_after_ms: 5_000,
        outlier: OutlierRule {
            mads: dec!(5),
            floor_bps: dec!(2),
        },
    }
}

fn book(bid: (Decimal, Decimal), ask: (Decimal, Decimal)) -> VenueState {
    VenueState {
        bid: Some(Level::new(bid.0, bid.1)),
        ask: Some(Level::new(ask.0, ask.1)),
        last: None,
        event_ms: NOW - 100,
        received_ms: NOW - 50,
    }
}

fn symbol() -> Symbol {
    "BTC-USDT".parse().unwrap()
}

fn exclusions(quote: &Quote) -> Vec<(Venue, Exclusion)> {
    quote
        .venues
        .iter()
        .map(|v| (v.venue, v.exclusion))
        .collect()
}

/// binance mid 100.1 weight 3, coinbase mid 100.2 weight 2, okx mid 100.0 weight 5.
fn three_venues() -> BTreeMap<Venue, VenueState> {
    let mut binance = book((dec!(100.0), dec!(2)), (dec!(100.2), dec!(1)));
    binance.last = Some(LastTrade {
        price: dec!(100.15),
        at_ms: NOW - 3_000,
    });
    let mut coinbase = book((dec!(100.1), dec!(1)), (dec!(100.3), dec!(1)));
    coinbase.last = Some(LastTrade {
        price: dec!(100.2),
        at_ms: NOW - 2_000,
    });
    coinbase.received_ms = NOW - 10;
    let okx = book((dec!(99.9), dec!(2.5)), (dec!(100.1), dec!(2.5)));
    BTreeMap::from([
        (Venue::Binance, binance),
        (Venue::Coinbase, coinbase),
        (Venue::Okx, okx),
    ])
}

#[test]
fn three_good_venues_consolidate() {
    let quote = consolidate(&symbol(), &three_venues(), &rules(), NOW);
    let price = |venue, price| Some(VenuePrice { venue, price });
    assert_eq!(quote.best_bid, price(Venue::Coinbase, dec!(100.1)));
    assert_eq!(quote.best_ask, price(Venue::Okx, dec!(100.1)));
    assert_eq!(quote.mid, Some(dec!(100.1)));
    // (100.1 * 3 + 100.2 * 2 + 100.0 * 5) / 10 = 1000.7 / 10
    assert_eq!(quote.weighted_mid, Some(dec!(100.07)));
    assert_eq!(quote.last, price(Venue::Coinbase, dec!(100.2)));
    assert_eq!(quote.updated_ms, NOW - 10);
    assert!(quote.venues.iter().all(|v| v.exclusion == Exclusion::None));
}

#[test]
fn a_venue_is_stale_only_after_the_age_has_passed() {
    let mut venues = three_venues();
    if let Some(okx) = venues.get_mut(&Venue::Okx) {
        okx.received_ms = NOW - 5_000;
    }
    let quote = consolidate(&symbol(), &venues, &rules(), NOW);
    assert_eq!(quote.venues[2].exclusion, Exclusion::None);

    let quote = consolidate(&symbol(), &venues, &rules(), NOW + 1);
    assert_eq!(quote.venues[2].exclusion, Exclusion::Stale);
    // Without okx: best ask binance 100.2, mids 100.1 (w 3) and 100.2 (w 2).
    assert_eq!(quote.best_ask.unwrap().venue, Venue::Binance);
    assert_eq!(quote.mid, Some(dec!(100.15)));
    assert_eq!(quote.weighted_mid, Some(dec!(100.14)));
}

#[test]
fn crossed_and_one_sided_venues_are_left_out() {
    let mut venues = three_venues();
    venues.insert(
        Venue::Gateio,
        book((dec!(101), dec!(1)), (dec!(101), dec!(1))),
    );
    if let Some(okx) = venues.get_mut(&Venue::Okx) {
        okx.ask = None;
    }
    let quote = consolidate(&symbol(), &venues, &rules(), NOW);
    assert_eq!(
        exclusions(&quote),
        [
            (Venue::Binance, Exclusion::None),
            (Venue::Coinbase, Exclusion::None),
            (Venue::Okx, Exclusion::OneSided),
            (Venue::Gateio, Exclusion::Crossed),
        ]
    );
    assert_eq!(quote.best_bid.unwrap().price, dec!(100.1));
    assert_eq!(quote.best_ask.unwrap().price, dec!(100.2));
}

#[test]
fn an_outlier_does_not_set_the_best_bid() {
    let mut venues = three_venues();
    venues.insert(
        Venue::Gateio,
        book((dec!(150), dec!(9)), (dec!(150.2), dec!(9))),
    );
    let quote = consolidate(&symbol(), &venues, &rules(), NOW);
    assert_eq!(quote.venues[3].exclusion, Exclusion::Outlier);
    assert_eq!(quote.best_bid.unwrap().venue, Venue::Coinbase);
    assert_eq!(quote.weighted_mid, Some(dec!(100.07)));
}

#[test]
fn the_outlier_test_skips_venues_already_out() {
    // Only two venues remain after one is stale: no outlier test, both count.
    let mut venues = three_venues();
    venues.insert(
        Venue::Gateio,
        book((dec!(150), dec!(1)), (dec!(150.2), dec!(1))),
    );
    venues.remove(&Venue::Okx);
    if let Some(binance) = venues.get_mut(&Venue::Binance) {
        binance.received_ms = NOW - 6_000;
    }
    let quote = consolidate(&symbol(), &venues, &rules(), NOW);
    assert_eq!(
        exclusions(&quote),
        [
            (Venue::Binance, Exclusion::Stale),
            (Venue::Coinbase, Exclusion::None),
            (Venue::Gateio, Exclusion::None),
        ]
    );
    assert_eq!(quote.best_bid.unwrap().price, dec!(150));
}

#[test]
fn equal_bids_go_to_the_larger_quantity() {
    let venues = BTreeMap::from([
        (
            Venue::Binance,
            book((dec!(100), dec!(1)), (dec!(101), dec!(1))),
        ),
        (Venue::Okx, book((dec!(100), dec!(3)), (dec!(101), dec!(2)))),
    ]);
    let quote = consolidate(&symbol(), &venues, &rules(), NOW);
    assert_eq!(quote.best_bid.unwrap().venue, Venue::Okx);
    assert_eq!(quote.best_ask.unwrap().venue, Venue::Okx);
}

#[test]
fn zero_quantities_fall_back_to_the_plain_mean_of_mids() {
    let venues = BTreeMap::from([
        (
            Venue::Binance,
            book((dec!(100), dec!(0)), (dec!(101), dec!(0))),
        ),
        (Venue::Okx, book((dec!(102), dec!(0)), (dec!(103), dec!(0)))),
    ]);
    let quote = consolidate(&symbol(), &venues, &rules(), NOW);
    assert_eq!(quote.weighted_mid, Some(dec!(101.5)));
}

#[test]
fn no_included_venue_leaves_only_the_venue_list() {
    let mut venues = three_venues();
    for state in venues.values_mut() {
        state.received_ms = NOW - 60_000;
    }
    let quote = consolidate(&symbol(), &venues, &rules(), NOW);
    assert_eq!(quote.best_bid, None);
    assert_eq!(quote.mid, None);
    assert_eq!(quote.weighted_mid, None);
    assert_eq!(quote.last, None);
    assert_eq!(quote.venues.len(), 3);
    assert_eq!(quote.updated_ms, NOW - 60_000);
}
