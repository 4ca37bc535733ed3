//! OKX v5 JSON shapes as the venue documents them, and the helpers that read their
//! string-encoded numbers.
use std::str::FromStr;

use quorum_domain::{Decimal, Level};
use serde::Deserialize;

use crate::ParseError;

/// Every REST answer: `code` "0" on success, else an error code and message.
#[derive(Debug, Deserialize)]
pub(super) struct Envelope<T> {
    pub code: String,
    #[serde(default)]
    pub msg: String,
    #[serde(default = "Vec::new")]
    pub data: Vec<T>,
}

/// A row of GET /api/v5/public/instruments.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct InstrumentRow {
    pub inst_id: String,
    #[serde(default)]
    pub base_ccy: String,
    #[serde(default)]
    pub quote_ccy: String,
    #[serde(default)]
    pub tick_sz: String,
    #[serde(default)]
    pub lot_sz: String,
    #[serde(default)]
    pub min_sz: String,
    #[serde(default)]
    pub state: String,
}

/// A WebSocket push, an event (ack, error, notice), or both shapes' union.
#[derive(Debug, Deserialize)]
pub(super) struct StreamMessage {
    pub event: Option<String>,
    pub code: Option<String>,
    pub msg: Option<String>,
    pub arg: Option<ChannelArg>,
    pub action: Option<String>,
    #[serde(default = "Vec::new")]
    pub data: Vec<DataRow>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ChannelArg {
    pub channel: String,
    #[serde(default)]
    pub inst_id: String,
}

/// One `data[]` entry of a `books` push, a `trades` push or the REST books answer.
/// The union of their fields, so a message is read in one pass whatever its channel.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct DataRow {
    #[serde(default)]
    pub asks: Vec<Vec<String>>,
    #[serde(default)]
    pub bids: Vec<Vec<String>>,
    #[serde(default)]
    pub ts: String,
    pub checksum: Option<i64>,
    pub prev_seq_id: Option<i64>,
    pub seq_id: Option<i64>,
    #[serde(default)]
    pub trade_id: String,
    #[serde(default)]
    pub px: String,
    #[serde(default)]
    pub sz: String,
    #[serde(default)]
    pub side: String,
}

/// A row of a trade request's answer (place or cancel).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct OrderRow {
    #[serde(default)]
    pub ord_id: String,
    #[serde(default)]
    pub cl_ord_id: String,
    #[serde(default)]
    pub s_code: String,
    #[serde(default)]
    pub s_msg: String,
}

pub(super) fn format_error(message: impl Into<String>) -> ParseError {
    ParseError::Format(format!("OKX: {}", message.into()))
}

/// Reads JSON, naming what was being read when it does not fit.
pub(super) fn from_json<'a, T: Deserialize<'a>>(
    body: &'a str,
    what: &str,
) -> Result<T, ParseError> {
    serde_json::from_str(body).map_err(|error| format_error(format!("{what}: {error}")))
}

/// A decimal sent as a string, keeping its scale (the checksum needs the original text).
pub(super) fn decimal(text: &str, field: &str) -> Result<Decimal, ParseError> {
    Decimal::from_str(text)
        .map_err(|_| format_error(format!("field {field} is {text:?}, not a decimal number")))
}

/// Milliseconds sent as a string, e.g. `"1597026383085"`.
pub(super) fn millis(text: &str, field: &str) -> Result<i64, ParseError> {
    text.parse::<i64>()
        .map_err(|_| format_error(format!("field {field} is {text:?}, not milliseconds")))
}

/// `[["price", "size", "0", "orders"], ..]` into levels (only price and size matter).
pub(super) fn levels(rows: &[Vec<String>], field: &str) -> Result<Vec<Level>, ParseError> {
    rows.iter()
        .map(|row| match row.as_slice() {
            [price, size, ..] => Ok(Level::new(decimal(price, field)?, decimal(size, field)?)),
            _ => Err(format_error(format!(
                "a level of {field} has {} entries, expected [price, size, ..]",
                row.len()
            ))),
        })
        .collect()
}

/// The venue's refusal carried by an envelope, if any.
pub(super) fn refusal(code: &str, message: &str) -> Option<ParseError> {
    (code != "0").then(|| ParseError::Venue {
        code: code.to_string(),
        message: message.to_string(),
    })
}
