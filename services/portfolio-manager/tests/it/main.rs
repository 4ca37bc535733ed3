//! portfolio-manager over real gRPC with a real Postgres and Redis, fills published on
//! the bus, and in-test price-feed and venue connector servers.
// Helpers shared by tests panic on failure just as the tests themselves do.
#![allow(clippy::unwrap_used, clippy::expect_used)]
mod access;
mod equity;
mod fills;
mod harness;
mod marks;
mod peers;
mod reconcile;
mod restart;
mod stream;
