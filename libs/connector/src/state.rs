//! What the market runtime and the gRPC service share: the tracked instruments and their
//! books, the paper engine and the writer of its state, live orders, and the channels
//! events and commands travel on.
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use quorum_domain::{BookUpdate, Instrument, Symbol, Ticker, Trade, Venue};
use quorum_venues::{BookSync, Credentials, InstrumentIndex, Transport, VenueProtocol};
use tokio::sync::{broadcast, mpsc, oneshot};

use crate::config::{MarketSource, TradingMode};
use crate::live::LiveOrders;
use crate::paper::PaperEngine;
use crate::publisher::MarketPublisher;
use crate::store::writer::{StateWriter, Stored};

/// Events kept for slow StreamMarketData subscribers before they lag.
pub const EVENT_BUFFER: usize = 8192;

/// One normalized market event, as published on the bus and streamed over gRPC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MarketEvent {
    Trade(Trade),
    Book(BookUpdate),
    Ticker(Ticker),
}

impl MarketEvent {
    pub fn symbol(&self) -> &Symbol {
        match self {
            MarketEvent::Trade(trade) => &trade.symbol,
            MarketEvent::Book(update) => &update.symbol,
            MarketEvent::Ticker(ticker) => &ticker.symbol,
        }
    }
}

/// Asks the market runtime to do something on its loop.
#[derive(Debug)]
pub enum Command {
    /// Drop a symbol's book and sync it again; answers with its resync count.
    Resync {
        symbol: Symbol,
        reply: oneshot::Sender<u64>,
    },
}

/// The instruments the connector tracks (QUORUM_SYMBOLS the venue lists) and their books.
#[derive(Debug)]
pub struct Tracked {
    pub index: InstrumentIndex,
    /// In QUORUM_SYMBOLS order.
    pub instruments: Vec<Instrument>,
    pub books: BTreeMap<Symbol, Arc<Mutex<BookSync>>>,
}

impl Tracked {
    pub fn new(venue: Venue, rule: quorum_venues::SyncRule, instruments: Vec<Instrument>) -> Self {
        let books = instruments
            .iter()
            .map(|instrument| {
                let sync = BookSync::new(venue, instrument.symbol.clone(), rule);
                (instrument.symbol.clone(), Arc::new(Mutex::new(sync)))
            })
            .collect();
        Self {
            index: InstrumentIndex::new(instruments.clone()),
            instruments,
            books,
        }
    }
}

/// State shared by the runtime tasks and the RPC handlers.
pub struct Shared {
    pub venue: Venue,
    pub source: MarketSource,
    pub trading_mode: TradingMode,
    pub protocol: Arc<dyn VenueProtocol>,
    pub transport: Arc<dyn Transport>,
    pub credentials: Option<Credentials>,
    /// Set once the venue's instrument list is in.
    pub tracked: OnceLock<Tracked>,
    /// Why the runtime stopped for good, if it did.
    pub failure: Mutex<Option<String>>,
    pub paper: Mutex<PaperEngine>,
    pub live_orders: Mutex<LiveOrders>,
    pub events: broadcast::Sender<Arc<MarketEvent>>,
    pub commands: mpsc::Sender<Command>,
    pub market_out: MarketPublisher,
    /// Stores what the paper engine changed (and order events), in order.
    pub paper_writer: StateWriter,
}

impl Shared {
    /// Hands a market event to the bus publisher and to stream subscribers; never waits.
    pub fn emit(&self, event: MarketEvent) {
        let event = Arc::new(event);
        self.market_out.offer(event.clone());
        // No subscriber is not an error: events are also on the bus.
        let _ = self.events.send(event);
    }

    /// Runs `change` on the paper engine and queues what it changed for storage while
    /// the engine is still locked, so changes are stored in the order they were made.
    /// The answer resolves once they (and all before them) are stored.
    pub fn change_paper<T>(&self, change: impl FnOnce(&mut PaperEngine) -> T) -> (T, Stored) {
        let mut paper = lock(&self.paper);
        let outcome = change(&mut paper);
        let stored = self.paper_writer.submit(paper.take_changes());
        (outcome, stored)
    }

    /// [`Shared::change_paper`] for the market loop, which never waits for storage.
    pub fn change_paper_detached<T>(&self, change: impl FnOnce(&mut PaperEngine) -> T) -> T {
        let mut paper = lock(&self.paper);
        let outcome = change(&mut paper);
        self.paper_writer.submit_detached(paper.take_changes());
        outcome
    }
}

/// Locks a mutex, recovering the data if a holder panicked (the data stays usable:
/// every critical section leaves it consistent before anything can fail).
pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}
