//! risk-manager over real gRPC, with a real Postgres and Redis and in-test peers.
// Helpers shared by tests panic on failure just as the tests themselves do.
#![allow(clippy::unwrap_used, clippy::expect_used)]
mod access;
mod fakes;
mod harness;
mod metrics;
mod monitor;
mod rules;
mod state;
