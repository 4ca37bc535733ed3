//! price-feed over real gRPC, fed through a real Redis bus.
// Helpers shared by tests panic on failure just as the tests themselves do.
#![allow(clippy::unwrap_used, clippy::expect_used)]
mod access;
mod consolidation;
mod exclusions;
mod harness;
mod stored;
mod stream;
