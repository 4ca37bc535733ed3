//! compliance-checker over real gRPC, with a real Postgres and Redis.
// Helpers shared by tests panic on failure just as the tests themselves do.
#![allow(clippy::unwrap_used, clippy::expect_used)]
mod access;
mod harness;
mod pretrade;
mod rules;
mod spoofing;
mod surveillance;
mod wash;
