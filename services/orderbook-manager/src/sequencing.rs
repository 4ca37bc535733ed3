//! One venue's book as the bus delivers it: a snapshot replaces it, a delta applies only
//! when its sequence is the next one, and a gap or a crossed book stops it being served
//! until the next snapshot.
use std::fmt;
use std::time::{Duration, Instant};

use quorum_domain::{BookUpdate, Decimal, Level, Side};
use quorum_quant::OrderBook;

/// Largest price or quantity accepted from the bus: far above any real market, and small
/// enough that sums and mids of a few venues cannot overflow an exact decimal.
pub const MAX_VALUE: Decimal = Decimal::from_parts(0x6310_0000, 0x6BC7_5E2D, 0x5, false, 0);

/// Why a book is not served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unsynced {
    /// Deltas arrived before any snapshot.
    AwaitingSnapshot,
    /// A delta skipped sequence numbers.
    Gap { expected: u64, received: u64 },
    /// The best bid is at or above the best ask.
    Crossed,
    /// No update for longer than the staleness limit.
    Stale,
}

impl fmt::Display for Unsynced {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unsynced::AwaitingSnapshot => f.write_str("waiting for the first snapshot"),
            Unsynced::Gap { expected, received } => {
                write!(f, "sequence gap: expected {expected}, received {received}")
            }
            Unsynced::Crossed => f.write_str("the book crossed (best bid at or above best ask)"),
            Unsynced::Stale => f.write_str("no update within the staleness limit"),
        }
    }
}

/// What one update did to a book.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// A snapshot replaced the book.
    Replaced,
    /// A delta in sequence was applied.
    Applied,
    /// A delta at or below the current sequence: a redelivery, ignored.
    Duplicate,
    /// A delta while the book waits for a snapshot: ignored.
    Ignored,
    /// The update left the book unsynced; the venue's connector should resync it.
    Broken(Unsynced),
}

impl Outcome {
    /// Whether readers of the book see something new.
    pub fn changed(self) -> bool {
        matches!(
            self,
            Outcome::Replaced | Outcome::Applied | Outcome::Broken(_)
        )
    }

    /// Why the connector should resync the book, when it should.
    pub fn resync_reason(self) -> Option<Unsynced> {
        match self {
            Outcome::Broken(reason) => Some(reason),
            _ => None,
        }
    }

    /// A short name for metrics and logs.
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Replaced => "snapshot",
            Outcome::Applied => "delta",
            Outcome::Duplicate => "duplicate",
            Outcome::Ignored => "ignored",
            Outcome::Broken(Unsynced::Gap { .. }) => "gap",
            Outcome::Broken(Unsynced::Crossed) => "crossed",
            Outcome::Broken(Unsynced::Stale) => "stale",
            Outcome::Broken(Unsynced::AwaitingSnapshot) => "awaiting_snapshot",
        }
    }
}

/// A venue book with its sequence and sync state.
#[derive(Debug, Clone)]
pub struct VenueBook {
    book: OrderBook,
    sequence: u64,
    state: Option<Unsynced>,
    event_ms: i64,
    received_at: Instant,
}

impl VenueBook {
    /// An empty book waiting for its first snapshot.
    pub fn new(now: Instant) -> Self {
        Self {
            book: OrderBook::new(),
            sequence: 0,
            state: Some(Unsynced::AwaitingSnapshot),
            event_ms: 0,
            received_at: now,
        }
    }

    /// Applies one update received at `now`.
    pub fn apply(&mut self, update: &BookUpdate, now: Instant) -> Outcome {
        if update.snapshot {
            self.book.replace(&update.bids, &update.asks);
            return self.accept(update, now, Outcome::Replaced);
        }
        // A stale book is still consistent: the next delta in sequence revives it.
        if matches!(self.state, Some(state) if state != Unsynced::Stale) {
            return Outcome::Ignored;
        }
        let expected = self.sequence.saturating_add(1);
        if update.sequence < expected {
            return Outcome::Duplicate;
        }
        if update.sequence > expected {
            let reason = Unsynced::Gap {
                expected,
                received: update.sequence,
            };
            self.state = Some(reason);
            return Outcome::Broken(reason);
        }
        self.book.apply_all(Side::Buy, &update.bids);
        self.book.apply_all(Side::Sell, &update.asks);
        self.accept(update, now, Outcome::Applied)
    }

    /// Marks a synced book stale when nothing arrived for `stale_after`; true when it
    /// just became stale.
    pub fn expire(&mut self, now: Instant, stale_after: Duration) -> bool {
        let quiet = now.saturating_duration_since(self.received_at);
        if self.state.is_none() && quiet > stale_after {
            self.state = Some(Unsynced::Stale);
            return true;
        }
        false
    }

    pub fn book(&self) -> &OrderBook {
        &self.book
    }

    /// The connector's sequence of the last update applied.
    pub fn sequence(&self) -> u64 {
        self.sequence
    }

    /// The venue's time of the last update applied, in Unix milliseconds.
    pub fn event_ms(&self) -> i64 {
        self.event_ms
    }

    /// `None` while the book is synced and served, else why it is not.
    pub fn unsynced(&self) -> Option<Unsynced> {
        self.state
    }

    pub fn is_synced(&self) -> bool {
        self.state.is_none()
    }

    fn accept(&mut self, update: &BookUpdate, now: Instant, outcome: Outcome) -> Outcome {
        self.sequence = update.sequence;
        self.event_ms = update.event_ms;
        self.received_at = now;
        if self.book.is_crossed() {
            self.state = Some(Unsynced::Crossed);
            return Outcome::Broken(Unsynced::Crossed);
        }
        self.state = None;
        outcome
    }
}

/// Refuses an update no healthy connector would publish; says which level is wrong.
pub fn check_update(update: &BookUpdate) -> Result<(), String> {
    let sides = [("bids", &update.bids), ("asks", &update.asks)];
    for (name, levels) in sides {
        for (index, level) in levels.iter().enumerate() {
            check_level(level).map_err(|problem| format!("{name}[{index}]: {problem}"))?;
        }
    }
    Ok(())
}

fn check_level(level: &Level) -> Result<(), &'static str> {
    if level.price <= Decimal::ZERO || level.price > MAX_VALUE {
        return Err("price must be positive and at most 1e20");
    }
    if level.quantity < Decimal::ZERO || level.quantity > MAX_VALUE {
        return Err("quantity must be between 0 and 1e20");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use quorum_domain::Venue;
    use rust_decimal::dec;

    fn level(price: Decimal, quantity: Decimal) -> Level {
        Level::new(price, quantity)
    }

    fn update(sequence: u64, snapshot: bool, bids: Vec<Level>, asks: Vec<Level>) -> BookUpdate {
        BookUpdate {
            venue: Venue::Binance,
            symbol: "BTC-USDT".parse().unwrap(),
            sequence,
            snapshot,
            bids,
            asks,
            event_ms: 1_700_000_000_000 + sequence as i64,
        }
    }

    fn snapshot() -> BookUpdate {
        update(
            0,
            true,
            vec![level(dec!(100), dec!(1)), level(dec!(99), dec!(2))],
            vec![level(dec!(101), dec!(1)), level(dec!(102), dec!(3))],
        )
    }

    #[test]
    fn the_max_value_is_one_e_twenty() {
        assert_eq!(MAX_VALUE, dec!(100000000000000000000));
    }

    #[test]
    fn deltas_before_the_first_snapshot_are_ignored() {
        let now = Instant::now();
        let mut book = VenueBook::new(now);
        let delta = update(1, false, vec![level(dec!(100), dec!(1))], vec![]);
        assert_eq!(book.apply(&delta, now), Outcome::Ignored);
        assert_eq!(book.unsynced(), Some(Unsynced::AwaitingSnapshot));
        assert_eq!(book.apply(&snapshot(), now), Outcome::Replaced);
        assert!(book.is_synced());
        assert_eq!(book.book().best_bid(), Some(level(dec!(100), dec!(1))));
    }

    #[test]
    fn deltas_in_sequence_apply_and_redeliveries_are_ignored() {
        let now = Instant::now();
        let mut book = VenueBook::new(now);
        book.apply(&snapshot(), now);
        let first = update(1, false, vec![level(dec!(100), dec!(0))], vec![]);
        assert_eq!(book.apply(&first, now), Outcome::Applied);
        let second = update(2, false, vec![], vec![level(dec!(101), dec!(5))]);
        assert_eq!(book.apply(&second, now), Outcome::Applied);
        assert_eq!(book.apply(&first, now), Outcome::Duplicate);
        assert_eq!(book.sequence(), 2);
        assert_eq!(book.event_ms(), 1_700_000_000_002);
        let (bids, asks) = book.book().top(0);
        assert_eq!(bids, vec![level(dec!(99), dec!(2))]);
        assert_eq!(
            asks,
            vec![level(dec!(101), dec!(5)), level(dec!(102), dec!(3))]
        );
    }

    #[test]
    fn a_gap_unsyncs_the_book_until_the_next_snapshot() {
        let now = Instant::now();
        let mut book = VenueBook::new(now);
        book.apply(&snapshot(), now);
        let skipped = update(2, false, vec![level(dec!(98), dec!(1))], vec![]);
        let gap = Unsynced::Gap {
            expected: 1,
            received: 2,
        };
        assert_eq!(book.apply(&skipped, now), Outcome::Broken(gap));
        assert_eq!(book.unsynced(), Some(gap));
        // Later deltas change nothing: the book is not trusted any more.
        let later = update(3, false, vec![level(dec!(97), dec!(1))], vec![]);
        assert_eq!(book.apply(&later, now), Outcome::Ignored);
        assert_eq!(book.book().bid_levels(), 2);
        assert_eq!(book.apply(&snapshot(), now), Outcome::Replaced);
        assert!(book.is_synced());
        let next = update(1, false, vec![level(dec!(98), dec!(1))], vec![]);
        assert_eq!(book.apply(&next, now), Outcome::Applied);
    }

    #[test]
    fn a_crossed_book_is_unsynced_whether_from_a_delta_or_a_snapshot() {
        let now = Instant::now();
        let mut book = VenueBook::new(now);
        book.apply(&snapshot(), now);
        let crossing = update(1, false, vec![level(dec!(101), dec!(1))], vec![]);
        assert_eq!(
            book.apply(&crossing, now),
            Outcome::Broken(Unsynced::Crossed)
        );
        assert!(!book.is_synced());
        let crossed_snapshot = update(
            0,
            true,
            vec![level(dec!(102), dec!(1))],
            vec![level(dec!(101), dec!(1))],
        );
        assert_eq!(
            book.apply(&crossed_snapshot, now),
            Outcome::Broken(Unsynced::Crossed)
        );
        assert_eq!(book.apply(&snapshot(), now), Outcome::Replaced);
    }

    #[test]
    fn a_quiet_book_goes_stale_and_the_next_delta_in_sequence_revives_it() {
        let start = Instant::now();
        let mut book = VenueBook::new(start);
        book.apply(&snapshot(), start);
        let limit = Duration::from_secs(30);
        assert!(!book.expire(start + Duration::from_secs(30), limit));
        assert!(book.expire(start + Duration::from_secs(31), limit));
        assert!(!book.expire(start + Duration::from_secs(32), limit));
        assert_eq!(book.unsynced(), Some(Unsynced::Stale));
        let next = update(1, false, vec![level(dec!(98), dec!(1))], vec![]);
        assert_eq!(
            book.apply(&next, start + Duration::from_secs(40)),
            Outcome::Applied
        );
        assert!(book.is_synced());
    }

    #[test]
    fn outcomes_say_whether_to_resync() {
        assert_eq!(Outcome::Applied.resync_reason(), None);
        assert_eq!(
            Outcome::Broken(Unsynced::Crossed).resync_reason(),
            Some(Unsynced::Crossed)
        );
        assert!(!Outcome::Duplicate.changed());
        assert!(Outcome::Broken(Unsynced::Stale).changed());
        assert_eq!(Outcome::Replaced.label(), "snapshot");
    }

    #[test]
    fn updates_with_impossible_levels_are_refused() {
        let mut bad = snapshot();
        bad.asks[1].price = dec!(-1);
        assert_eq!(
            check_update(&bad).unwrap_err(),
            "asks[1]: price must be positive and at most 1e20"
        );
        let mut huge = snapshot();
        huge.bids[0].quantity = MAX_VALUE + Decimal::ONE;
        assert!(check_update(&huge).unwrap_err().starts_with("bids[0]"));
        assert!(check_update(&snapshot()).is_ok());
    }
}
