//! Asking a venue's connector to resync a book (Exchange.ResyncBook), at most once per
//! interval per book, with the interval doubling for a book that keeps breaking.
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use quorum_domain::Venue;
use quorum_kit::CancellationToken;
use quorum_kit::client::ServiceChannel;
use quorum_proto::exchange::v1::ResyncBookRequest;
use quorum_proto::exchange::v1::exchange_client::ExchangeClient;
use tokio::sync::mpsc;

use crate::books::BookKey;
use crate::metrics::BookMetrics;
use crate::sequencing::Unsynced;

/// Resync requests waiting for the worker; more are dropped (the limiter lets the book
/// ask again later).
const QUEUE_CAPACITY: usize = 256;

/// The per-book rate limit: a first resync at once, then at least `base` between
/// requests, doubling (up to `max`) while the book breaks again within `max` of the end
/// of its previous wait.
#[derive(Debug)]
pub struct ResyncLimiter {
    base: Duration,
    max: Duration,
    books: HashMap<BookKey, Attempts>,
}

#[derive(Debug, Clone, Copy)]
struct Attempts {
    last: Instant,
    strikes: u32,
}

impl ResyncLimiter {
    pub fn new(base: Duration, max: Duration) -> Self {
        Self {
            base,
            max: max.max(base),
            books: HashMap::new(),
        }
    }

    /// Whether `key` may be resynced at `now`; when it may, the request is recorded.
    pub fn allow(&mut self, key: &BookKey, now: Instant) -> bool {
        let Some(attempts) = self.books.get_mut(key) else {
            self.books.insert(
                key.clone(),
                Attempts {
                    last: now,
                    strikes: 0,
                },
            );
            return true;
        };
        let since = now.saturating_duration_since(attempts.last);
        let wait = interval(self.base, self.max, attempts.strikes);
        if since < wait {
            return false;
        }
        // Healthy for `max` after the wait ended: the book is not flapping any more.
        attempts.strikes = if since - wait < self.max {
            attempts.strikes.saturating_add(1)
        } else {
            0
        };
        attempts.last = now;
        true
    }

    /// The wait before `key` may be resynced again after its last request.
    pub fn wait_after(&self, key: &BookKey) -> Duration {
        self.books.get(key).map_or(Duration::ZERO, |attempts| {
            interval(self.base, self.max, attempts.strikes)
        })
    }
}

fn interval(base: Duration, max: Duration, strikes: u32) -> Duration {
    base.saturating_mul(1u32 << strikes.min(16)).min(max)
}

/// One resync to ask for.
#[derive(Debug, Clone)]
pub struct ResyncRequest {
    pub key: BookKey,
    pub reason: Unsynced,
}

/// The front of the resync path: rate-limits requests and queues them for the worker.
pub struct Resyncer {
    limiter: Mutex<ResyncLimiter>,
    queue: mpsc::Sender<ResyncRequest>,
    metrics: BookMetrics,
}

impl Resyncer {
    /// The resyncer and the receiving end its worker reads.
    pub fn new(
        limiter: ResyncLimiter,
        metrics: BookMetrics,
    ) -> (Self, mpsc::Receiver<ResyncRequest>) {
        let (queue, receiver) = mpsc::channel(QUEUE_CAPACITY);
        let resyncer = Self {
            limiter: Mutex::new(limiter),
            queue,
            metrics,
        };
        (resyncer, receiver)
    }

    /// Asks for a resync of `key` unless one was asked for too recently.
    pub fn request(&self, key: BookKey, reason: Unsynced, now: Instant) {
        let allowed = {
            let mut limiter = self
                .limiter
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            limiter.allow(&key, now)
        };
        if !allowed {
            tracing::debug!(book = %key, %reason, "resync rate-limited");
            self.metrics.resync(key.venue, "rate_limited");
            return;
        }
        let venue = key.venue;
        match self.queue.try_send(ResyncRequest { key, reason }) {
            Ok(()) => self.metrics.resync(venue, "requested"),
            Err(error) => {
                tracing::warn!(%error, "resync queue full; the book will ask again later");
                self.metrics.resync(venue, "dropped");
            }
        }
    }
}

/// The connector client of each venue.
pub type Connectors = HashMap<Venue, ExchangeClient<ServiceChannel>>;

/// Sends queued resyncs to the connectors until `shutdown`; each call runs on its own so
/// one slow connector does not hold up the others.
pub async fn work(
    mut queue: mpsc::Receiver<ResyncRequest>,
    connectors: Connectors,
    timeout: Duration,
    metrics: BookMetrics,
    shutdown: CancellationToken,
) {
    loop {
        let request = tokio::select! {
            () = shutdown.cancelled() => return,
            request = queue.recv() => match request {
                Some(request) => request,
                None => return,
            },
        };
        let Some(client) = connectors.get(&request.key.venue).cloned() else {
            tracing::warn!(book = %request.key, "no connector client for this venue");
            continue;
        };
        tokio::spawn(call(client, request, timeout, metrics.clone()));
    }
}

async fn call(
    mut client: ExchangeClient<ServiceChannel>,
    request: ResyncRequest,
    timeout: Duration,
    metrics: BookMetrics,
) {
    let venue = request.key.venue;
    let message = ResyncBookRequest {
        symbol: request.key.symbol.to_string(),
    };
    let answer = tokio::time::timeout(timeout, client.resync_book(message)).await;
    match answer {
        Ok(Ok(response)) => {
            let resyncs = response.into_inner().resyncs;
            tracing::info!(book = %request.key, reason = %request.reason, resyncs, "connector resyncing the book");
            metrics.resync(venue, "ok");
        }
        Ok(Err(status)) => {
            tracing::warn!(book = %request.key, reason = %request.reason, code = ?status.code(), message = status.message(), "resync refused or failed");
            metrics.resync(venue, "failed");
        }
        Err(_) => {
            tracing::warn!(book = %request.key, reason = %request.reason, ?timeout, "resync timed out");
            metrics.resync(venue, "failed");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(venue: Venue) -> BookKey {
        BookKey {
            venue,
            symbol: "BTC-USDT".parse().unwrap(),
        }
    }

    #[test]
    fn a_book_resyncs_at_once_then_waits_longer_each_time_it_breaks() {
        let mut limiter = ResyncLimiter::new(Duration::from_secs(5), Duration::from_secs(60));
        let start = Instant::now();
        let at = |seconds: u64| start + Duration::from_secs(seconds);
        let book = key(Venue::Binance);
        assert!(limiter.allow(&book, at(0)));
        assert!(!limiter.allow(&book, at(4)));
        assert!(limiter.allow(&book, at(5)));
        assert_eq!(limiter.wait_after(&book), Duration::from_secs(10));
        assert!(!limiter.allow(&book, at(14)));
        assert!(limiter.allow(&book, at(15)));
        assert_eq!(limiter.wait_after(&book), Duration::from_secs(20));
        // Other books have limits of their own.
        assert!(limiter.allow(&key(Venue::Okx), at(15)));
    }

    #[test]
    fn the_interval_is_capped_and_a_healthy_spell_resets_it() {
        let mut limiter = ResyncLimiter::new(Duration::from_secs(5), Duration::from_secs(60));
        let start = Instant::now();
        let book = key(Venue::Coinbase);
        let mut now = start;
        assert!(limiter.allow(&book, now));
        for _ in 0..10 {
            now += limiter.wait_after(&book);
            assert!(limiter.allow(&book, now));
        }
        assert_eq!(limiter.wait_after(&book), Duration::from_secs(60));
        now += Duration::from_secs(120);
        assert!(limiter.allow(&book, now));
        assert_eq!(limiter.wait_after(&book), Duration::from_secs(5));
    }
}
