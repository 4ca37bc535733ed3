//! Gate.io v4 spot: currency pairs, the REST order book with its id, the
//! `spot.order_book_update` and `spot.trades` channels, HMAC-SHA512 request signing and
//! orders. Book sequencing is `U`/`u` against the snapshot `id`
//! ([`SyncRule::GateUpdateIdRange`]).
mod market;
mod stream;
mod trading;
mod wire;

use quorum_domain::{Decimal, Instrument, Venue};

pub use market::{BOOK_CHANNEL, BOOK_INTERVAL, DEFAULT_SNAPSHOT_DEPTH, TRADES_CHANNEL};
pub use trading::{CLIENT_ID_PREFIX, signature};

use crate::{
    BookMessage, Credentials, InstrumentIndex, OrderRequest, ParseError, Parsed, RestRequest,
    SignError, SyncRule, VenueOrderAck, VenueProtocol,
};

/// The Gate.io v4 spot protocol.
#[derive(Debug, Clone, Copy, Default)]
pub struct Gateio;

impl VenueProtocol for Gateio {
    fn venue(&self) -> Venue {
        Venue::Gateio
    }

    fn default_rest_url(&self) -> &'static str {
        "https://api.gateio.ws"
    }

    fn default_ws_url(&self) -> &'static str {
        "wss://api.gateio.ws/ws/v4/"
    }

    fn sync_rule(&self) -> SyncRule {
        SyncRule::GateUpdateIdRange
    }

    /// Base tier (VIP 0), spot: taker 0.2 %, maker 0.2 %.
    fn base_fees(&self) -> (Decimal, Decimal) {
        (Decimal::new(2, 3), Decimal::new(2, 3))
    }

    fn instruments_request(&self) -> RestRequest {
        market::instruments_request()
    }

    fn parse_instruments(&self, body: &str) -> Result<Vec<Instrument>, ParseError> {
        market::parse_instruments(body)
    }

    /// Depth 0 asks for 100 levels.
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

    /// Book updates (100 ms) and trades of every instrument; public channels need no
    /// signing.
    fn subscribe_messages(
        &self,
        instruments: &[Instrument],
        _credentials: Option<&Credentials>,
        now_ms: i64,
    ) -> Result<Vec<String>, SignError> {
        Ok(market::subscribe_messages(instruments, now_ms))
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
