//! Venues left out of the quote: stale after the configured age, crossed, and outliers.
use std::time::{Duration, Instant};

use quorum_domain::Venue;
use quorum_proto::marketdata::v1::Exclusion;
use rust_decimal::dec;

use crate::harness::{Harness, exclusion_of, ticker, value, venue_number};

const STALE_MS: u64 = 1_500;

#[tokio::test]
async fn a_venue_that_stops_updating_is_stale_after_the_age_and_back_when_it_returns() {
    let harness = Harness::start_with(|config| config.stale_ms = STALE_MS).await;
    let symbol = "SOL-USDT";
    let fresh_pair = || async {
        harness
            .publish_ticker(&ticker(
                Venue::Binance,
                symbol,
                (dec!(150.00), dec!(10)),
                (dec!(150.02), dec!(10)),
            ))
            .await;
        harness
            .publish_ticker(&ticker(
                Venue::Okx,
                symbol,
                (dec!(150.01), dec!(10)),
                (dec!(150.03), dec!(10)),
            ))
            .await;
    };
    fresh_pair().await;
    // Gate.io has the best bid until it goes quiet. Timed from before the publish, as
    // the service cannot receive the ticker earlier.
    let gateio_quiet_since = Instant::now();
    harness
        .publish_ticker(&ticker(
            Venue::Gateio,
            symbol,
            (dec!(150.02), dec!(1)),
            (dec!(150.04), dec!(1)),
        ))
        .await;
    let quote = harness
        .quote_when(symbol, "three venues", |quote| quote.venues.len() == 3)
        .await;
    assert_eq!(exclusion_of(&quote, Venue::Gateio), Exclusion::None);
    assert_eq!(quote.best_bid_venue, venue_number(Venue::Gateio));

    // The other two keep updating while Gate.io says nothing.
    let deadline = gateio_quiet_since + Duration::from_millis(STALE_MS) * 4;
    let stale = loop {
        fresh_pair().await;
        let quote = harness.quote(symbol).await.unwrap();
        if exclusion_of(&quote, Venue::Gateio) == Exclusion::Stale {
            break quote;
        }
        assert!(
            Instant::now() < deadline,
            "gateio never went stale: {quote:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(
        gateio_quiet_since.elapsed() >= Duration::from_millis(STALE_MS),
        "stale after only {:?}",
        gateio_quiet_since.elapsed()
    );
    assert_eq!(exclusion_of(&stale, Venue::Binance), Exclusion::None);
    assert_eq!(exclusion_of(&stale, Venue::Okx), Exclusion::None);
    assert_eq!(value(&stale.best_bid), Some(dec!(150.01)));
    assert_eq!(stale.best_bid_venue, venue_number(Venue::Okx));

    harness
        .publish_ticker(&ticker(
            Venue::Gateio,
            symbol,
            (dec!(150.02), dec!(1)),
            (dec!(150.04), dec!(1)),
        ))
        .await;
    let back = harness
        .quote_when(symbol, "gateio back", |quote| {
            exclusion_of(quote, Venue::Gateio) == Exclusion::None
        })
        .await;
    assert_eq!(back.best_bid_venue, venue_number(Venue::Gateio));
}

#[tokio::test]
async fn an_outlier_and_a_crossed_venue_are_left_out() {
    let harness = Harness::start().await;
    let symbol = "ETH-USDT";
    // Mids 2500.5, 2500.6, 2500.4 and Gate.io's 2600.5: median 2500.55, MAD 0.1, below
    // the 2 bps floor (0.50011), so the limit is 5 x 0.50011 from the median.
    for (venue, bid, ask) in [
        (Venue::Binance, dec!(2500), dec!(2501)),
        (Venue::Coinbase, dec!(2500.1), dec!(2501.1)),
        (Venue::Okx, dec!(2499.9), dec!(2500.9)),
        (Venue::Gateio, dec!(2600), dec!(2601)),
    ] {
        harness
            .publish_ticker(&ticker(venue, symbol, (bid, dec!(1)), (ask, dec!(1))))
            .await;
    }
    let quote = harness
        .quote_when(symbol, "four venues", |quote| quote.venues.len() == 4)
        .await;
    assert_eq!(exclusion_of(&quote, Venue::Gateio), Exclusion::Outlier);
    assert_eq!(value(&quote.best_bid), Some(dec!(2500.1)));
    assert_eq!(quote.best_bid_venue, venue_number(Venue::Coinbase));
    assert_eq!(value(&quote.best_ask), Some(dec!(2500.9)));
    // Equal weights: the mean of the three mids.
    assert_eq!(value(&quote.weighted_mid), Some(dec!(2500.5)));

    // Okx's book crosses: it is out, and the three left still rule Gate.io out.
    harness
        .publish_ticker(&ticker(
            Venue::Okx,
            symbol,
            (dec!(2501), dec!(1)),
            (dec!(2500.5), dec!(1)),
        ))
        .await;
    let quote = harness
        .quote_when(symbol, "okx crossed", |quote| {
            exclusion_of(quote, Venue::Okx) == Exclusion::Crossed
        })
        .await;
    assert_eq!(exclusion_of(&quote, Venue::Binance), Exclusion::None);
    assert_eq!(exclusion_of(&quote, Venue::Coinbase), Exclusion::None);
    assert_eq!(exclusion_of(&quote, Venue::Gateio), Exclusion::Outlier);
    assert_eq!(value(&quote.best_ask), Some(dec!(2501)));
    assert_eq!(quote.best_ask_venue, venue_number(Venue::Binance));
    assert_eq!(value(&quote.mid), Some(dec!(2500.55)));
}
