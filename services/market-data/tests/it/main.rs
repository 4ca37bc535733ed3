//! market-data over real gRPC, fed trades through a real Redis bus.
// Helpers shared by tests panic on failure just as the tests themselves do.
#![allow(clippy::unwrap_used, clippy::expect_used)]
mod access;
mod harness;
mod movers;
mod summaries;
