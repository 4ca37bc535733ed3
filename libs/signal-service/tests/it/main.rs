//! quorum-signal-service over real gRPC with a real Redis bus, and in-test peers
//! (trade-history, consensus-engine) with scripted answers.
// Helpers shared by tests panic on failure just as the tests themselves do.
#![allow(clippy::unwrap_used, clippy::expect_used)]
mod evaluate;
mod harness;
mod params;
mod peers;
mod registration;
mod stream;
mod vote;
