//! Integration tests: real health-checkers probing real kit-built services over loopback.
// Helpers outside #[test] functions fail the test the same way: by panicking.
#![allow(clippy::expect_used)]

mod grading;
mod rpc;
mod states;
mod support;
mod watch;
