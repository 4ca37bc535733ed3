//! The bus against a real Redis: delivery, crash recovery, claiming, dead letters,
//! a Redis restart, the outbox, and a property test that nothing is lost.
#![allow(clippy::unwrap_used, clippy::expect_used)]
mod delivery;
mod outbox;
mod property;

use std::time::Duration;

use quorum_bus::ConsumerConfig;

/// Fast settings so tests do not wait on production intervals.
pub fn quick() -> ConsumerConfig {
    ConsumerConfig {
        max_deliveries: 3,
        batch_size: 10,
        block: Duration::from_millis(100),
        retry_interval: Duration::from_millis(50),
        claim_idle: Duration::from_millis(200),
        ..ConsumerConfig::default()
    }
}

/// Polls until `probe` is true, failing after 10 s.
pub async fn eventually<F: FnMut() -> bool>(what: &str, mut probe: F) {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !probe() {
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
