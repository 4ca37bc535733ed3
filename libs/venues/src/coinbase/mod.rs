//! Coinbase Advanced Trade spot: products, the `level2`, `market_trades` and
//! `heartbeats` channels, ES256 JWT authentication and orders. The book snapshot comes
//! on the stream and gaps show in the connection's `sequence_num`
//! ([`SyncRule::ConnectionSequence`]).
pub mod jwt;
mod market;
mod trading;
mod wire;

use quorum_domain::{Decimal, Instrument, Venue};

pub use market::CHANNELS;
pub use trading::{ACCEPTED_STATUS, CANCELED_STATUS, REST_HOST};

use crate::{
    BookMessage, Credentials, InstrumentIndex, OrderRequest, ParseError, Parsed, RestRequest,
    SignError, SyncRule, VenueOrderAck, VenueProtocol,
};

/// The Coinbase Advanced Trade protocol. Its canonical symbols are the product ids
/// (`BTC-USD`, quoted in USD rather than USDT).
#[derive(Debug, Clone, Copy, Default)]
pub struct Coinbase;

impl VenueProtocol for Coinbase {
    fn venue(&self) -> Venue {
        Venue::Coinbase
    }

    fn default_rest_url(&self) -> &'static str {
        "https://api.coinbase.com"
    }

    fn default_ws_url(&self) -> &'static str {
        "wss://advanced-trade-ws.coinbase.com"
    }

    fn sync_rule(&self) -> SyncRule {
        SyncRule::ConnectionSequence
    }

    /// Advanced Trade base tier: taker 0.60 %, maker 0.40 %.
    fn base_fees(&self) -> (Decimal, Decimal) {
        (Decimal::new(6, 3), Decimal::new(4, 3))
    }

    fn instruments_request(&self) -> RestRequest {
        market::instruments_request()
    }

    fn parse_instruments(&self, body: &str) -> Result<Vec<Instrument>, ParseError> {
        market::parse_instruments(body)
    }

    /// None: subscribing to `level2` delivers the snapshot.
    fn snapshot_request(&self, _instrument: &Instrument, _depth: u32) -> Option<RestRequest> {
        None
    }

    fn parse_snapshot(
        &self,
        instrument: &Instrument,
        _body: &str,
    ) -> Result<BookMessage, ParseError> {
        Err(ParseError::Format(format!(
            "Coinbase has no REST book snapshot for {}: resubscribe to level2 to receive one",
            instrument.symbol
        )))
    }

    fn subscribe_messages(
        &self,
        instruments: &[Instrument],
        credentials: Option<&Credentials>,
        now_ms: i64,
    ) -> Result<Vec<String>, SignError> {
        market::subscribe_messages(instruments, credentials, now_ms)
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
        _instrument: &Instrument,
        venue_order_id: &str,
        _now_ms: i64,
    ) -> RestRequest {
        trading::cancel_order_request(venue_order_id)
    }

    fn parse_order_response(&self, status: u16, body: &str) -> Result<VenueOrderAck, ParseError> {
        trading::parse_order_response(status, body)
    }
}
