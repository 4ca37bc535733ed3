//! Quotes in the protobuf contract (`quorum.marketdata.v1`).
use quorum_domain::Level;
use quorum_domain::convert::{decimal, venue};
use quorum_proto::marketdata::v1 as pb;

use crate::quote::{Exclusion, Quote, VenuePrice, VenueQuote};

pub fn quote(value: &Quote) -> pb::Quote {
    pb::Quote {
        symbol: value.symbol.to_string(),
        best_bid: price_of(value.best_bid),
        best_bid_venue: venue_of(value.best_bid),
        best_ask: price_of(value.best_ask),
        best_ask_venue: venue_of(value.best_ask),
        mid: value.mid.map(decimal),
        weighted_mid: value.weighted_mid.map(decimal),
        last: price_of(value.last),
        last_venue: venue_of(value.last),
        venues: value.venues.iter().map(venue_quote).collect(),
        updated_unix_ms: value.updated_ms,
    }
}

pub fn exclusion(value: Exclusion) -> pb::Exclusion {
    match value {
        Exclusion::None => pb::Exclusion::None,
        Exclusion::Stale => pb::Exclusion::Stale,
        Exclusion::OneSided => pb::Exclusion::OneSided,
        Exclusion::Crossed => pb::Exclusion::Crossed,
        Exclusion::Outlier => pb::Exclusion::Outlier,
    }
}

fn venue_quote(value: &VenueQuote) -> pb::VenueQuote {
    let price = |level: Option<Level>| level.map(|level| decimal(level.price));
    let quantity = |level: Option<Level>| level.map(|level| decimal(level.quantity));
    pb::VenueQuote {
        venue: venue(value.venue).into(),
        bid: price(value.bid),
        bid_quantity: quantity(value.bid),
        ask: price(value.ask),
        ask_quantity: quantity(value.ask),
        last: value.last.map(decimal),
        updated_unix_ms: value.updated_ms,
        exclusion: exclusion(value.exclusion).into(),
    }
}

fn price_of(value: Option<VenuePrice>) -> Option<quorum_proto::common::v1::Decimal> {
    value.map(|priced| decimal(priced.price))
}

/// The venue of a price, or VENUE_UNSPECIFIED when there is no price.
fn venue_of(value: Option<VenuePrice>) -> i32 {
    value.map_or(0, |priced| venue(priced.venue).into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use quorum_domain::Venue;
    use rust_decimal::dec;

    #[test]
    fn prices_carry_their_venue_and_absent_prices_have_none() {
        let mut value = Quote::empty("BTC-USDT".parse().unwrap());
        value.best_bid = Some(VenuePrice {
            venue: Venue::Okx,
            price: dec!(42000.50),
        });
        value.venues.push(VenueQuote {
            venue: Venue::Okx,
            bid: Some(Level::new(dec!(42000.50), dec!(1.25))),
            ask: None,
            last: None,
            updated_ms: 7,
            exclusion: Exclusion::OneSided,
        });
        let converted = quote(&value);
        assert_eq!(converted.best_bid.unwrap().value, "42000.5");
        assert_eq!(converted.best_bid_venue, pb_venue(Venue::Okx));
        assert_eq!(converted.best_ask, None);
        assert_eq!(converted.best_ask_venue, 0);
        let venue_quote = &converted.venues[0];
        assert_eq!(venue_quote.bid_quantity.as_ref().unwrap().value, "1.25");
        assert_eq!(venue_quote.exclusion, pb::Exclusion::OneSided as i32);
        assert_eq!(venue_quote.updated_unix_ms, 7);
    }

    fn pb_venue(value: Venue) -> i32 {
        venue(value).into()
    }
}
