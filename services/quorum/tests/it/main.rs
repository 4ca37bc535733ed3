//! The `quorum` binary run as an operator runs it: every service by name against the
//! service contract, the commands of the binary itself, and every service in one process.
#![allow(clippy::unwrap_used, clippy::expect_used)]
mod all_in_one;
mod commands;
mod connectors;
mod contract;
mod strategy_crash;

use std::process::Command;

/// The binary under test, built by cargo for this test.
pub fn quorum() -> Command {
    Command::new(env!("CARGO_BIN_EXE_quorum"))
}

/// A loopback port free at the time of asking.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
