//! Real servers for tests: a fresh Postgres database, a private Redis, and a service
//! served by the kit on a loopback port, with tokens to call it.
mod database;
pub mod fakes;
mod http;
mod redis_server;
mod server;
pub mod strategy;
mod wait;

pub use database::TestDatabase;
pub use http::http_get;
pub use redis_server::TestRedis;
pub use server::{TestServer, with_token};
pub use wait::eventually;
