//! quorum-strategies through its public API: the runner and `evaluate` agree, and no
//! candle series drives a signal out of its bounds.
// Helpers shared by tests panic on failure just as the tests themselves do.
#![allow(clippy::unwrap_used, clippy::expect_used)]
mod agreement;
mod properties;
mod support;
