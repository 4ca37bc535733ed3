//! What every venue module implements: how to ask the venue's REST and WebSocket APIs,
//! how to read its answers into the normalized model, how its book is sequenced, and how
//! its private requests are signed. Nothing here does I/O; the connector runtime does.
use std::collections::HashMap;

use quorum_domain::{
    Decimal, Instrument, Level, OrderType, Side, Symbol, Ticker, TimeInForce, Trade, Venue,
};

/// An HTTP request to a venue, before or after signing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestRequest {
    /// "GET", "POST", "DELETE".
    pub method: &'static str,
    /// Path from the REST base URL, e.g. "/api/v3/depth".
    pub path: String,
    /// URL-encoded query without the leading '?', possibly empty.
    pub query: String,
    /// Body (JSON or form), possibly empty.
    pub body: String,
    pub headers: Vec<(String, String)>,
}

impl RestRequest {
    pub fn get(path: impl Into<String>, query: impl Into<String>) -> Self {
        Self {
            method: "GET",
            path: path.into(),
            query: query.into(),
            body: String::new(),
            headers: Vec::new(),
        }
    }

    /// Path and query as they appear in the request line.
    pub fn path_and_query(&self) -> String {
        if self.query.is_empty() {
            self.path.clone()
        } else {
            format!("{}?{}", self.path, self.query)
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

/// API credentials of one venue account. Debug never shows the secrets.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// API key (Binance, OKX, Gate.io) or key name (Coinbase, `organizations/.../apiKeys/...`).
    pub key: String,
    /// HMAC secret (Binance, OKX, Gate.io) or the EC private key in PEM (Coinbase).
    pub secret: String,
    /// OKX passphrase; empty elsewhere.
    pub passphrase: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("key", &self.key)
            .field("secret", &"<redacted>")
            .field("passphrase", &"<redacted>")
            .finish()
    }
}

/// Maps the venue's symbols to instruments, built from the venue's instrument list.
#[derive(Debug, Clone, Default)]
pub struct InstrumentIndex {
    by_venue_symbol: HashMap<String, Instrument>,
    by_symbol: HashMap<Symbol, Instrument>,
}

impl InstrumentIndex {
    pub fn new(instruments: impl IntoIterator<Item = Instrument>) -> Self {
        let mut index = Self::default();
        for instrument in instruments {
            index.by_venue_symbol.insert(
                instrument.venue_symbol.to_ascii_uppercase(),
                instrument.clone(),
            );
            index
                .by_symbol
                .insert(instrument.symbol.clone(), instrument);
        }
        index
    }

    /// By the venue's own name, in any case ("btcusdt" and "BTCUSDT" both work).
    pub fn by_venue_symbol(&self, venue_symbol: &str) -> Option<&Instrument> {
        self.by_venue_symbol.get(&venue_symbol.to_ascii_uppercase())
    }

    pub fn by_symbol(&self, symbol: &Symbol) -> Option<&Instrument> {
        self.by_symbol.get(symbol)
    }

    pub fn instruments(&self) -> impl Iterator<Item = &Instrument> {
        self.by_symbol.values()
    }

    pub fn len(&self) -> usize {
        self.by_symbol.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_symbol.is_empty()
    }
}

/// Whether a book message replaces the book or changes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BookMessageKind {
    Snapshot,
    Delta,
}

/// A book snapshot (from REST or the stream) or delta, with the venue's sequence ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookMessage {
    pub symbol: Symbol,
    pub kind: BookMessageKind,
    /// Binance and Gate.io: `U` (first update id) of a delta, or the snapshot's id.
    /// OKX: `seqId`. Coinbase: the envelope's `sequence_num`.
    pub first_id: i64,
    /// Binance and Gate.io: `u` (last update id), or the snapshot's id. OKX: `seqId`.
    /// Coinbase: `sequence_num`.
    pub last_id: i64,
    /// OKX: `prevSeqId` (-1 on a snapshot). Others: `None`.
    pub prev_id: Option<i64>,
    /// Absolute quantities; 0 removes a level.
    pub bids: Vec<Level>,
    pub asks: Vec<Level>,
    /// OKX legacy checksum when the venue sent a non-zero one.
    pub checksum: Option<i32>,
    pub event_ms: i64,
}

/// One normalized event read from a stream message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamEvent {
    Book(BookMessage),
    Trade(Trade),
    Ticker(Ticker),
}

/// A parsed WebSocket message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parsed {
    /// Connection-wide sequence number (Coinbase's `sequence_num`); a gap means a lost
    /// message and a resubscribe.
    pub connection_sequence: Option<u64>,
    pub events: Vec<StreamEvent>,
    /// The venue asks the client to answer (e.g. OKX "ping" -> "pong").
    pub reply: Option<String>,
}

/// How a venue sequences its book messages (EXCHANGES.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncRule {
    /// Binance: REST snapshot `lastUpdateId`, deltas with `U`..`u`; the first applied
    /// delta must span `lastUpdateId + 1`; afterwards `U` must be local id + 1.
    UpdateIdRange,
    /// Gate.io: like Binance, with the snapshot `id` as base.
    GateUpdateIdRange,
    /// OKX: `prevSeqId` must equal the previous `seqId`; a snapshot has `prevSeqId = -1`.
    PrevSequence,
    /// Coinbase: the snapshot arrives on the stream; a gap in the connection's
    /// `sequence_num` means resubscribe.
    ConnectionSequence,
}

/// A venue refusal or a message that does not read as documented.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("not the venue's documented format: {0}")]
    Format(String),
    /// The venue answered with an error code and message.
    #[error("venue error {code}: {message}")]
    Venue { code: String, message: String },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot sign: {0}")]
pub struct SignError(pub String);

/// An order to send to a live venue (validated before it gets here).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderRequest {
    pub client_order_id: String,
    pub side: Side,
    pub order_type: OrderType,
    pub time_in_force: TimeInForce,
    pub post_only: bool,
    pub quantity: Decimal,
    pub price: Option<Decimal>,
}

/// The venue's answer to a live order, normalized.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VenueOrderAck {
    pub venue_order_id: String,
    pub client_order_id: String,
    /// The venue's status word, e.g. "NEW", "live", "open".
    pub status: String,
}

/// Everything venue-specific. Implemented by [`crate::binance::Binance`],
/// [`crate::okx::Okx`], [`crate::coinbase::Coinbase`] and [`crate::gateio::Gateio`].
pub trait VenueProtocol: Send + Sync + 'static {
    fn venue(&self) -> Venue;
    fn default_rest_url(&self) -> &'static str;
    fn default_ws_url(&self) -> &'static str;
    fn sync_rule(&self) -> SyncRule;
    /// Taker and maker fee rates of the venue's base tier, as fractions.
    fn base_fees(&self) -> (Decimal, Decimal);

    /// The public request listing spot instruments.
    fn instruments_request(&self) -> RestRequest;
    /// Reads the instrument list; symbols Quorum cannot map are skipped.
    fn parse_instruments(&self, body: &str) -> Result<Vec<Instrument>, ParseError>;

    /// The REST book snapshot request, or `None` when the snapshot comes on the stream.
    fn snapshot_request(&self, instrument: &Instrument, depth: u32) -> Option<RestRequest>;
    fn parse_snapshot(
        &self,
        instrument: &Instrument,
        body: &str,
    ) -> Result<BookMessage, ParseError>;

    /// WebSocket messages that subscribe to book, trades and ticker of `instruments`.
    /// `now_ms` is for venues that sign subscriptions.
    fn subscribe_messages(
        &self,
        instruments: &[Instrument],
        credentials: Option<&Credentials>,
        now_ms: i64,
    ) -> Result<Vec<String>, SignError>;
    /// Reads one WebSocket text message.
    fn parse_message(&self, text: &str, index: &InstrumentIndex) -> Result<Parsed, ParseError>;

    /// Signs a private request in place (headers, query or body), as the venue documents.
    fn sign(
        &self,
        request: &mut RestRequest,
        credentials: &Credentials,
        now_ms: i64,
    ) -> Result<(), SignError>;
    /// The unsigned place-order request.
    fn place_order_request(
        &self,
        instrument: &Instrument,
        order: &OrderRequest,
        now_ms: i64,
    ) -> RestRequest;
    /// The unsigned cancel request.
    fn cancel_order_request(
        &self,
        instrument: &Instrument,
        venue_order_id: &str,
        now_ms: i64,
    ) -> RestRequest;
    /// Reads the venue's answer to a place or cancel request (errors carry its code).
    fn parse_order_response(&self, status: u16, body: &str) -> Result<VenueOrderAck, ParseError>;
}
