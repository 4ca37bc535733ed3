//! Integration tests: real health-checkers probing real kit-built services over loopback.
mod grading;
mod rpc;
mod states;
mod support;
mod watch;
