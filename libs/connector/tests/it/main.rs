//! The connector over real gRPC, with a real Postgres and Redis, on the simulated market
//! and against local fake venues over real HTTP and WebSocket.
// Helpers shared by tests panic on failure just as the tests themselves do.
#![allow(clippy::unwrap_used, clippy::expect_used)]
mod fake_venue;
mod harness;
mod input;
mod market;
mod orders;
mod replay;
mod restart;
mod sessions;
mod startup;
