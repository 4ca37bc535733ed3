//! REST book snapshots, fetched beside the stream so the read loop never waits on
//! them: one fetch per symbol at a time, requests paced to the venue's budget, retried
//! with backoff, abandoned when the connection they were for ends.
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use quorum_domain::{Instrument, Symbol};
use quorum_kit::CancellationToken;
use quorum_venues::backoff::Backoff;
use quorum_venues::{BookMessage, RestRequest, TransportError};
use tokio::sync::{Mutex, mpsc};
use tokio::time::Instant;

use super::{excerpt, snapshot_depth};
use crate::publisher::ConnectorMetrics;
use crate::state::Shared;

/// A snapshot that arrived.
#[derive(Debug)]
pub struct Fetched {
    pub symbol: Symbol,
    pub message: BookMessage,
}

/// Spaces REST requests at least `gap` apart.
#[derive(Debug)]
pub struct Pacer {
    gap: Duration,
    next: Mutex<Instant>,
}

impl Pacer {
    pub fn new(gap: Duration) -> Self {
        Self {
            gap,
            next: Mutex::new(Instant::now()),
        }
    }

    /// Waits for this request's turn.
    pub async fn wait(&self) {
        let mut next = self.next.lock().await;
        let now = Instant::now();
        if *next > now {
            tokio::time::sleep_until(*next).await;
        }
        *next = (*next).max(now) + self.gap;
    }
}

/// The snapshot fetches of one connection.
pub struct SnapshotFetcher {
    shared: Arc<Shared>,
    metrics: ConnectorMetrics,
    pacer: Arc<Pacer>,
    results: mpsc::Sender<Fetched>,
    cancel: CancellationToken,
    pending: BTreeSet<Symbol>,
}

impl SnapshotFetcher {
    pub fn new(
        shared: Arc<Shared>,
        metrics: ConnectorMetrics,
        pacer: Arc<Pacer>,
        results: mpsc::Sender<Fetched>,
        cancel: CancellationToken,
    ) -> Self {
        Self {
            shared,
            metrics,
            pacer,
            results,
            cancel,
            pending: BTreeSet::new(),
        }
    }

    /// Starts fetching `instrument`'s snapshot unless a fetch is already out. False
    /// when the venue has no REST snapshot (its snapshot comes on the stream).
    pub fn request(&mut self, instrument: &Instrument) -> bool {
        let depth = snapshot_depth(self.shared.venue);
        let Some(request) = self.shared.protocol.snapshot_request(instrument, depth) else {
            return false;
        };
        if !self.pending.insert(instrument.symbol.clone()) {
            return true;
        }
        tokio::spawn(fetch(
            self.shared.clone(),
            self.metrics.clone(),
            self.pacer.clone(),
            instrument.clone(),
            request,
            self.results.clone(),
            self.cancel.clone(),
        ));
        true
    }

    /// The fetch of `symbol` delivered.
    pub fn done(&mut self, symbol: &Symbol) {
        self.pending.remove(symbol);
    }
}

async fn fetch(
    shared: Arc<Shared>,
    metrics: ConnectorMetrics,
    pacer: Arc<Pacer>,
    instrument: Instrument,
    request: RestRequest,
    results: mpsc::Sender<Fetched>,
    cancel: CancellationToken,
) {
    let mut backoff = Backoff::new(Duration::from_millis(250), Duration::from_secs(30));
    let symbol = instrument.symbol.clone();
    loop {
        let attempt = async {
            pacer.wait().await;
            metrics.snapshot_requests.inc();
            shared.transport.request(request.clone()).await
        };
        let answer = tokio::select! {
            () = cancel.cancelled() => return,
            answer = attempt => answer,
        };
        let problem = match answer {
            Ok(response) if (200..300).contains(&response.status) => {
                match shared.protocol.parse_snapshot(&instrument, &response.body) {
                    Ok(message) => {
                        let _ = results.send(Fetched { symbol, message }).await;
                        return;
                    }
                    Err(error) => error.to_string(),
                }
            }
            Ok(response) => format!("HTTP {}: {}", response.status, excerpt(&response.body)),
            Err(TransportError::EndOfRecording) => {
                tracing::warn!(%symbol, "the recording holds no further snapshot; the book stays unsynced");
                return;
            }
            Err(error) => error.to_string(),
        };
        let delay = backoff.next_delay();
        tracing::warn!(%symbol, %problem, retry_in_ms = delay.as_millis() as u64, "book snapshot failed");
        tokio::select! {
            () = cancel.cancelled() => return,
            () = tokio::time::sleep(delay) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn the_pacer_spaces_requests_by_its_gap() {
        let pacer = Pacer::new(Duration::from_millis(300));
        let started = Instant::now();
        pacer.wait().await;
        pacer.wait().await;
        pacer.wait().await;
        assert_eq!(started.elapsed(), Duration::from_millis(600));
    }
}
