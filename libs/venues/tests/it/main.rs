//! Integration tests of the venue protocols, one module per venue or concern.
// Helpers outside #[test] functions unwrap fixtures the tests own.
#![allow(clippy::unwrap_used, clippy::expect_used)]
mod binance;
mod coinbase;
mod gateio;
mod live;
mod okx;
mod replay;
mod sim;
mod sync;
