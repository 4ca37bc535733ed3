//! Binance spot: instruments, the REST depth snapshot, the combined stream's
//! `depthUpdate` and `trade` pushes, HMAC-SHA256 request signing and orders. Book
//! sequencing is `U`/`u` against the snapshot's `lastUpdateId`
//! ([`SyncRule::UpdateIdRange`]).
mod market;
mod stream;
mod trading;
mod wire;

use quorum_domain::{Decimal, Instrument, Venue};

pub use market::{DEFAULT_SNAPSHOT_DEPTH, MAX_SNAPSHOT_DEPTH, STREAMS_PER_SUBSCRIBE};
pub use trading::{API_KEY_HEADER, RECV_WINDOW_MS, signature};

use crate::{
    BookMessage, Credentials, InstrumentIndex, OrderRequest, ParseError, Parsed, RestRequest,
    SignError, SyncRule, VenueOrderAck, VenueProtocol,
};

/// The Binance spot protocol.
#[derive(Debug, Clone, Copy, Default)]
pub struct Binance;

impl VenueProtocol for Binance {
    fn venue(&self) -> Venue {
        Venue::Binance
    }

    fn default_rest_url(&self) -> &'static str {
        "https://api.binance.com"
    }

    /// The combined-stream endpoint: pushes arrive as `{"stream":..,"data":..}`.
    fn default_ws_url(&self) -> &'static str {
        "wss://stream.binance.com:9443/stream"
    }

    fn sync_rule(&self) -> SyncRule {
        SyncRule::UpdateIdRange
    }

    /// Regular user, spot: taker 0.1 %, maker 0.1 %.
    fn base_fees(&self) -> (Decimal, Decimal) {
        (Decimal::new(1, 3), Decimal::new(1, 3))
    }

    fn instruments_request(&self) -> RestRequest {
        market::instruments_request()
    }

    fn parse_instruments(&self, body: &str) -> Result<Vec<Instrument>, ParseError> {
        market::parse_instruments(body)
    }

    /// Depth 0 asks for the venue's default of 100 levels; more than 5000 asks for 5000.
    fn snapshot_request(&self, instrument: &Instrument, depth: u32) -> Option<RestRequest> {
        Some(market::snapshot_request(instrument, depth))
    }

    fn parse_snapshot(
        &self,
        instrument: &Instrument,
        body: &str,
    ) -> Result<BookMessage, ParseError> {
        market::parse_snapshot(instrument, body)
    }

    /// Depth (100 ms) and trades of every instrument; public streams need no signing.
    fn subscribe_messages(
        &self,
        instruments: &[Instrument],
        _credentials: Option<&Credentials>,
        _now_ms: i64,
    ) -> Result<Vec<String>, SignError> {
        Ok(market::subscribe_messages(instruments))
    }

    fn parse_message(&self, text: &str, index: &InstrumentIndex) -> Result<Parsed, ParseError> {
        market::parse_message(text, index)
    }

    fn sign(
        &self,
        request: &mut RestRequest,
        credentials: &Credentials,
        now_ms: i64,
    ) -> Result<(), SignError> {
        trading::sign(request, credentials, now_ms)
    }

    /// The timestamp is added when the request is signed.
    fn place_order_request(
        &self,
        instrument: &Instrument,
        order: &OrderRequest,
        _now_ms: i64,
    ) -> RestRequest {
        trading::place_order_request(instrument, order)
    }

    fn cancel_order_request(
        &self,
        instrument: &Instrument,
        venue_order_id: &str,
        _now_ms: i64,
    ) -> RestRequest {
        trading::cancel_order_request(instrument, venue_order_id)
    }

    fn parse_order_response(&self, status: u16, body: &str) -> Result<VenueOrderAck, ParseError> {
        trading::parse_order_response(status, body)
    }
}
