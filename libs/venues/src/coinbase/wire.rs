//! Coinbase Advanced Trade JSON shapes as the venue documents them, and the helpers
//! that read their string-encoded numbers and RFC 3339 times.
use std::str::FromStr;

use chrono::DateTime;
use quorum_domain::Decimal;
use serde::Deserialize;

use crate::ParseError;

/// GET /api/v3/brokerage/market/products.
#[derive(Debug, Deserialize)]
pub(super) struct ProductList {
    #[serde(default)]
    pub products: Vec<Product>,
}

#[derive(Debug, Deserialize)]
pub(super) struct Product {
    pub product_id: String,
    #[serde(default)]
    pub base_currency_id: String,
    #[serde(default)]
    pub quote_currency_id: String,
    #[serde(default)]
    pub price_increment: String,
    #[serde(default)]
    pub quote_increment: String,
    #[serde(default)]
    pub base_increment: String,
    #[serde(default)]
    pub quote_min_size: String,
    #[serde(default)]
    pub min_market_funds: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub trading_disabled: bool,
    #[serde(default)]
    pub is_disabled: bool,
    #[serde(default)]
    pub product_type: String,
}

/// A WebSocket message: the channel envelope, or `{"type":"error","message":..}`.
#[derive(Debug, Deserialize)]
pub(super) struct StreamMessage {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub message: Option<String>,
    pub channel: Option<String>,
    #[serde(default)]
    pub timestamp: String,
    pub sequence_num: Option<u64>,
    #[serde(default)]
    pub events: Vec<StreamEvent>,
}

/// One `events[]` entry; the union of the `l2_data` and `market_trades` fields.
#[derive(Debug, Deserialize)]
pub(super) struct StreamEvent {
    #[serde(rename = "type", default)]
    pub kind: String,
    #[serde(default)]
    pub product_id: String,
    #[serde(default)]
    pub updates: Vec<LevelUpdate>,
    #[serde(default)]
    pub trades: Vec<MarketTrade>,
}

#[derive(Debug, Deserialize)]
pub(super) struct LevelUpdate {
    pub side: String,
    pub price_level: String,
    pub new_quantity: String,
}

#[derive(Debug, Deserialize)]
pub(super) struct MarketTrade {
    pub trade_id: String,
    pub product_id: String,
    pub price: String,
    pub size: String,
    pub side: String,
    pub time: String,
}

/// The body of a refused REST request: `{"error","message","error_details"}`.
#[derive(Debug, Default, Deserialize)]
pub(super) struct ErrorBody {
    pub error: Option<String>,
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub error_details: String,
}

impl ErrorBody {
    /// The venue error this body carries, if it is one.
    pub fn refusal(self) -> Option<ParseError> {
        let code = self.error.filter(|code| !code.is_empty())?;
        let message = if self.error_details.is_empty() || self.error_details == self.message {
            self.message
        } else {
            format!("{} ({})", self.message, self.error_details)
        };
        Some(ParseError::Venue { code, message })
    }
}

pub(super) fn format_error(message: impl Into<String>) -> ParseError {
    ParseError::Format(format!("Coinbase: {}", message.into()))
}

/// Reads JSON, naming what was being read when it does not fit.
pub(super) fn from_json<'a, T: Deserialize<'a>>(
    body: &'a str,
    what: &str,
) -> Result<T, ParseError> {
    serde_json::from_str(body).map_err(|error| format_error(format!("{what}: {error}")))
}

pub(super) fn decimal(text: &str, field: &str) -> Result<Decimal, ParseError> {
    Decimal::from_str(text)
        .map_err(|_| format_error(format!("field {field} is {text:?}, not a decimal number")))
}

/// Milliseconds since the epoch of an RFC 3339 time such as
/// `2023-02-09T20:32:50.714964855Z` (sub-millisecond digits are dropped).
pub(super) fn rfc3339_millis(text: &str, field: &str) -> Result<i64, ParseError> {
    DateTime::parse_from_rfc3339(text)
        .map(|time| time.timestamp_millis())
        .map_err(|_| format_error(format!("field {field} is {text:?}, not an RFC 3339 time")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_keep_milliseconds_and_drop_nanoseconds() {
        assert_eq!(
            rfc3339_millis("2023-02-09T20:32:50.714964855Z", "timestamp").unwrap(),
            1_675_974_770_714
        );
        assert_eq!(rfc3339_millis("1970-01-01T00:00:00Z", "t").unwrap(), 0);
        assert!(rfc3339_millis("yesterday", "t").is_err());
    }

    #[test]
    fn an_error_body_without_error_is_not_a_refusal() {
        assert!(ErrorBody::default().refusal().is_none());
        let body: ErrorBody = serde_json::from_str(
            r#"{"error":"INVALID_ARGUMENT","error_details":"bad product","message":"invalid"}"#,
        )
        .unwrap();
        assert_eq!(
            body.refusal(),
            Some(ParseError::Venue {
                code: "INVALID_ARGUMENT".into(),
                message: "invalid (bad product)".into()
            })
        );
    }
}
