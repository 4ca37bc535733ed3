//! Every venue book by symbol, written by the bus feed and read by the RPCs, with a
//! change signal per symbol that wakes the streams.
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{Duration, Instant};

use quorum_domain::{BookUpdate, Symbol, Venue};
use tokio::sync::watch;

use crate::aggregate::{self, Overflow, Sides};
use crate::sequencing::{Outcome, Unsynced, VenueBook};

/// One venue's book of one symbol.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BookKey {
    pub venue: Venue,
    pub symbol: Symbol,
}

impl fmt::Display for BookKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.venue, self.symbol)
    }
}

/// The book a reader asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Venue(Venue),
    /// Every synced venue book of the symbol, summed.
    Aggregate,
}

/// What a reader gets: the levels and where they come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookView {
    pub sides: Sides,
    /// The connector's sequence for a venue book; for the aggregate, a count of changes
    /// to any of the symbol's books.
    pub sequence: u64,
    /// Venue time of the newest update in the view, Unix milliseconds.
    pub event_ms: i64,
    /// Venues whose books are in the view.
    pub venues: Vec<Venue>,
}

/// Why a view cannot be served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    /// No venue has published a book of the symbol.
    UnknownSymbol,
    /// This venue has not published a book of the symbol.
    UnknownBook,
    /// The venue's book is known but not synced.
    NotSynced(Unsynced),
    /// The symbol has books, none of them synced.
    NoneSynced,
    Overflow,
}

impl From<Overflow> for ReadError {
    fn from(_: Overflow) -> Self {
        ReadError::Overflow
    }
}

#[derive(Debug, Default)]
pub struct Books {
    symbols: RwLock<HashMap<Symbol, SymbolBooks>>,
}

#[derive(Debug)]
struct SymbolBooks {
    venues: BTreeMap<Venue, VenueBook>,
    changes: watch::Sender<u64>,
}

impl SymbolBooks {
    fn new() -> Self {
        Self {
            venues: BTreeMap::new(),
            changes: watch::Sender::new(0),
        }
    }

    fn changed(&self) {
        self.changes
            .send_modify(|version| *version = version.wrapping_add(1));
    }
}

impl Books {
    pub fn new() -> Self {
        Self::default()
    }

    /// Applies an update received at `now` and wakes the symbol's readers when it changed
    /// what they see.
    pub fn apply(&self, update: &BookUpdate, now: Instant) -> Outcome {
        let mut symbols = self.write();
        let entry = symbols
            .entry(update.symbol.clone())
            .or_insert_with(SymbolBooks::new);
        let book = entry
            .venues
            .entry(update.venue)
            .or_insert_with(|| VenueBook::new(now));
        let outcome = book.apply(update, now);
        if outcome.changed() {
            entry.changed();
        }
        outcome
    }

    /// Marks books stale that had no update for `stale_after`; returns them.
    pub fn expire(&self, now: Instant, stale_after: Duration) -> Vec<BookKey> {
        let mut symbols = self.write();
        let mut expired = Vec::new();
        for (symbol, entry) in symbols.iter_mut() {
            let before = expired.len();
            for (venue, book) in entry.venues.iter_mut() {
                if book.expire(now, stale_after) {
                    expired.push(BookKey {
                        venue: *venue,
                        symbol: symbol.clone(),
                    });
                }
            }
            if expired.len() > before {
                entry.changed();
            }
        }
        expired
    }

    /// The best `depth` levels per side (0: all) of the target book of `symbol`.
    pub fn view(
        &self,
        symbol: &Symbol,
        target: Target,
        depth: usize,
    ) -> Result<BookView, ReadError> {
        let symbols = self.read();
        let entry = symbols.get(symbol).ok_or(ReadError::UnknownSymbol)?;
        match target {
            Target::Venue(venue) => {
                let book = entry.venues.get(&venue).ok_or(ReadError::UnknownBook)?;
                if let Some(reason) = book.unsynced() {
                    return Err(ReadError::NotSynced(reason));
                }
                Ok(BookView {
                    sides: aggregate::top(book.book(), depth),
                    sequence: book.sequence(),
                    event_ms: book.event_ms(),
                    venues: vec![venue],
                })
            }
            Target::Aggregate => {
                let synced: Vec<(&Venue, &VenueBook)> = entry
                    .venues
                    .iter()
                    .filter(|(_, book)| book.is_synced())
                    .collect();
                if synced.is_empty() {
                    return Err(ReadError::NoneSynced);
                }
                let sides =
                    aggregate::consolidated(synced.iter().map(|(_, book)| book.book()), depth)?;
                Ok(BookView {
                    sides,
                    sequence: *entry.changes.borrow(),
                    event_ms: synced
                        .iter()
                        .map(|(_, book)| book.event_ms())
                        .max()
                        .unwrap_or(0),
                    venues: synced.iter().map(|(venue, _)| **venue).collect(),
                })
            }
        }
    }

    /// A signal that changes whenever any book of `symbol` changes, for a target that
    /// exists (it may not be synced yet).
    pub fn subscribe(
        &self,
        symbol: &Symbol,
        target: Target,
    ) -> Result<watch::Receiver<u64>, ReadError> {
        let symbols = self.read();
        let entry = symbols.get(symbol).ok_or(ReadError::UnknownSymbol)?;
        if let Target::Venue(venue) = target
            && !entry.venues.contains_key(&venue)
        {
            return Err(ReadError::UnknownBook);
        }
        Ok(entry.changes.subscribe())
    }

    // A panic while holding the lock cannot leave a book half-written in a way readers
    // could not survive (every write is one book update), so a poisoned lock is used as is.
    fn read(&self) -> RwLockReadGuard<'_, HashMap<Symbol, SymbolBooks>> {
        self.symbols
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, HashMap<Symbol, SymbolBooks>> {
        self.symbols
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quorum_domain::{Decimal, Level};
    use rust_decimal::dec;

    fn symbol() -> Symbol {
        "BTC-USDT".parse().unwrap()
    }

    fn snapshot(venue: Venue, bid: Decimal, ask: Decimal) -> BookUpdate {
        BookUpdate {
            venue,
            symbol: symbol(),
            sequence: 0,
            snapshot: true,
            bids: vec![Level::new(bid, dec!(1))],
            asks: vec![Level::new(ask, dec!(2))],
            event_ms: 10,
        }
    }

    #[test]
    fn the_aggregate_holds_only_synced_venues() {
        let books = Books::new();
        let now = Instant::now();
        books.apply(&snapshot(Venue::Binance, dec!(100), dec!(101)), now);
        books.apply(&snapshot(Venue::Okx, dec!(100), dec!(102)), now);
        let view = books.view(&symbol(), Target::Aggregate, 0).unwrap();
        assert_eq!(view.venues, vec![Venue::Binance, Venue::Okx]);
        assert_eq!(view.sides.bids, vec![Level::new(dec!(100), dec!(2))]);

        let mut gap = snapshot(Venue::Okx, dec!(99), dec!(103));
        gap.snapshot = false;
        gap.sequence = 5;
        assert!(matches!(books.apply(&gap, now), Outcome::Broken(_)));
        let view = books.view(&symbol(), Target::Aggregate, 0).unwrap();
        assert_eq!(view.venues, vec![Venue::Binance]);
        assert_eq!(view.sides.bids, vec![Level::new(dec!(100), dec!(1))]);
        assert!(matches!(
            books.view(&symbol(), Target::Venue(Venue::Okx), 0),
            Err(ReadError::NotSynced(Unsynced::Gap {
                expected: 1,
                received: 5
            }))
        ));
    }

    #[test]
    fn unknown_symbols_and_books_are_told_apart() {
        let books = Books::new();
        books.apply(
            &snapshot(Venue::Binance, dec!(100), dec!(101)),
            Instant::now(),
        );
        let other: Symbol = "ETH-USDT".parse().unwrap();
        assert_eq!(
            books.view(&other, Target::Aggregate, 0),
            Err(ReadError::UnknownSymbol)
        );
        assert_eq!(
            books.view(&symbol(), Target::Venue(Venue::Coinbase), 0),
            Err(ReadError::UnknownBook)
        );
        assert_eq!(
            books
                .subscribe(&symbol(), Target::Venue(Venue::Coinbase))
                .err(),
            Some(ReadError::UnknownBook)
        );
    }

    #[test]
    fn changes_wake_subscribers_and_stale_books_leave_the_aggregate() {
        let books = Books::new();
        let start = Instant::now();
        books.apply(&snapshot(Venue::Binance, dec!(100), dec!(101)), start);
        let mut changes = books.subscribe(&symbol(), Target::Aggregate).unwrap();
        changes.borrow_and_update();
        books.apply(&snapshot(Venue::Binance, dec!(100), dec!(101.5)), start);
        assert!(changes.has_changed().unwrap());
        changes.borrow_and_update();

        let expired = books.expire(start + Duration::from_secs(31), Duration::from_secs(30));
        assert_eq!(
            expired,
            vec![BookKey {
                venue: Venue::Binance,
                symbol: symbol()
            }]
        );
        assert!(changes.has_changed().unwrap());
        assert_eq!(
            books.view(&symbol(), Target::Aggregate, 0),
            Err(ReadError::NoneSynced)
        );
    }
}
