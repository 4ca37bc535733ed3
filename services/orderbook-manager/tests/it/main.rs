//! orderbook-manager over real gRPC, fed through a real Redis, resyncing through fake
//! venue connectors (quorum_testkit::fakes) on loopback ports.
// Helpers shared by tests panic on failure just as the tests themselves do.
#![allow(clippy::unwrap_used, clippy::expect_used)]
mod access;
mod books;
mod depth;
mod harness;
mod resync;
mod stream;
