//! Gate.io v4 spot JSON shapes as the venue documents them, borrowed from the message
//! text where possible, and the helpers that read their string-encoded numbers.
use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use quorum_domain::{Decimal, Level};
use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};

use crate::ParseError;

/// A REST error answer: `{"label":"BALANCE_NOT_ENOUGH","message":"Not enough balance"}`.
#[derive(Debug, Deserialize)]
pub(super) struct ErrorBody<'a> {
    #[serde(borrow)]
    pub label: Cow<'a, str>,
    #[serde(borrow, default)]
    pub message: Cow<'a, str>,
}

#[derive(Debug, Deserialize)]
pub(super) struct StreamError<'a> {
    pub code: i64,
    #[serde(borrow, default)]
    pub message: Cow<'a, str>,
}

/// `spot.order_book_update` result.
#[derive(Debug, Deserialize)]
pub(super) struct OrderBookUpdate<'a> {
    #[serde(rename = "t")]
    pub event_ms: i64,
    #[serde(rename = "s", borrow)]
    pub currency_pair: Cow<'a, str>,
    #[serde(rename = "U")]
    pub first_id: i64,
    #[serde(rename = "u")]
    pub last_id: i64,
    #[serde(rename = "b", borrow, default)]
    pub bids: Vec<RawLevel<'a>>,
    #[serde(rename = "a", borrow, default)]
    pub asks: Vec<RawLevel<'a>>,
}

/// `spot.trades` result.
#[derive(Debug, Deserialize)]
pub(super) struct TradeResult<'a> {
    pub id: i64,
    /// Milliseconds, sent as a string with a fraction ("1606292218213.4578").
    #[serde(deserialize_with = "milliseconds")]
    pub create_time_ms: i64,
    /// The taker's side.
    #[serde(borrow)]
    pub side: Cow<'a, str>,
    #[serde(borrow)]
    pub currency_pair: Cow<'a, str>,
    pub amount: &'a str,
    pub price: &'a str,
}

/// GET /api/v4/spot/order_book with `with_id=true`.
#[derive(Debug, Deserialize)]
pub(super) struct OrderBookSnapshot<'a> {
    pub id: i64,
    /// When the answer was made, in milliseconds.
    #[serde(default)]
    pub current: i64,
    #[serde(borrow)]
    pub asks: Vec<RawLevel<'a>>,
    #[serde(borrow)]
    pub bids: Vec<RawLevel<'a>>,
}

/// `["price", "amount"]`.
#[derive(Debug, Deserialize)]
pub(super) struct RawLevel<'a>(pub &'a str, pub &'a str);

/// One entry of GET /api/v4/spot/currency_pairs, only what Quorum reads.
#[derive(Debug, Deserialize)]
pub(super) struct CurrencyPair {
    pub id: String,
    pub base: String,
    pub quote: String,
    /// Price decimals.
    pub precision: u32,
    /// Amount decimals.
    pub amount_precision: u32,
    #[serde(default)]
    pub min_quote_amount: Option<String>,
    pub trade_status: String,
}

/// The answer to POST /api/v4/spot/orders or DELETE /api/v4/spot/orders/{id}.
#[derive(Debug, Deserialize)]
pub(super) struct OrderAnswer {
    pub id: String,
    /// `t-<client id>` when the order was placed with one.
    #[serde(default)]
    pub text: String,
    pub status: String,
}

/// The venue's error when `body` is one, whatever the HTTP status.
pub(super) fn venue_error(body: &str) -> Option<ParseError> {
    let error: ErrorBody = serde_json::from_str(body).ok()?;
    Some(ParseError::Venue {
        code: error.label.into_owned(),
        message: error.message.into_owned(),
    })
}

pub(super) fn format_error(what: &str, error: impl fmt::Display) -> ParseError {
    ParseError::Format(format!("Gate.io {what}: {error}"))
}

pub(super) fn decimal(field: &str, text: &str) -> Result<Decimal, ParseError> {
    Decimal::from_str(text)
        .map_err(|_| ParseError::Format(format!("Gate.io {field} '{text}' is not a decimal")))
}

pub(super) fn levels(raw: &[RawLevel<'_>]) -> Result<Vec<Level>, ParseError> {
    raw.iter()
        .map(|RawLevel(price, amount)| {
            Ok(Level::new(
                decimal("price", price)?,
                decimal("amount", amount)?,
            ))
        })
        .collect()
}

/// Milliseconds as a number or a decimal string; the fraction is dropped.
fn milliseconds<'de, D: Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
    struct Milliseconds;

    impl Visitor<'_> for Milliseconds {
        type Value = i64;

        fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
            formatter.write_str("milliseconds as a number or a string")
        }

        fn visit_i64<E: de::Error>(self, value: i64) -> Result<i64, E> {
            Ok(value)
        }

        fn visit_u64<E: de::Error>(self, value: u64) -> Result<i64, E> {
            i64::try_from(value).map_err(E::custom)
        }

        fn visit_f64<E: de::Error>(self, value: f64) -> Result<i64, E> {
            // Timestamps in milliseconds are far inside f64's exact integer range.
            Ok(value.trunc() as i64)
        }

        fn visit_str<E: de::Error>(self, value: &str) -> Result<i64, E> {
            let whole = value.split_once('.').map_or(value, |(whole, _)| whole);
            whole
                .parse()
                .map_err(|_| E::custom(format!("'{value}' is not milliseconds")))
        }
    }

    deserializer.deserialize_any(Milliseconds)
}
