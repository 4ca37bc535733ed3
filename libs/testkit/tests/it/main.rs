//! The kit, tested through real servers on loopback: layers, auth, metrics, shutdown;
//! the contract every service meets is checked on the `quorum` binary.
#![allow(clippy::unwrap_used, clippy::expect_used)]
mod fixture;
mod layers;
mod lifecycle;
