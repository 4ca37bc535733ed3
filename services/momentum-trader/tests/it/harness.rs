//! The signal services' shared test harness (`quorum_signal_service::testing`).
pub use quorum_signal_service::testing::*;
