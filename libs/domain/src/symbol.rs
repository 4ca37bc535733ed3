//! Canonical symbols: `BASE-QUOTE` in upper case, the one name every service uses.
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A canonical symbol such as `BTC-USDT`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Symbol {
    text: String,
    dash: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not a symbol: write BASE-QUOTE in letters and digits, e.g. BTC-USDT")]
pub struct SymbolError(pub String);

impl Symbol {
    /// Builds `BASE-QUOTE` from its two assets (any case).
    pub fn new(base: &str, quote: &str) -> Result<Self, SymbolError> {
        format!("{base}-{quote}").parse()
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn base(&self) -> &str {
        &self.text[..self.dash]
    }

    pub fn quote(&self) -> &str {
        &self.text[self.dash + 1..]
    }
}

impl FromStr for Symbol {
    type Err = SymbolError;

    /// Accepts any case; the result is upper case.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let upper = text.trim().to_ascii_uppercase();
        let bad = || SymbolError(text.to_string());
        let (base, quote) = upper.split_once('-').ok_or_else(bad)?;
        let asset_ok = |asset: &str| {
            !asset.is_empty()
                && asset.len() <= 20
                && asset.chars().all(|c| c.is_ascii_alphanumeric())
        };
        if !asset_ok(base) || !asset_ok(quote) {
            return Err(bad());
        }
        Ok(Self {
            dash: base.len(),
            text: upper,
        })
    }
}

impl TryFrom<String> for Symbol {
    type Error = SymbolError;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        text.parse()
    }
}

impl From<Symbol> for String {
    fn from(symbol: Symbol) -> Self {
        symbol.text
    }
}

impl fmt::Display for Symbol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_any_case_into_upper_case_with_its_assets() {
        let symbol: Symbol = "eth-btc".parse().unwrap();
        assert_eq!(symbol.as_str(), "ETH-BTC");
        assert_eq!((symbol.base(), symbol.quote()), ("ETH", "BTC"));
        assert_eq!(Symbol::new("btc", "usdt").unwrap().to_string(), "BTC-USDT");
    }

    #[test]
    fn refuses_what_is_not_base_dash_quote() {
        for bad in [
            "",
            "BTCUSDT",
            "BTC-",
            "-USDT",
            "BTC_USDT",
            "BTC-US-DT",
            "BT C-USDT",
        ] {
            assert!(bad.parse::<Symbol>().is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn json_is_the_plain_string() {
        let symbol: Symbol = "BTC-USDT".parse().unwrap();
        assert_eq!(serde_json::to_string(&symbol).unwrap(), "\"BTC-USDT\"");
        assert!(serde_json::from_str::<Symbol>("\"nope\"").is_err());
    }
}
