//! breakout-trader started through its `start` with the test kit, called over real gRPC.
// Helpers shared by tests panic on failure just as the tests themselves do.
#![allow(clippy::unwrap_used, clippy::expect_used)]
mod evaluate;
mod harness;
