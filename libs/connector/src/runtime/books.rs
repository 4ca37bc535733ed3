//! What the runtime does with a book change or a trade: publish it, derive the ticker
//! when the top of the book moved, let resting paper orders fill, and note what the
//! book sync asked for next.
use std::collections::{BTreeSet, HashMap};
use std::sync::Mutex;

use quorum_domain::{BookUpdate, Decimal, Level, Symbol, Ticker, Trade, Venue};
use quorum_quant::OrderBook;
use quorum_venues::{BookSync, SyncStep};

use super::MarketRuntime;
use crate::state::{MarketEvent, Tracked, lock, now_ms};

/// What the book syncs asked for while handling one input.
#[derive(Debug, Default)]
pub struct Follow {
    /// Symbols whose REST snapshot must be fetched.
    pub snapshots: BTreeSet<Symbol>,
    /// Symbols to subscribe to again (for a stream snapshot).
    pub resubscribe: BTreeSet<Symbol>,
    /// Text frames to send back (pongs, pings).
    pub replies: Vec<String>,
}

/// The top of each book and the last trade price, to know when a ticker is due.
#[derive(Debug, Default)]
pub struct Tops {
    by_symbol: HashMap<Symbol, Top>,
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
struct Top {
    bid: Option<Level>,
    ask: Option<Level>,
    last_price: Option<Decimal>,
    /// Whether `bid`/`ask` were published for the current sync.
    known: bool,
}

impl Tops {
    /// A ticker when the best bid or ask (price or quantity) differs from the last one.
    pub fn observe(
        &mut self,
        venue: Venue,
        symbol: &Symbol,
        book: &OrderBook,
        now_ms: i64,
    ) -> Option<Ticker> {
        let top = self.by_symbol.entry(symbol.clone()).or_default();
        let (bid, ask) = (book.best_bid(), book.best_ask());
        if top.known && top.bid == bid && top.ask == ask {
            return None;
        }
        top.bid = bid;
        top.ask = ask;
        top.known = true;
        Some(Ticker {
            venue,
            symbol: symbol.clone(),
            best_bid: bid,
            best_ask: ask,
            last_price: top.last_price,
            event_ms: now_ms,
        })
    }

    /// The book is not synced: the next synced top is news whatever it is.
    pub fn forget(&mut self, symbol: &Symbol) {
        if let Some(top) = self.by_symbol.get_mut(symbol) {
            top.known = false;
        }
    }

    pub fn trade(&mut self, symbol: &Symbol, price: Decimal) {
        self.by_symbol.entry(symbol.clone()).or_default().last_price = Some(price);
    }
}

impl MarketRuntime {
    /// Changes one book with `change` and acts on the result.
    pub(super) fn apply(
        &mut self,
        symbol: &Symbol,
        sync: &Mutex<BookSync>,
        change: impl FnOnce(&mut BookSync) -> SyncStep,
        follow: &mut Follow,
    ) {
        let now = now_ms();
        let venue = self.shared.venue;
        let mut ticker = None;
        let step = {
            let mut guard = lock(sync);
            let step = change(&mut guard);
            match guard.book() {
                Some(book) => {
                    if !step.updates.is_empty() {
                        self.shared.change_paper_detached(|paper| {
                            paper.on_book(symbol, &step.updates, book, now)
                        });
                    }
                    ticker = self.tops.observe(venue, symbol, book, now);
                }
                None => self.tops.forget(symbol),
            }
            step
        };
        if step.ignored > 0 {
            self.metrics
                .ignored_book_messages
                .inc_by(u64::from(step.ignored));
        }
        for update in step.updates {
            self.shared.emit(MarketEvent::Book(update));
        }
        if let Some(ticker) = ticker {
            self.shared.emit(MarketEvent::Ticker(ticker));
        }
        if step.need_snapshot {
            follow.snapshots.insert(symbol.clone());
        }
        if step.resubscribe {
            follow.resubscribe.insert(symbol.clone());
        }
    }

    /// A market trade: published, remembered for the ticker, and offered to resting
    /// paper orders (their fills are stored, then relayed to the bus).
    pub(super) fn on_trade(&mut self, trade: Trade) {
        self.tops.trade(&trade.symbol, trade.price);
        let now = now_ms();
        self.shared
            .change_paper_detached(|paper| paper.on_trade(&trade, now));
        self.shared.emit(MarketEvent::Trade(trade));
    }

    /// Publishes a full snapshot of every synced book for consumers that start late.
    /// It carries the book's current sequence, so the next delta follows it by one.
    pub(super) fn publish_snapshots(&self, tracked: &Tracked) {
        let now = now_ms();
        for (symbol, sync) in &tracked.books {
            let snapshot = {
                let guard = lock(sync);
                guard.book().map(|book| {
                    snapshot_update(self.shared.venue, symbol, guard.sequence(), book, now)
                })
            };
            if let Some(snapshot) = snapshot {
                self.shared.emit(MarketEvent::Book(snapshot));
            }
        }
    }
}

/// A snapshot BookUpdate of `book` at `sequence`.
pub fn snapshot_update(
    venue: Venue,
    symbol: &Symbol,
    sequence: u64,
    book: &OrderBook,
    now_ms: i64,
) -> BookUpdate {
    let (bids, asks) = book.top(0);
    BookUpdate {
        venue,
        symbol: symbol.clone(),
        sequence,
        snapshot: true,
        bids,
        asks,
        event_ms: now_ms,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    #[test]
    fn a_ticker_comes_when_the_top_changes_and_after_a_resync() {
        let symbol: Symbol = "BTC-USDT".parse().unwrap();
        let mut tops = Tops::default();
        let book = OrderBook::from_levels(
            &[Level::new(dec!(99), dec!(1)), Level::new(dec!(98), dec!(1))],
            &[Level::new(dec!(100), dec!(2))],
        );
        let first = tops.observe(Venue::Okx, &symbol, &book, 1).unwrap();
        assert_eq!(first.best_bid, Some(Level::new(dec!(99), dec!(1))));
        assert_eq!(first.last_price, None);
        assert!(
            tops.observe(Venue::Okx, &symbol, &book, 2).is_none(),
            "unchanged top"
        );

        let mut deeper = book.clone();
        deeper.apply(quorum_domain::Side::Buy, dec!(98), dec!(5));
        assert!(
            tops.observe(Venue::Okx, &symbol, &deeper, 3).is_none(),
            "a change below the top"
        );

        tops.trade(&symbol, dec!(99.5));
        let mut moved = book.clone();
        moved.apply(quorum_domain::Side::Sell, dec!(100), dec!(1));
        let ticker = tops.observe(Venue::Okx, &symbol, &moved, 4).unwrap();
        assert_eq!(ticker.best_ask, Some(Level::new(dec!(100), dec!(1))));
        assert_eq!(ticker.last_price, Some(dec!(99.5)));

        tops.forget(&symbol);
        assert!(
            tops.observe(Venue::Okx, &symbol, &moved, 5).is_some(),
            "news after a resync"
        );
    }
}
