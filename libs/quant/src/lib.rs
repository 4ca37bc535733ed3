//! Pure numeric code, no I/O: the L2 order book (more analytics join as services need them).
pub mod book;

pub use book::OrderBook;
