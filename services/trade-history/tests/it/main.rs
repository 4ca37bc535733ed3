//! trade-history over real gRPC, with a real Postgres and Redis.
// Helpers shared by tests panic on failure just as the tests themselves do.
#![allow(clippy::unwrap_used, clippy::expect_used)]
mod access;
mod batches;
mod bus;
mod candles;
mod closed_candles;
mod harness;
mod import;
mod query;
