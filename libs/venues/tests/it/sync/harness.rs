//! The two sides of a book sync session: a fake venue with its true book and wire
//! format, and a connector that parses its texts, drives [`BookSync`] and hands the
//! published updates to a consumer.
use std::collections::BTreeMap;

use proptest::prelude::*;
use quorum_domain::{BookUpdate, Decimal, Instrument, Level, Side, Venue};
use quorum_quant::OrderBook;
use quorum_venues::binance::Binance;
use quorum_venues::gateio::Gateio;
use quorum_venues::{
    BookMessage, BookSync, InstrumentIndex, StreamEvent, SyncState, SyncStep, VenueProtocol,
};

/// One venue book change: absolute quantity at a price, 0 removes.
#[derive(Debug, Clone)]
pub struct Change {
    pub side: Side,
    pub price: u32,
    pub quantity: u32,
}

/// One venue delta covering update ids `first..=last`.
#[derive(Debug, Clone)]
pub struct Delta {
    pub first: i64,
    pub last: i64,
    pub changes: Vec<Change>,
}

/// The venue side of a session: its true book, and its messages in its wire format.
pub trait FakeVenue {
    fn protocol(&self) -> &dyn VenueProtocol;
    fn instrument(&self) -> Instrument;
    fn delta_text(&self, delta: &Delta) -> String;
    fn snapshot_text(&self, id: i64, book: &TrueBook) -> String;
}

pub struct FakeBinance;
pub struct FakeGateio;

impl FakeVenue for FakeBinance {
    fn protocol(&self) -> &dyn VenueProtocol {
        &Binance
    }

    fn instrument(&self) -> Instrument {
        instrument(Venue::Binance, "BTCUSDT")
    }

    fn delta_text(&self, delta: &Delta) -> String {
        let (bids, asks) = change_arrays(&delta.changes);
        format!(
            r#"{{"stream":"btcusdt@depth@100ms","data":{{"e":"depthUpdate","E":{},"s":"BTCUSDT","U":{},"u":{},"b":{bids},"a":{asks}}}}}"#,
            1_700_000_000_000 + delta.last,
            delta.first,
            delta.last
        )
    }

    fn snapshot_text(&self, id: i64, book: &TrueBook) -> String {
        let (bids, asks) = book.arrays();
        format!(r#"{{"lastUpdateId":{id},"bids":{bids},"asks":{asks}}}"#)
    }
}

impl FakeVenue for FakeGateio {
    fn protocol(&self) -> &dyn VenueProtocol {
        &Gateio
    }

    fn instrument(&self) -> Instrument {
        instrument(Venue::Gateio, "BTC_USDT")
    }

    fn delta_text(&self, delta: &Delta) -> String {
        let (bids, asks) = change_arrays(&delta.changes);
        format!(
            r#"{{"time":1700000000,"time_ms":1700000000000,"channel":"spot.order_book_update","event":"update","result":{{"t":{},"e":"depthUpdate","E":1700000000,"s":"BTC_USDT","U":{},"u":{},"b":{bids},"a":{asks}}}}}"#,
            1_700_000_000_000 + delta.last,
            delta.first,
            delta.last
        )
    }

    fn snapshot_text(&self, id: i64, book: &TrueBook) -> String {
        let (bids, asks) = book.arrays();
        format!(
            r#"{{"id":{id},"current":1700000000000,"update":1700000000000,"asks":{asks},"bids":{bids}}}"#
        )
    }
}

/// The venue's book, kept as simply as possible to judge the real one.
#[derive(Debug, Clone, Default)]
pub struct TrueBook {
    pub bids: BTreeMap<u32, u32>,
    pub asks: BTreeMap<u32, u32>,
}

impl TrueBook {
    pub fn apply(&mut self, changes: &[Change]) {
        for change in changes {
            let side = match change.side {
                Side::Buy => &mut self.bids,
                Side::Sell => &mut self.asks,
            };
            if change.quantity == 0 {
                side.remove(&change.price);
            } else {
                side.insert(change.price, change.quantity);
            }
        }
    }

    /// Best first, as `OrderBook::top` gives them.
    pub fn levels(&self) -> (Vec<Level>, Vec<Level>) {
        let level = |(price, quantity): (&u32, &u32)| {
            Level::new(Decimal::from(*price), Decimal::from(*quantity))
        };
        (
            self.bids.iter().rev().map(level).collect(),
            self.asks.iter().map(level).collect(),
        )
    }

    pub fn arrays(&self) -> (String, String) {
        let array = |levels: Vec<String>| format!("[{}]", levels.join(","));
        let level = |(price, quantity): (&u32, &u32)| format!(r#"["{price}","{quantity}"]"#);
        (
            array(self.bids.iter().rev().map(level).collect()),
            array(self.asks.iter().map(level).collect()),
        )
    }
}

/// A consumer of the published updates, checking their sequence numbers.
#[derive(Default)]
pub struct Consumer {
    pub book: OrderBook,
    pub next_sequence: Option<u64>,
}

impl Consumer {
    pub fn receive(&mut self, updates: &[BookUpdate]) {
        for update in updates {
            if update.snapshot {
                assert_eq!(update.sequence, 0, "a snapshot restarts the sequence");
                self.book.replace(&update.bids, &update.asks);
            } else {
                assert_eq!(
                    Some(update.sequence),
                    self.next_sequence,
                    "deltas are numbered one above the previous update"
                );
                self.book.apply_all(Side::Buy, &update.bids);
                self.book.apply_all(Side::Sell, &update.asks);
            }
            self.next_sequence = Some(update.sequence + 1);
        }
    }
}

/// The connector side: parses venue texts and drives the sync.
pub struct Session<'a> {
    pub venue: &'a dyn FakeVenue,
    pub index: InstrumentIndex,
    pub sync: BookSync,
    pub consumer: Consumer,
    pub snapshot_requests: u32,
    pub resubscribes: u32,
}

impl<'a> Session<'a> {
    pub fn new(venue: &'a dyn FakeVenue) -> Self {
        let instrument = venue.instrument();
        let sync = BookSync::new(
            instrument.venue,
            instrument.symbol.clone(),
            venue.protocol().sync_rule(),
        );
        Self {
            venue,
            index: InstrumentIndex::new([instrument]),
            sync,
            consumer: Consumer::default(),
            snapshot_requests: 0,
            resubscribes: 0,
        }
    }

    /// Feeds one stream text; true when the sync asked for a snapshot.
    pub fn stream(&mut self, delta: &Delta) -> bool {
        let text = self.venue.delta_text(delta);
        let parsed = self
            .venue
            .protocol()
            .parse_message(&text, &self.index)
            .unwrap();
        let mut asked = false;
        for event in parsed.events {
            let StreamEvent::Book(message) = event else {
                panic!("expected book messages");
            };
            let step = self.sync.on_stream(message, delta.last);
            asked |= self.handle(step);
        }
        asked
    }

    /// Serves a snapshot; true when the sync asked for another.
    pub fn snapshot(&mut self, id: i64, book: &TrueBook) -> bool {
        let text = self.venue.snapshot_text(id, book);
        let snapshot: BookMessage = self
            .venue
            .protocol()
            .parse_snapshot(&self.venue.instrument(), &text)
            .unwrap();
        let step = self.sync.on_snapshot(snapshot, id);
        self.handle(step)
    }

    pub fn handle(&mut self, step: SyncStep) -> bool {
        self.consumer.receive(&step.updates);
        self.snapshot_requests += u32::from(step.need_snapshot);
        self.resubscribes += u32::from(step.resubscribe);
        step.need_snapshot
    }

    pub fn assert_book_is(&self, truth: &TrueBook) {
        assert_eq!(self.sync.state(), SyncState::Synced);
        let book = self.sync.book().unwrap();
        assert_eq!(book.top(0), truth.levels(), "the synced book");
        assert_eq!(
            self.consumer.book.top(0),
            truth.levels(),
            "the book rebuilt from the updates"
        );
    }
}

pub fn instrument(venue: Venue, venue_symbol: &str) -> Instrument {
    Instrument {
        venue,
        symbol: "BTC-USDT".parse().unwrap(),
        venue_symbol: venue_symbol.into(),
        tick_size: Decimal::ONE,
        lot_size: Decimal::ONE,
        min_notional: Decimal::ZERO,
    }
}

pub fn change_arrays(changes: &[Change]) -> (String, String) {
    let array = |side: Side| {
        let levels: Vec<String> = changes
            .iter()
            .filter(|change| change.side == side)
            .map(|change| format!(r#"["{}","{}"]"#, change.price, change.quantity))
            .collect();
        format!("[{}]", levels.join(","))
    };
    (array(Side::Buy), array(Side::Sell))
}

pub fn change(side: Side, price: u32, quantity: u32) -> Change {
    Change {
        side,
        price,
        quantity,
    }
}

/// What happens to one venue delta on its way to the connector.
#[derive(Debug, Clone, Copy)]
pub enum Fate {
    Delivered,
    Lost,
    Duplicated,
    /// Delivered, then an older delta is delivered again.
    FollowedByStale(usize),
}

pub fn fate() -> impl Strategy<Value = Fate> {
    prop_oneof![
        12 => Just(Fate::Delivered),
        1 => Just(Fate::Lost),
        2 => Just(Fate::Duplicated),
        2 => (1_usize..4).prop_map(Fate::FollowedByStale),
    ]
}

pub fn changes() -> impl Strategy<Value = Vec<Change>> {
    prop::collection::vec(
        (any::<bool>(), 0_u32..12, 0_u32..4).prop_map(|(buy, step, quantity)| Change {
            side: if buy { Side::Buy } else { Side::Sell },
            // Bids 88..100, asks 101..113: the book never crosses.
            price: if buy { 88 + step } else { 101 + step },
            quantity,
        }),
        1..5,
    )
}
