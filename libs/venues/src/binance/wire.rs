//! Binance spot JSON shapes as the venue documents them, borrowed from the message text
//! where possible, and the helpers that read their string-encoded numbers.
use std::borrow::Cow;
use std::str::FromStr;

use quorum_domain::{Decimal, Level};
use serde::Deserialize;

use crate::ParseError;

/// A REST error answer: `{"code":-2010,"msg":"Account has insufficient balance..."}`.
#[derive(Debug, Deserialize)]
pub(super) struct ErrorBody<'a> {
    pub code: i64,
    #[serde(borrow)]
    pub msg: Cow<'a, str>,
}

/// `depthUpdate`: the diff depth stream.
#[derive(Debug, Deserialize)]
pub(super) struct DepthUpdate<'a> {
    #[serde(rename = "E")]
    pub event_ms: i64,
    #[serde(rename = "s", borrow)]
    pub symbol: Cow<'a, str>,
    #[serde(rename = "U")]
    pub first_id: i64,
    #[serde(rename = "u")]
    pub last_id: i64,
    #[serde(rename = "b", borrow, default)]
    pub bids: Vec<RawLevel<'a>>,
    #[serde(rename = "a", borrow, default)]
    pub asks: Vec<RawLevel<'a>>,
}

/// `trade`: one market trade.
#[derive(Debug, Deserialize)]
pub(super) struct TradeEvent<'a> {
    #[serde(rename = "s", borrow)]
    pub symbol: Cow<'a, str>,
    #[serde(rename = "t")]
    pub trade_id: i64,
    #[serde(rename = "p")]
    pub price: &'a str,
    #[serde(rename = "q")]
    pub quantity: &'a str,
    #[serde(rename = "T")]
    pub trade_ms: i64,
    /// The buyer was the maker, so the taker sold.
    #[serde(rename = "m")]
    pub buyer_is_maker: bool,
}

/// GET /api/v3/depth.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct DepthSnapshot<'a> {
    pub last_update_id: i64,
    #[serde(borrow)]
    pub bids: Vec<RawLevel<'a>>,
    #[serde(borrow)]
    pub asks: Vec<RawLevel<'a>>,
}

/// `["price", "quantity"]`.
#[derive(Debug, Deserialize)]
pub(super) struct RawLevel<'a>(pub &'a str, pub &'a str);

/// GET /api/v3/exchangeInfo, only what Quorum reads.
#[derive(Debug, Deserialize)]
pub(super) struct ExchangeInfo {
    pub symbols: Vec<SymbolInfo>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct SymbolInfo {
    pub symbol: String,
    pub status: String,
    pub base_asset: String,
    pub quote_asset: String,
    #[serde(default)]
    pub is_spot_trading_allowed: Option<bool>,
    #[serde(default)]
    pub filters: Vec<SymbolFilter>,
}

/// One entry of `filters`; each filter type fills some of these.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct SymbolFilter {
    pub filter_type: String,
    pub tick_size: Option<String>,
    pub step_size: Option<String>,
    pub min_notional: Option<String>,
}

/// The answer to POST or DELETE /api/v3/order (ACK, RESULT or FULL).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct OrderAnswer {
    pub order_id: i64,
    #[serde(default)]
    pub client_order_id: String,
    /// On a cancel, the id the order was placed with (`clientOrderId` is the cancel's).
    pub orig_client_order_id: Option<String>,
    pub status: Option<String>,
}

/// The venue's error when `body` is one, whatever the HTTP status.
pub(super) fn venue_error(body: &str) -> Option<ParseError> {
    let error: ErrorBody = serde_json::from_str(body).ok()?;
    Some(ParseError::Venue {
        code: error.code.to_string(),
        message: error.msg.into_owned(),
    })
}

pub(super) fn format_error(what: &str, error: impl std::fmt::Display) -> ParseError {
    ParseError::Format(format!("Binance {what}: {error}"))
}

pub(super) fn decimal(field: &str, text: &str) -> Result<Decimal, ParseError> {
    Decimal::from_str(text)
        .map_err(|_| ParseError::Format(format!("Binance {field} '{text}' is not a decimal")))
}

pub(super) fn levels(raw: &[RawLevel<'_>]) -> Result<Vec<Level>, ParseError> {
    raw.iter()
        .map(|RawLevel(price, quantity)| {
            Ok(Level::new(
                decimal("price", price)?,
                decimal("quantity", quantity)?,
            ))
        })
        .collect()
}

/// Percent-encodes a query value (everything but unreserved characters).
pub(super) fn encode_query_value(value: &str) -> String {
    let mut encoded = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}
