//! strategy-engine over real gRPC, with a real Postgres and Redis, and scripted peers.
// Helpers shared by tests panic on failure just as the tests themselves do.
#![allow(clippy::unwrap_used, clippy::expect_used)]
mod api;
mod harness;
mod pipeline;
mod waiting;
