//! Venue protocols: each venue's wire formats read into the normalized market model,
//! its book sequencing rules, its request signing, and the sources that feed a
//! connector (a seeded simulated market, recorded sessions, and the live venue).
pub mod backoff;
pub mod binance;
pub mod coinbase;
pub mod gateio;
pub mod live;
pub mod okx;
pub mod protocol;
pub mod replay;
pub mod sim;
pub mod sync;
pub mod transport;

pub use protocol::{
    BookMessage, BookMessageKind, Credentials, InstrumentIndex, OrderRequest, ParseError, Parsed,
    RestRequest, SignError, StreamEvent, SyncRule, VenueOrderAck, VenueProtocol,
};
pub use sync::{BookSync, ConnectionSequence, SyncState, SyncStep};
pub use transport::{Connection, RestResponse, Transport, TransportError};
