//! Getting market data onto the bus without ever stalling the market loop: a bounded
//! queue that drops (and counts) what overflows. Fills and order events are not market
//! data: they are stored with the paper state and relayed from the outbox (`store`).
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use prometheus_client::metrics::counter::Counter;
use quorum_bus::{Bus, BusArgs};
use quorum_domain::topics::{MARKET_BOOK, MARKET_TICKER, MARKET_TRADES};
use quorum_kit::{CancellationToken, Kit};
use quorum_venues::backoff::Backoff;
use tokio::sync::mpsc;

use crate::state::{MarketEvent, now_ms};

/// Market events waiting for the bus; beyond this they are dropped and counted.
pub const MARKET_QUEUE: usize = 10_000;
/// Entries kept per market data stream on the bus.
pub const MARKET_STREAM_MAX_LEN: usize = 100_000;

const DROP_LOG_INTERVAL_MS: i64 = 10_000;

/// The connector's own metrics, registered with the kit's.
#[derive(Clone, Default)]
pub struct ConnectorMetrics {
    pub market_dropped: Counter,
    pub market_published: Counter,
    pub fills_published: Counter,
    pub order_events: Counter,
    pub store_failures: Counter,
    pub stream_messages: Counter,
    pub ignored_book_messages: Counter,
    pub reconnects: Counter,
    pub snapshot_requests: Counter,
}

impl ConnectorMetrics {
    pub fn register(kit: &Kit) -> Self {
        let metrics = Self::default();
        let registry = kit.metrics();
        registry.register(
            "connector_market_events_dropped",
            "Market events dropped because the bus queue was full",
            metrics.market_dropped.clone(),
        );
        registry.register(
            "connector_market_events_published",
            "Trades, book updates and tickers published to the bus",
            metrics.market_published.clone(),
        );
        registry.register(
            "connector_fills_published",
            "Fills stored with the paper state and queued in the outbox for exec.fills",
            metrics.fills_published.clone(),
        );
        registry.register(
            "connector_order_events",
            "Order events stored and queued in the outbox for exec.orders",
            metrics.order_events.clone(),
        );
        registry.register(
            "connector_paper_store_failures",
            "Failed attempts to store paper state (each is retried)",
            metrics.store_failures.clone(),
        );
        registry.register(
            "connector_stream_messages",
            "WebSocket messages read from the venue",
            metrics.stream_messages.clone(),
        );
        registry.register(
            "connector_book_messages_ignored",
            "Stale or duplicate book messages dropped by the book sync",
            metrics.ignored_book_messages.clone(),
        );
        registry.register(
            "connector_reconnects",
            "Connections to the venue's stream lost and opened again",
            metrics.reconnects.clone(),
        );
        registry.register(
            "connector_snapshot_requests",
            "REST book snapshots requested from the venue",
            metrics.snapshot_requests.clone(),
        );
        metrics
    }
}

/// The market loop's side of the market data queue.
pub struct MarketPublisher {
    queue: mpsc::Sender<Arc<MarketEvent>>,
    metrics: ConnectorMetrics,
    last_drop_log_ms: AtomicI64,
}

impl MarketPublisher {
    pub fn new(metrics: ConnectorMetrics) -> (Self, mpsc::Receiver<Arc<MarketEvent>>) {
        let (queue, receiver) = mpsc::channel(MARKET_QUEUE);
        let publisher = Self {
            queue,
            metrics,
            last_drop_log_ms: AtomicI64::new(0),
        };
        (publisher, receiver)
    }

    /// Queues an event for the bus, or drops and counts it when the queue is full.
    pub fn offer(&self, event: Arc<MarketEvent>) {
        if let Err(mpsc::error::TrySendError::Full(_)) = self.queue.try_send(event) {
            self.metrics.market_dropped.inc();
            let now = now_ms();
            let last = self.last_drop_log_ms.load(Ordering::Relaxed);
            if now - last >= DROP_LOG_INTERVAL_MS
                && self
                    .last_drop_log_ms
                    .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                    .is_ok()
            {
                tracing::warn!(
                    dropped_total = self.metrics.market_dropped.get(),
                    "bus queue full: market data events are being dropped (is Redis slow or down?)"
                );
            }
        }
    }
}

/// Connects to the bus and publishes market data until shutdown.
pub async fn run(
    bus: BusArgs,
    market: mpsc::Receiver<Arc<MarketEvent>>,
    metrics: ConnectorMetrics,
    shutdown: CancellationToken,
) {
    let Some(connected) = bus.connect_patiently(&shutdown).await else {
        return;
    };
    let market_bus = connected.with_max_len(MARKET_STREAM_MAX_LEN);
    publish_market(market_bus, market, metrics, shutdown).await;
}

async fn publish_market(
    bus: Bus,
    mut queue: mpsc::Receiver<Arc<MarketEvent>>,
    metrics: ConnectorMetrics,
    shutdown: CancellationToken,
) {
    loop {
        let event = tokio::select! {
            () = shutdown.cancelled() => return,
            event = queue.recv() => match event {
                Some(event) => event,
                None => return,
            },
        };
        let (topic, data) = match encode(&event) {
            Ok(encoded) => encoded,
            Err(error) => {
                tracing::error!(%error, "market event does not encode; skipped");
                continue;
            }
        };
        if publish_with_retry(&bus, topic, &data, &shutdown).await {
            metrics.market_published.inc();
        }
    }
}

/// Publishes, retrying with backoff until it works; false only when `give_up` fires.
async fn publish_with_retry(
    bus: &Bus,
    topic: &str,
    data: &str,
    give_up: &CancellationToken,
) -> bool {
    let mut backoff = Backoff::new(Duration::from_millis(50), Duration::from_secs(5));
    loop {
        match bus.publish_raw(topic, data).await {
            Ok(_) => return true,
            Err(error) => {
                tracing::warn!(%error, topic, attempt = backoff.attempt(), "bus publish failed; retrying");
            }
        }
        tokio::select! {
            () = give_up.cancelled() => return false,
            () = tokio::time::sleep(backoff.next_delay()) => {}
        }
    }
}

fn encode(event: &MarketEvent) -> Result<(&'static str, String), serde_json::Error> {
    Ok(match event {
        MarketEvent::Trade(trade) => (MARKET_TRADES, serde_json::to_string(trade)?),
        MarketEvent::Book(update) => (MARKET_BOOK, serde_json::to_string(update)?),
        MarketEvent::Ticker(ticker) => (MARKET_TICKER, serde_json::to_string(ticker)?),
    })
}
