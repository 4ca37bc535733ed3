//! consensus-engine over real gRPC, with a real Postgres and Redis, scripted in-test
//! voters and an in-test trade-history.
// Helpers shared by tests panic on failure just as the tests themselves do.
#![allow(clippy::unwrap_used, clippy::expect_used)]
mod access;
mod fakes;
mod harness;
mod outcomes;
mod rounds;
mod stored;
mod voters;
