//! Recorded venue sessions: a JSON Lines format holding every message verbatim, a
//! transport that records any other transport into it, and one that plays it back.
//! The format and its use are described in `docs/replay.md`.
mod format;
mod player;
mod recorder;

pub use format::{Entry, Record, ReplayError, RestExchange, parse_line, read_records};
pub use player::{ReplayOptions, ReplayTransport};
pub use recorder::RecordingTransport;
