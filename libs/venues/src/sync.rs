//! Book sync: keeps one venue symbol's L2 book in step with the venue by its sequencing
//! rule ([`SyncRule`]) and says what to publish and when to fetch a fresh snapshot.
//!
//! Pure logic, no I/O: the connector runtime feeds stream messages and REST snapshots in,
//! publishes the returned [`BookUpdate`]s in order, and fetches a snapshot or
//! resubscribes when a [`SyncStep`] asks for it.
mod connection;
mod prev_sequence;
mod update_id;

use std::collections::VecDeque;

use quorum_domain::{BookUpdate, Side, Symbol, Venue};
use quorum_quant::OrderBook;

use crate::{BookMessage, BookMessageKind, SyncRule};

pub use connection::ConnectionSequence;

/// Deltas kept while waiting for a snapshot. Beyond this the oldest are dropped: the
/// sequence checks then see the hole and ask for a newer snapshot.
pub const MAX_BUFFERED: usize = 10_000;

/// Whether the book can be trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncState {
    /// Waiting for a snapshot and buffering deltas.
    Syncing,
    Synced,
}

/// What one input changed, and what the runtime must do next.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncStep {
    /// To publish, in order.
    pub updates: Vec<BookUpdate>,
    /// The runtime must fetch the REST snapshot now and hand it to
    /// [`BookSync::on_snapshot`]. Asked once per lost sync, not once per message.
    pub need_snapshot: bool,
    /// The runtime must resubscribe to get a new snapshot on the stream.
    pub resubscribe: bool,
    /// Stale or duplicate messages dropped.
    pub ignored: u32,
}

/// The synced book of one (venue, symbol).
///
/// Protocol with the runtime: feed every stream message to [`BookSync::on_stream`]; when
/// a step says `need_snapshot`, fetch the REST snapshot and feed it to
/// [`BookSync::on_snapshot`] (a snapshot may also be fed at any time while syncing, e.g.
/// at start); when it says `resubscribe`, resubscribe to the symbol's book channel.
/// Call [`BookSync::reset`] on reconnect or when asked to resync.
#[derive(Debug, Clone)]
pub struct BookSync {
    venue: Venue,
    symbol: Symbol,
    rule: SyncRule,
    book: OrderBook,
    synced: bool,
    /// The venue id of the last applied message: `u` (Binance, Gate.io) or `seqId` (OKX).
    local_id: i64,
    sequence: u64,
    resyncs: u64,
    last_update_ms: i64,
    /// Deltas received while syncing, oldest first.
    buffer: VecDeque<BookMessage>,
    /// A REST snapshot waiting for the deltas that continue it.
    pending: Option<BookMessage>,
    /// Binance: the pending snapshot was compared with the first buffered delta.
    pending_checked: bool,
    awaiting: Awaiting,
    /// Where the current or last book came from, to ask for the same kind again.
    last_source: Option<Source>,
    /// OKX: `seqId` of the last stale message, to notice a restarted sequence.
    stale_chain: Option<i64>,
    /// OKX: (`prevSeqId`, `seqId`, venue time) of the last restart message, to know it
    /// again when it is delivered twice; a later restart to the same ids is a new one.
    last_restart: Option<(i64, i64, i64)>,
}

impl BookSync {
    pub fn new(venue: Venue, symbol: Symbol, rule: SyncRule) -> Self {
        Self {
            venue,
            symbol,
            rule,
            book: OrderBook::new(),
            synced: false,
            local_id: 0,
            sequence: 0,
            resyncs: 0,
            last_update_ms: 0,
            buffer: VecDeque::new(),
            pending: None,
            pending_checked: false,
            awaiting: Awaiting::Nothing,
            last_source: None,
            stale_chain: None,
            last_restart: None,
        }
    }

    /// A book message from the stream (a delta, or a snapshot on venues that send one).
    pub fn on_stream(&mut self, message: BookMessage, now_ms: i64) -> SyncStep {
        let mut step = SyncStep::default();
        if message.symbol != self.symbol {
            step.ignored += 1;
            return step;
        }
        match (self.rule, message.kind) {
            (SyncRule::UpdateIdRange | SyncRule::GateUpdateIdRange, BookMessageKind::Snapshot) => {
                self.update_id_snapshot(message, now_ms, &mut step)
            }
            (SyncRule::UpdateIdRange | SyncRule::GateUpdateIdRange, BookMessageKind::Delta) => {
                self.update_id_delta(message, now_ms, &mut step)
            }
            (SyncRule::PrevSequence, BookMessageKind::Snapshot) => {
                self.prev_sequence_stream_snapshot(message, now_ms, &mut step)
            }
            (SyncRule::PrevSequence, BookMessageKind::Delta) => {
                self.prev_sequence_delta(message, now_ms, &mut step)
            }
            (SyncRule::ConnectionSequence, BookMessageKind::Snapshot) => {
                self.connection_snapshot(message, now_ms, &mut step)
            }
            (SyncRule::ConnectionSequence, BookMessageKind::Delta) => {
                self.connection_delta(message, now_ms, &mut step)
            }
        }
        step
    }

    /// A snapshot fetched over REST. Ignored (and counted) when the book is synced: the
    /// stream already keeps it current, and [`BookSync::reset`] is the way to start over.
    pub fn on_snapshot(&mut self, snapshot: BookMessage, now_ms: i64) -> SyncStep {
        let mut step = SyncStep::default();
        if snapshot.symbol != self.symbol || self.synced {
            step.ignored += 1;
            return step;
        }
        match self.rule {
            SyncRule::UpdateIdRange | SyncRule::GateUpdateIdRange => {
                self.update_id_snapshot(snapshot, now_ms, &mut step)
            }
            SyncRule::PrevSequence => self.prev_sequence_rest_snapshot(snapshot, now_ms, &mut step),
            SyncRule::ConnectionSequence => self.connection_snapshot(snapshot, now_ms, &mut step),
        }
        step
    }

    /// Drops the book and everything buffered, counts a resync, and asks for a fresh
    /// snapshot the way this venue delivers one (REST fetch, or resubscribe).
    pub fn reset(&mut self) -> SyncStep {
        let mut step = SyncStep::default();
        self.buffer.clear();
        // A reset asks again even if a request is out: the runtime may be resetting
        // precisely because that request failed.
        self.awaiting = Awaiting::Nothing;
        self.lose_sync(&mut step);
        step
    }

    pub fn state(&self) -> SyncState {
        if self.synced {
            SyncState::Synced
        } else {
            SyncState::Syncing
        }
    }

    /// The book, only while it is synced.
    pub fn book(&self) -> Option<&OrderBook> {
        self.synced.then_some(&self.book)
    }

    /// Sequence of the last published [`BookUpdate`] (0 for a snapshot).
    pub fn sequence(&self) -> u64 {
        self.sequence
    }

    /// Gaps, checksum mismatches, sequence restarts and resets since start; the first
    /// sync is not a resync.
    pub fn resyncs(&self) -> u64 {
        self.resyncs
    }

    /// Local time of the last change applied to the book, 0 before the first.
    pub fn last_update_ms(&self) -> i64 {
        self.last_update_ms
    }

    pub fn venue(&self) -> Venue {
        self.venue
    }

    pub fn symbol(&self) -> &Symbol {
        &self.symbol
    }

    pub fn rule(&self) -> SyncRule {
        self.rule
    }

    /// Deltas held while waiting for a snapshot.
    pub fn buffered(&self) -> usize {
        self.buffer.len()
    }
}

/// What the sync has asked the runtime for and not yet received.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Awaiting {
    Nothing,
    RestSnapshot,
    StreamSnapshot,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    Rest,
    Stream,
}

/// Helpers shared by every rule.
impl BookSync {
    /// Replaces the book with a snapshot; the caller publishes it once it is trusted.
    fn install_snapshot(&mut self, snapshot: &BookMessage, source: Source, now_ms: i64) {
        self.book.replace(&snapshot.bids, &snapshot.asks);
        self.local_id = snapshot.last_id;
        self.synced = true;
        self.pending = None;
        self.pending_checked = false;
        self.awaiting = Awaiting::Nothing;
        self.last_source = Some(source);
        self.stale_chain = None;
        self.last_update_ms = now_ms;
    }

    /// Publishes the whole book as sequence 0.
    fn publish_snapshot(&mut self, event_ms: i64, now_ms: i64, step: &mut SyncStep) {
        let (bids, asks) = self.book.top(0);
        self.sequence = 0;
        step.updates.push(BookUpdate {
            venue: self.venue,
            symbol: self.symbol.clone(),
            sequence: 0,
            snapshot: true,
            bids,
            asks,
            // REST snapshots of some venues carry no time.
            event_ms: if event_ms > 0 { event_ms } else { now_ms },
        });
    }

    /// Applies a delta's levels to the book (not yet published).
    fn apply_levels(&mut self, message: &BookMessage, now_ms: i64) {
        self.book.apply_all(Side::Buy, &message.bids);
        self.book.apply_all(Side::Sell, &message.asks);
        self.last_update_ms = now_ms;
    }

    /// Publishes an applied delta; a message that changed no level publishes nothing.
    fn publish_delta(&mut self, message: BookMessage, step: &mut SyncStep) {
        if message.bids.is_empty() && message.asks.is_empty() {
            return;
        }
        self.sequence += 1;
        step.updates.push(BookUpdate {
            venue: self.venue,
            symbol: self.symbol.clone(),
            sequence: self.sequence,
            snapshot: false,
            bids: message.bids,
            asks: message.asks,
            event_ms: message.event_ms,
        });
    }

    fn buffer_delta(&mut self, message: BookMessage) {
        if self.buffer.len() >= MAX_BUFFERED {
            self.buffer.pop_front();
        }
        self.buffer.push_back(message);
    }

    /// The book can no longer be trusted: drop it, count a resync, ask for a fresh
    /// snapshot once.
    fn lose_sync(&mut self, step: &mut SyncStep) {
        self.book.clear();
        self.synced = false;
        self.pending = None;
        self.pending_checked = false;
        self.stale_chain = None;
        self.resyncs += 1;
        let wanted = match (self.rule, self.last_source) {
            (SyncRule::ConnectionSequence, _) => Awaiting::StreamSnapshot,
            (SyncRule::PrevSequence, Some(Source::Stream)) => Awaiting::StreamSnapshot,
            _ => Awaiting::RestSnapshot,
        };
        self.request(wanted, step);
    }

    /// Asks the runtime for a snapshot unless the same request is already out.
    fn request(&mut self, wanted: Awaiting, step: &mut SyncStep) {
        if self.awaiting == wanted {
            return;
        }
        self.awaiting = wanted;
        match wanted {
            Awaiting::RestSnapshot => step.need_snapshot = true,
            Awaiting::StreamSnapshot => step.resubscribe = true,
            Awaiting::Nothing => {}
        }
    }

    /// The pending snapshot cannot be continued by the buffered deltas: fetch a newer one.
    fn refetch(&mut self, step: &mut SyncStep) {
        self.pending = None;
        self.pending_checked = false;
        self.awaiting = Awaiting::RestSnapshot;
        step.need_snapshot = true;
    }
}

#[cfg(test)]
pub(crate) mod test_support;
