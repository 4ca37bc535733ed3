//! The venues Quorum connects to.
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Venue {
    Binance,
    Coinbase,
    Okx,
    Gateio,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not a venue: use binance, coinbase, okx or gateio")]
pub struct VenueError(pub String);

impl Venue {
    pub const ALL: [Venue; 4] = [Venue::Binance, Venue::Coinbase, Venue::Okx, Venue::Gateio];

    /// Lower-case name, as in events, metrics and storage.
    pub fn as_str(self) -> &'static str {
        match self {
            Venue::Binance => "binance",
            Venue::Coinbase => "coinbase",
            Venue::Okx => "okx",
            Venue::Gateio => "gateio",
        }
    }

    /// Catalog name of the service that connects to this venue.
    pub fn connector_service(self) -> &'static str {
        match self {
            Venue::Binance => "binance-api",
            Venue::Coinbase => "coinbase-api",
            Venue::Okx => "okx-api",
            Venue::Gateio => "gate-io-api",
        }
    }

    /// Prefix of the venue's environment variables (`BINANCE_REST_URL`, ...).
    pub fn env_prefix(self) -> &'static str {
        match self {
            Venue::Binance => "BINANCE",
            Venue::Coinbase => "COINBASE",
            Venue::Okx => "OKX",
            Venue::Gateio => "GATEIO",
        }
    }
}

impl FromStr for Venue {
    type Err = VenueError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim().to_ascii_lowercase().as_str() {
            "binance" => Ok(Venue::Binance),
            "coinbase" => Ok(Venue::Coinbase),
            "okx" => Ok(Venue::Okx),
            "gateio" | "gate.io" | "gate-io" | "gate" => Ok(Venue::Gateio),
            _ => Err(VenueError(text.to_string())),
        }
    }
}

impl fmt::Display for Venue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for venue in Venue::ALL {
            assert_eq!(venue.as_str().parse::<Venue>().unwrap(), venue);
        }
        assert_eq!("Gate.io".parse::<Venue>().unwrap(), Venue::Gateio);
        assert!("kraken".parse::<Venue>().is_err());
    }
}
