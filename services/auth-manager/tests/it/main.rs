//! auth-manager over real gRPC, with a real Postgres and Redis.
#![allow(clippy::unwrap_used, clippy::expect_used)]
mod admin;
mod bootstrap;
mod harness;
mod sessions;
