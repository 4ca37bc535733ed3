//! One StreamBook subscription: a snapshot, then deltas, each one sequence number above
//! the previous message.
//!
//! The stream conflates. It remembers the levels it last sent and, whenever the book
//! changes and the client is ready for more, sends the delta from those levels to the
//! book as it is now. A slow client therefore gets fewer, larger deltas and never a
//! growing queue, and no delta is ever skipped: applying every message in order always
//! gives the current top of the book. While the book is not synced nothing is sent; once
//! it is synced again, a subscription that saw it unsynced starts over with a fresh
//! snapshot (one that did not notice simply gets the delta, which is just as correct).
use std::sync::Arc;

use futures::Stream;
use quorum_domain::convert;
use quorum_kit::CancellationToken;
use quorum_proto::marketdata::v1::StreamBookResponse;
use tokio::sync::watch;
use tonic::Status;

use crate::aggregate::Sides;
use crate::books::{BookView, Books, ReadError};
use crate::delta;
use crate::request::{BookRequest, read_status};

pub struct Subscription {
    books: Arc<Books>,
    book: BookRequest,
    depth: usize,
    changes: watch::Receiver<u64>,
    shutdown: CancellationToken,
    /// The levels the client holds; `None` until a snapshot was sent, and again after
    /// the book lost sync.
    sent: Option<Sides>,
    sequence: u64,
}

impl Subscription {
    /// Subscribes to a book that exists (it may not be synced yet).
    pub fn open(
        books: Arc<Books>,
        book: BookRequest,
        depth: usize,
        shutdown: CancellationToken,
    ) -> Result<Self, Status> {
        let changes = books
            .subscribe(&book.symbol, book.target)
            .map_err(|error| read_status(&book, &error))?;
        Ok(Self {
            books,
            book,
            depth,
            changes,
            shutdown,
            sent: None,
            sequence: 0,
        })
    }

    /// The messages of the subscription; it ends when the service shuts down.
    pub fn into_stream(self) -> impl Stream<Item = Result<StreamBookResponse, Status>> + Send {
        futures::stream::unfold(Some(self), |state| async move {
            let mut subscription = state?;
            match subscription.next_message().await {
                Some(Ok(message)) => Some((Ok(message), Some(subscription))),
                // Send the error, then end.
                Some(Err(status)) => Some((Err(status), None)),
                None => None,
            }
        })
    }

    async fn next_message(&mut self) -> Option<Result<StreamBookResponse, Status>> {
        loop {
            // Marked seen before reading, so a change made while reading wakes us again.
            self.changes.borrow_and_update();
            match self.message_now() {
                Ok(Some(message)) => return Some(Ok(message)),
                Ok(None) => {}
                Err(status) => return Some(Err(status)),
            }
            tokio::select! {
                () = self.shutdown.cancelled() => return None,
                changed = self.changes.changed() => changed.ok()?,
            }
        }
    }

    /// The message that brings the client up to date, if it is behind.
    fn message_now(&mut self) -> Result<Option<StreamBookResponse>, Status> {
        let view = match self
            .books
            .view(&self.book.symbol, self.book.target, self.depth)
        {
            Ok(view) => view,
            Err(ReadError::Overflow) => {
                return Err(read_status(&self.book, &ReadError::Overflow));
            }
            Err(_) => {
                self.sent = None;
                return Ok(None);
            }
        };
        let (snapshot, levels) = match &self.sent {
            None => (true, view.sides.clone()),
            Some(held) => {
                let change = delta::delta(held, &view.sides);
                if delta::is_empty(&change) {
                    return Ok(None);
                }
                (false, change)
            }
        };
        self.sequence += 1;
        let message = response(self.sequence, snapshot, &levels, &view);
        self.sent = Some(view.sides);
        Ok(Some(message))
    }
}

fn response(sequence: u64, snapshot: bool, levels: &Sides, view: &BookView) -> StreamBookResponse {
    StreamBookResponse {
        sequence,
        snapshot,
        bids: convert::levels(&levels.bids),
        asks: convert::levels(&levels.asks),
        event_unix_ms: view.event_ms,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::books::Target;
    use futures::{FutureExt, StreamExt};
    use quorum_domain::{BookUpdate, Level, Venue};
    use rust_decimal::dec;
    use std::time::Instant;

    fn update(sequence: u64, snapshot: bool, bids: Vec<Level>) -> BookUpdate {
        BookUpdate {
            venue: Venue::Binance,
            symbol: "BTC-USDT".parse().unwrap(),
            sequence,
            snapshot,
            bids,
            asks: vec![Level::new(dec!(101), dec!(1))],
            event_ms: 5,
        }
    }

    fn subscribe(books: &Arc<Books>) -> Subscription {
        let request = BookRequest {
            symbol: "BTC-USDT".parse().unwrap(),
            target: Target::Venue(Venue::Binance),
        };
        Subscription::open(books.clone(), request, 20, CancellationToken::new()).unwrap()
    }

    #[tokio::test]
    async fn a_snapshot_then_conflated_deltas_with_consecutive_sequences() {
        let books = Arc::new(Books::new());
        let now = Instant::now();
        books.apply(&update(0, true, vec![Level::new(dec!(100), dec!(1))]), now);
        let mut stream = Box::pin(subscribe(&books).into_stream());

        let first = stream.next().await.unwrap().unwrap();
        assert!(first.snapshot);
        assert_eq!(
            (first.sequence, first.bids.len(), first.asks.len()),
            (1, 1, 1)
        );

        // Two changes before the client reads: one delta carries both.
        books.apply(&update(1, false, vec![Level::new(dec!(100), dec!(0))]), now);
        books.apply(&update(2, false, vec![Level::new(dec!(99), dec!(3))]), now);
        let second = stream.next().await.unwrap().unwrap();
        assert!(!second.snapshot);
        assert_eq!(second.sequence, 2);
        let bids: Vec<(String, String)> = second
            .bids
            .iter()
            .map(|l| {
                (
                    l.price.clone().unwrap().value,
                    l.quantity.clone().unwrap().value,
                )
            })
            .collect();
        assert_eq!(
            bids,
            [("100".into(), "0".into()), ("99".into(), "3".into())]
        );
        assert!(second.asks.is_empty());
    }

    #[tokio::test]
    async fn after_a_gap_the_next_message_is_a_fresh_snapshot() {
        let books = Arc::new(Books::new());
        let now = Instant::now();
        books.apply(&update(0, true, vec![Level::new(dec!(100), dec!(1))]), now);
        let mut stream = Box::pin(subscribe(&books).into_stream());
        assert!(stream.next().await.unwrap().unwrap().snapshot);

        books.apply(&update(5, false, vec![Level::new(dec!(98), dec!(1))]), now);
        // The subscription looks, finds the book unsynced, and waits.
        assert!(stream.next().now_or_never().is_none());
        books.apply(&update(0, true, vec![Level::new(dec!(97), dec!(2))]), now);
        let next = stream.next().await.unwrap().unwrap();
        assert!(next.snapshot);
        assert_eq!(next.sequence, 2);
        assert_eq!(next.bids[0].price.clone().unwrap().value, "97");
    }

    #[tokio::test]
    async fn the_stream_ends_on_shutdown() {
        let books = Arc::new(Books::new());
        books.apply(
            &update(0, true, vec![Level::new(dec!(100), dec!(1))]),
            Instant::now(),
        );
        let shutdown = CancellationToken::new();
        let request = BookRequest {
            symbol: "BTC-USDT".parse().unwrap(),
            target: Target::Aggregate,
        };
        let subscription = Subscription::open(books, request, 5, shutdown.clone()).unwrap();
        let mut stream = Box::pin(subscription.into_stream());
        assert!(stream.next().await.unwrap().unwrap().snapshot);
        shutdown.cancel();
        assert!(stream.next().await.is_none());
    }
}
