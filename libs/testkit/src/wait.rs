//! Waiting for an effect that shows up later (a consumed event, a restarted peer): poll
//! until it does, and fail naming what was awaited when it does not.
use std::future::Future;
use std::time::{Duration, Instant};

/// Polls `check` every 20 ms until it gives a value; fails naming `what` after `timeout`.
pub async fn eventually<T, F, Fut>(what: &str, timeout: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let started = Instant::now();
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            started.elapsed() < timeout,
            "timed out after {timeout:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
