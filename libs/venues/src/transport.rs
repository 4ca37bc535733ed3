//! How a connector reaches a venue: REST requests and WebSocket connections. The live
//! venue, the simulated market and a recorded session all implement [`Transport`], so
//! the same parser and book sync run on every source.
use futures::future::BoxFuture;

use crate::RestRequest;

/// A venue's answer to a REST request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestResponse {
    pub status: u16,
    pub body: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    /// The venue (or the network to it) cannot be reached now; worth retrying.
    #[error("venue unreachable: {0}")]
    Unreachable(String),
    /// The connection was closed by the venue or dropped.
    #[error("connection closed: {0}")]
    Closed(String),
    /// A recorded session has nothing more to play.
    #[error("end of recording")]
    EndOfRecording,
}

/// One WebSocket connection to a venue.
pub trait Connection: Send {
    /// Sends a text frame (a subscribe message, a pong).
    fn send(&mut self, text: String) -> BoxFuture<'_, Result<(), TransportError>>;
    /// The next text message; `Err(Closed)` when the connection ends.
    fn next(&mut self) -> BoxFuture<'_, Result<String, TransportError>>;
}

/// A way to reach one venue.
pub trait Transport: Send + Sync {
    fn request(&self, request: RestRequest) -> BoxFuture<'_, Result<RestResponse, TransportError>>;
    /// Opens a WebSocket connection to the venue's market stream.
    fn connect(&self) -> BoxFuture<'_, Result<Box<dyn Connection>, TransportError>>;
}
