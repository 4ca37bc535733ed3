//! Candle intervals: the shared definition in libs/domain.
pub use quorum_domain::Interval;
