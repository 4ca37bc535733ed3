//! The two writers of the books: the `md.book` consumer, and the sweep that marks books
//! stale when their connector went quiet. Both ask for resyncs of books they break.
use std::sync::Arc;
use std::time::{Duration, Instant};

use quorum_bus::{BusArgs, ConsumerConfig, HandlerError, Message, StartFrom};
use quorum_domain::BookUpdate;
use quorum_domain::topics::MARKET_BOOK;
use quorum_kit::CancellationToken;

use crate::books::{BookKey, Books};
use crate::metrics::BookMetrics;
use crate::resync::Resyncer;
use crate::sequencing::{self, Unsynced};

/// How often the sweep looks for stale books.
const SWEEP_EVERY: Duration = Duration::from_secs(1);

/// What the feed writes to and reports through.
#[derive(Clone)]
pub struct Feed {
    pub books: Arc<Books>,
    pub resyncer: Arc<Resyncer>,
    pub metrics: BookMetrics,
}

/// Where the feed reads from.
#[derive(Debug, Clone)]
pub struct Subscription {
    pub bus: BusArgs,
    pub group: String,
    pub consumer: String,
}

/// Connects (retrying while Redis is down) and consumes `md.book` until `shutdown`.
/// The group starts at the latest message: books live in memory, and old updates would
/// only be replayed into books that the next snapshots replace anyway.
pub async fn run(subscription: Subscription, feed: Feed, shutdown: CancellationToken) {
    let Some(bus) = subscription.bus.connect_patiently(&shutdown).await else {
        return;
    };
    tracing::info!(topic = MARKET_BOOK, group = %subscription.group, consumer = %subscription.consumer, "consuming book updates");
    let config = ConsumerConfig {
        batch_size: 500,
        start: StartFrom::Latest,
        ..ConsumerConfig::default()
    };
    let consumer = bus.consumer(
        MARKET_BOOK,
        &subscription.group,
        &subscription.consumer,
        config,
    );
    consumer
        .run(shutdown, |message| {
            let outcome = handle(&feed, &message, Instant::now());
            async move { outcome }
        })
        .await;
}

/// Applies one bus message. An event that does not decode or holds impossible levels
/// is poison (dead-lettered); everything else is handled in memory and never retried.
pub fn handle(feed: &Feed, message: &Message, now: Instant) -> Result<(), HandlerError> {
    let update: BookUpdate = message.decode()?;
    apply(feed, &update, now)
}

/// Applies one update and asks for a resync when it broke the book.
pub fn apply(feed: &Feed, update: &BookUpdate, now: Instant) -> Result<(), HandlerError> {
    sequencing::check_update(update).map_err(|problem| {
        HandlerError::Poison(format!(
            "book update of {} {}: {problem}",
            update.venue, update.symbol
        ))
    })?;
    let outcome = feed.books.apply(update, now);
    feed.metrics.update(update.venue, outcome.label());
    if let Some(reason) = outcome.resync_reason() {
        let key = BookKey {
            venue: update.venue,
            symbol: update.symbol.clone(),
        };
        tracing::warn!(book = %key, %reason, "book not synced; asking its connector to resync");
        feed.resyncer.request(key, reason, now);
    }
    Ok(())
}

/// Every second, marks books stale that had no update for `stale_after` and asks their
/// connectors to resync them.
pub async fn sweep(feed: Feed, stale_after: Duration, shutdown: CancellationToken) {
    let mut ticks = tokio::time::interval(SWEEP_EVERY);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            _ = ticks.tick() => {}
        }
        let now = Instant::now();
        for key in feed.books.expire(now, stale_after) {
            tracing::warn!(book = %key, ?stale_after, "book went stale; asking its connector to resync");
            feed.metrics.update(key.venue, "stale");
            feed.resyncer.request(key, Unsynced::Stale, now);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::books::Target;
    use crate::resync::ResyncLimiter;
    use quorum_domain::{Level, Venue};
    use rust_decimal::dec;

    fn feed() -> (
        Feed,
        tokio::sync::mpsc::Receiver<crate::resync::ResyncRequest>,
    ) {
        let metrics = BookMetrics::unregistered();
        let limiter = ResyncLimiter::new(Duration::from_secs(5), Duration::from_secs(60));
        let (resyncer, queue) = Resyncer::new(limiter, metrics.clone());
        let feed = Feed {
            books: Arc::new(Books::new()),
            resyncer: Arc::new(resyncer),
            metrics,
        };
        (feed, queue)
    }

    fn update(sequence: u64, snapshot: bool, bid: Level) -> BookUpdate {
        BookUpdate {
            venue: Venue::Gateio,
            symbol: "ETH-USDT".parse().unwrap(),
            sequence,
            snapshot,
            bids: vec![bid],
            asks: vec![Level::new(dec!(2001), dec!(1))],
            event_ms: 1,
        }
    }

    #[test]
    fn gaps_ask_for_one_resync_until_the_limit_allows_another() {
        let (feed, mut queue) = feed();
        let now = Instant::now();
        let bid = Level::new(dec!(2000), dec!(1));
        apply(&feed, &update(0, true, bid), now).unwrap();
        apply(&feed, &update(2, false, bid), now).unwrap();
        let request = queue.try_recv().unwrap();
        assert_eq!(request.key.venue, Venue::Gateio);
        assert_eq!(
            request.reason,
            Unsynced::Gap {
                expected: 1,
                received: 2
            }
        );

        // Recovered, then broken again at once: the limiter holds the second request.
        apply(&feed, &update(0, true, bid), now).unwrap();
        apply(&feed, &update(7, false, bid), now).unwrap();
        assert!(queue.try_recv().is_err());
        assert_eq!(feed.metrics.resyncs(Venue::Gateio, "requested"), 1);
        assert_eq!(feed.metrics.resyncs(Venue::Gateio, "rate_limited"), 1);
        let symbol = "ETH-USDT".parse().unwrap();
        assert!(feed.books.view(&symbol, Target::Aggregate, 0).is_err());
    }

    #[test]
    fn impossible_levels_are_poison_and_leave_the_books_alone() {
        let (feed, _queue) = feed();
        let bad = update(0, true, Level::new(dec!(0), dec!(1)));
        let error = apply(&feed, &bad, Instant::now()).unwrap_err();
        assert!(
            matches!(error, HandlerError::Poison(ref text) if text.contains("bids[0]")),
            "{error}"
        );
        let symbol = "ETH-USDT".parse().unwrap();
        assert!(feed.books.subscribe(&symbol, Target::Aggregate).is_err());
    }
}
