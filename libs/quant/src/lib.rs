//! Pure numeric code, no I/O: the L2 order book, technical indicators and statistics.
pub mod book;
pub mod indicators;
pub mod stats;

pub use book::OrderBook;
