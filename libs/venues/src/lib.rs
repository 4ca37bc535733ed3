//! Venue protocols: each venue's wire formats read into the normalized market model,
//! its book sequencing rules, its request signing, and the sources that feed a
//! connector (a seeded simulated market, recorded sessions, and the live venue).
pub mod protocol;
pub mod transport;

pub use protocol::{
    BookMessage, BookMessageKind, Credentials, InstrumentIndex, OrderRequest, ParseError, Parsed,
    RestRequest, SignError, StreamEvent, SyncRule, VenueOrderAck, VenueProtocol,
};
pub use transport::{Connection, RestResponse, Transport, TransportError};
