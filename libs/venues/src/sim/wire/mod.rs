//! Each simulated venue's wire format, written field by field in the order the venue
//! documents, and the helpers they share (query reading, number and time formatting).
mod binance;
mod coinbase;
mod gateio;
mod okx;

use chrono::{DateTime, SecondsFormat, Utc};
use quorum_domain::{Decimal, Venue};

use super::events::SimEvent;
use super::flow::SimMarket;
use super::stream::{Channel, SimStream};
use super::venue::SimVenue;
use crate::{RestRequest, RestResponse};

pub(super) fn respond(venue: &SimVenue, request: &RestRequest) -> RestResponse {
    match venue.venue() {
        Venue::Binance => binance::respond(venue, request),
        Venue::Okx => okx::respond(venue, request),
        Venue::Coinbase => coinbase::respond(venue, request),
        Venue::Gateio => gateio::respond(venue, request),
    }
}

pub(super) fn receive(venue: &SimVenue, stream: &mut SimStream, text: &str) -> Vec<String> {
    match venue.venue() {
        Venue::Binance => binance::receive(venue, stream, text),
        Venue::Okx => okx::receive(venue, stream, text),
        Venue::Coinbase => coinbase::receive(venue, stream, text),
        Venue::Gateio => gateio::receive(venue, stream, text),
    }
}

pub(super) fn encode(venue: &SimVenue, stream: &mut SimStream, event: &SimEvent) -> Vec<String> {
    let mut messages = Vec::new();
    if venue.venue() == Venue::Coinbase {
        messages.extend(coinbase::heartbeat(stream, event.event_ms()));
    }
    if !stream.wants(event) {
        return messages;
    }
    let market = &venue.markets()[event.market()];
    messages.extend(match venue.venue() {
        Venue::Binance => binance::encode(market, stream, event),
        Venue::Okx => okx::encode(market, event),
        Venue::Coinbase => coinbase::encode(market, stream, event),
        Venue::Gateio => gateio::encode(market, event),
    });
    messages
}

/// The checksum a venue sends with its book changes, computed on the book now.
pub(super) fn book_checksum(venue: Venue, market: &SimMarket) -> Option<i32> {
    (venue == Venue::Okx).then(|| okx::checksum(market))
}

/// The name a venue gives a channel of a market, as a connector subscribes it.
pub(super) fn channel_name(venue: Venue, channel: Channel, market: &SimMarket) -> String {
    let symbol = &market.instrument.venue_symbol;
    match (venue, channel) {
        (Venue::Binance, Channel::Book) => format!("{}@depth@100ms", symbol.to_ascii_lowercase()),
        (Venue::Binance, _) => format!("{}@trade", symbol.to_ascii_lowercase()),
        (Venue::Okx, Channel::Book) => "books".into(),
        (Venue::Okx, _) => "trades".into(),
        (Venue::Coinbase, Channel::Book) => "level2".into(),
        (Venue::Coinbase, Channel::Trades) => "market_trades".into(),
        (Venue::Coinbase, Channel::Heartbeats) => "heartbeats".into(),
        (Venue::Gateio, Channel::Book) => "spot.order_book_update".into(),
        (Venue::Gateio, _) => "spot.trades".into(),
    }
}

/// A value of a URL query, percent-decoded; `None` when absent.
pub(super) fn query_value(query: &str, key: &str) -> Option<String> {
    query.split('&').find_map(|pair| {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        (percent_decode(name) == key).then(|| percent_decode(value))
    })
}

/// A depth parameter: absent gives `default`; present it must be a positive integer.
pub(super) fn depth_value(query: &str, key: &str, default: usize) -> Result<usize, String> {
    match query_value(query, key) {
        None => Ok(default),
        Some(text) => text
            .parse::<usize>()
            .ok()
            .filter(|depth| *depth > 0)
            .ok_or_else(|| format!("{key} must be a positive integer, not '{text}'")),
    }
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let hex = bytes
            .get(index + 1..index + 3)
            .and_then(|pair| std::str::from_utf8(pair).ok())
            .and_then(|pair| u8::from_str_radix(pair, 16).ok());
        match (bytes[index], hex) {
            (b'%', Some(byte)) => {
                decoded.push(byte);
                index += 3;
            }
            (b'+', _) => {
                decoded.push(b' ');
                index += 1;
            }
            (byte, _) => {
                decoded.push(byte);
                index += 1;
            }
        }
    }
    String::from_utf8_lossy(&decoded).into_owned()
}

/// A decimal with exactly `places` decimals, e.g. Binance's "60000.01000000".
pub(super) fn fixed(value: Decimal, places: u32) -> String {
    let mut value = value;
    value.rescale(places);
    value.to_string()
}

/// A decimal without trailing zeros, e.g. "0.5" and "0".
pub(super) fn plain(value: Decimal) -> String {
    value.normalize().to_string()
}

/// RFC 3339 with nanoseconds, as Coinbase stamps its envelopes.
pub(super) fn rfc3339_nanos(unix_ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(unix_ms)
        .unwrap_or_default()
        .to_rfc3339_opts(SecondsFormat::Nanos, true)
}

/// RFC 3339 with milliseconds, as Coinbase stamps its trades.
pub(super) fn rfc3339_millis(unix_ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(unix_ms)
        .unwrap_or_default()
        .to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// JSON text of a value built from strings and numbers, which always serializes.
pub(super) fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

pub(super) fn response(status: u16, body: String) -> RestResponse {
    RestResponse { status, body }
}

/// Why the sim refuses orders, in every venue's error body.
pub(super) const NO_ORDERS: &str = "the simulated market never executes orders: trade on it with \
     QUORUM_TRADING_MODE=paper, or use QUORUM_MARKET_SOURCE=live for live orders";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_read_and_decoded() {
        let query = "symbol=BTCUSDT&limit=1000&pair=BTC%5FUSDT&empty=&flag";
        assert_eq!(query_value(query, "symbol").as_deref(), Some("BTCUSDT"));
        assert_eq!(query_value(query, "pair").as_deref(), Some("BTC_USDT"));
        assert_eq!(query_value(query, "empty").as_deref(), Some(""));
        assert_eq!(query_value(query, "flag").as_deref(), Some(""));
        assert_eq!(query_value(query, "missing"), None);
        assert_eq!(query_value("a=%zz", "a").as_deref(), Some("%zz"));
        assert_eq!(depth_value(query, "limit", 100), Ok(1000));
        assert_eq!(depth_value(query, "missing", 100), Ok(100));
        assert!(depth_value("limit=-5", "limit", 100).is_err());
    }

    #[test]
    fn numbers_and_times_are_written_as_venues_write_them() {
        assert_eq!(fixed(Decimal::new(6_000_001, 2), 8), "60000.01000000");
        assert_eq!(plain(Decimal::new(50_000, 5)), "0.5");
        assert_eq!(plain(Decimal::ZERO), "0");
        assert_eq!(
            rfc3339_nanos(1_675_974_770_714),
            "2023-02-09T20:32:50.714000000Z"
        );
        assert_eq!(
            rfc3339_millis(1_675_974_770_714),
            "2023-02-09T20:32:50.714Z"
        );
    }
}
