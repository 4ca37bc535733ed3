//! auth-manager over real gRPC, with a real Postgres and Redis.
mod admin;
mod bootstrap;
mod harness;
mod sessions;
