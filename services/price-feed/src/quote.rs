//! The consolidated quote of one symbol and each venue's part in it: what the RPCs serve
//! and what is stored in Redis as JSON (decimals as strings, venues in lower case).
use quorum_domain::{Decimal, Level, Symbol, Venue};
use serde::{Deserialize, Serialize};

/// Why a venue is left out of the consolidated quote, or `None` when it counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Exclusion {
    None,
    /// No ticker received within the configured age.
    Stale,
    /// No bid or no ask, so no mid to compare with the other venues.
    OneSided,
    /// Bid at or above ask.
    Crossed,
    /// Mid too far from the cross-venue median of mids.
    Outlier,
}

/// One venue's latest top of book and last trade, and whether it counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VenueQuote {
    pub venue: Venue,
    pub bid: Option<Level>,
    pub ask: Option<Level>,
    pub last: Option<Decimal>,
    /// When price-feed received the venue's latest ticker (its clock, Unix ms): the
    /// time staleness is measured from.
    pub updated_ms: i64,
    pub exclusion: Exclusion,
}

/// A price and the venue it comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct VenuePrice {
    pub venue: Venue,
    pub price: Decimal,
}

/// The consolidated view of one symbol over the included venues.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quote {
    pub symbol: Symbol,
    /// Highest bid among the included venues.
    pub best_bid: Option<VenuePrice>,
    /// Lowest ask among the included venues.
    pub best_ask: Option<VenuePrice>,
    /// (best bid + best ask) / 2.
    pub mid: Option<Decimal>,
    /// Mean of the included venues' mids weighted by bid quantity + ask quantity.
    pub weighted_mid: Option<Decimal>,
    /// The most recent trade price among the included venues.
    pub last: Option<VenuePrice>,
    /// Every venue heard from for this symbol, in venue order, with its exclusion.
    pub venues: Vec<VenueQuote>,
    /// The latest `updated_ms` among the venues.
    pub updated_ms: i64,
}

impl Quote {
    /// A quote with no venues yet.
    pub fn empty(symbol: Symbol) -> Self {
        Self {
            symbol,
            best_bid: None,
            best_ask: None,
            mid: None,
            weighted_mid: None,
            last: None,
            venues: Vec::new(),
            updated_ms: 0,
        }
    }

    /// Venues counted in the consolidated prices.
    pub fn included(&self) -> impl Iterator<Item = &VenueQuote> {
        self.venues
            .iter()
            .filter(|venue| venue.exclusion == Exclusion::None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    #[test]
    fn json_has_string_decimals_lower_case_venues_and_snake_case_exclusions() {
        let mut quote = Quote::empty("BTC-USDT".parse().unwrap());
        quote.best_bid = Some(VenuePrice {
            venue: Venue::Coinbase,
            price: dec!(42000.1),
        });
        quote.venues.push(VenueQuote {
            venue: Venue::Gateio,
            bid: Some(Level::new(dec!(42000.1), dec!(2))),
            ask: None,
            last: None,
            updated_ms: 5,
            exclusion: Exclusion::OneSided,
        });
        let text = serde_json::to_string(&quote).unwrap();
        for expected in [
            r#""symbol":"BTC-USDT""#,
            r#""best_bid":{"venue":"coinbase","price":"42000.1"}"#,
            r#""bid":{"price":"42000.1","quantity":"2"}"#,
            r#""exclusion":"one_sided""#,
            r#""venue":"gateio""#,
        ] {
            assert!(text.contains(expected), "{expected} not in {text}");
        }
        assert_eq!(serde_json::from_str::<Quote>(&text).unwrap(), quote);
    }
}
