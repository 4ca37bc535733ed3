//! The kit, tested through real servers on loopback: layers, auth, metrics, shutdown;
//! and the contract every catalog service's binary must meet.
#![allow(clippy::unwrap_used, clippy::expect_used)]
mod contract;
mod fixture;
mod layers;
mod lifecycle;
