//! The candle closer: wakes when the next interval closes, closes every market's due
//! intervals through a [`CandleSink`], and remembers how far it got.
//!
//! A single active closer is assumed: one trade-history process publishes candles.
//! (The sink locks each market's progress row, so a second closer would wait rather
//! than publish twice, but replicas splitting the work are not designed yet.)
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use quorum_kit::CancellationToken;

use crate::closing::{Clock, ClosingState, Due};
use crate::query::ReadError;

/// Where closed intervals go: publishes the candles of `due` and records it closed,
/// both at once or not at all. Returns how many candles were published.
pub trait CandleSink: Send + Sync {
    fn close(&self, due: &Due) -> impl Future<Output = Result<u64, ReadError>> + Send;
}

/// Closes intervals as the clock passes their close.
pub struct Closer<C, S> {
    state: Arc<ClosingState>,
    clock: C,
    sink: S,
    failures: u32,
}

impl<C: Clock, S: CandleSink> Closer<C, S> {
    pub fn new(state: Arc<ClosingState>, clock: C, sink: S) -> Self {
        Self {
            state,
            clock,
            sink,
            failures: 0,
        }
    }

    /// Closes everything due now, oldest first per market and length; returns when to
    /// run next (Unix ms). On a failure the rest waits for the next pass, which then
    /// comes after a backoff rather than at the next close.
    pub async fn pass(&mut self) -> i64 {
        let now_ms = self.clock.now_ms();
        for due in self.state.due(now_ms) {
            match self.sink.close(&due).await {
                Ok(published) => {
                    self.state
                        .set_closed(&due.market, due.interval, due.last_open_ms);
                    self.state.metrics().published(due.interval, published);
                }
                Err(error) => {
                    self.failures = self.failures.saturating_add(1);
                    tracing::warn!(%error, venue = due.market.venue.as_str(), symbol = %due.market.symbol,
                        interval = due.interval.name(), attempt = self.failures,
                        "closing candles failed; will retry");
                    let retry_ms = retry_delay(self.failures);
                    return (now_ms + retry_ms).min(self.state.policy().next_close_ms(now_ms));
                }
            }
        }
        self.failures = 0;
        self.state.policy().next_close_ms(now_ms)
    }

    /// Runs passes until `shutdown`. The first waits one grace, so that trades the
    /// consumers take back after a restart are stored before anything closes.
    pub async fn run(mut self, shutdown: CancellationToken) {
        let grace = Duration::from_millis(self.state.policy().grace_ms.unsigned_abs());
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(grace) => {}
        }
        loop {
            let wake_ms = self.pass().await;
            let wait_ms = (wake_ms - self.clock.now_ms()).max(1);
            tokio::select! {
                () = shutdown.cancelled() => return,
                () = tokio::time::sleep(Duration::from_millis(wait_ms.unsigned_abs())) => {}
            }
        }
    }
}

fn retry_delay(failures: u32) -> i64 {
    i64::try_from(quorum_kit::client::backoff(failures).as_millis()).unwrap_or(10_000)
}

#[cfg(test)]
#[path = "closer_tests.rs"]
mod tests;
