//! OKX v5 spot: instruments, REST book snapshot, the `books` and `trades` channels,
//! HMAC-SHA256 request signing and cash orders. Book sequencing is `prevSeqId`/`seqId`
//! ([`SyncRule::PrevSequence`]), with the legacy checksum in [`checksum`].
pub mod checksum;
mod market;
mod trading;
mod wire;

use quorum_domain::{Decimal, Instrument, Venue};

pub use checksum::{CHECKSUM_DEPTH, checksum, checksum_text};
pub use market::MAX_SNAPSHOT_DEPTH;
pub use trading::{ACCEPTED_STATUS, iso_timestamp};

use crate::{
    BookMessage, Credentials, InstrumentIndex, OrderRequest, ParseError, Parsed, RestRequest,
    SignError, SyncRule, VenueOrderAck, VenueProtocol,
};

/// The OKX v5 protocol.
#[derive(Debug, Clone, Copy, Default)]
pub struct Okx;

impl VenueProtocol for Okx {
    fn venue(&self) -> Venue {
        Venue::Okx
    }

    fn default_rest_url(&self) -> &'static str {
        "https://www.okx.com"
    }

    fn default_ws_url(&self) -> &'static str {
        "wss://ws.okx.com:8443/ws/v5/public"
    }

    fn sync_rule(&self) -> SyncRule {
        SyncRule::PrevSequence
    }

    /// Regular user, level 1 spot: taker 0.10 %, maker 0.08 %.
    fn base_fees(&self) -> (Decimal, Decimal) {
        (Decimal::new(1, 3), Decimal::new(8, 4))
    }

    fn instruments_request(&self) -> RestRequest {
        market::instruments_request()
    }

    fn parse_instruments(&self, body: &str) -> Result<Vec<Instrument>, ParseError> {
        market::parse_instruments(body)
    }

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
