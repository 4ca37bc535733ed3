//! Benchmark P2: L2 deltas per second of `quorum_quant::OrderBook` against a naive
//! `BTreeMap` book on the same pseudo-random stream, and the time to parse a venue book
//! message and apply it through `BookSync`. Prints a table; fails on nothing.
//!
//! `cargo run --release -p quorum-venues --example book_bench`
use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::{Duration, Instant};

use quorum_domain::{Decimal, Instrument, Level, Side, Symbol, Venue};
use quorum_quant::OrderBook;
use quorum_venues::binance::Binance;
use quorum_venues::okx::Okx;
use quorum_venues::okx::checksum as book_checksum;
use quorum_venues::{BookMessage, BookSync, InstrumentIndex, StreamEvent, VenueProtocol};

/// Deltas per timed run of the book benchmark.
const DELTAS: usize = 1_000_000;
/// Messages per timed run of the parse benchmark.
const MESSAGES: usize = 20_000;
/// Timed runs; the fastest is reported (the machine is shared and noisy).
const RUNS: usize = 5;
/// Mean distance from the best level of a near-top change, in levels.
const NEAR_TOP_MEAN: f64 = 8.0;

/// Where in the book changes land.
#[derive(Debug, Clone, Copy)]
enum Placement {
    NearTop,
    Uniform,
}

impl Placement {
    fn name(self) -> &'static str {
        match self {
            Placement::NearTop => "near top",
            Placement::Uniform => "uniform",
        }
    }
}

fn main() {
    println!("P2 order book: {DELTAS} mixed insert/update/delete deltas per run, best of {RUNS}");
    println!("placement: near top = levels drawn at an exponential distance from the best");
    println!("(mean {NEAR_TOP_MEAN} levels), as venue streams mostly touch; uniform = anywhere");
    println!(
        "{:>7} | {:<9} | {:>14} | {:>14} | {:>6}",
        "levels", "placement", "OrderBook M/s", "BTreeMap M/s", "ratio"
    );
    for levels in [20, 100, 500] {
        for placement in [Placement::NearTop, Placement::Uniform] {
            let seed = 0x5eed + levels as u64;
            let stream = DeltaStream::generate(levels, DELTAS, placement, seed);
            let order_book = best_of(|| time_order_book(&stream));
            let naive = best_of(|| time_btree_book(&stream));
            let rate = |elapsed: Duration| DELTAS as f64 / elapsed.as_secs_f64() / 1e6;
            println!(
                "{levels:>7} | {:<9} | {:>14.1} | {:>14.1} | {:>5.2}x",
                placement.name(),
                rate(order_book),
                rate(naive),
                naive.as_secs_f64() / order_book.as_secs_f64()
            );
        }
    }

    println!();
    println!(
        "P2 venue message: parse, and parse + apply through BookSync, {MESSAGES} messages per run"
    );
    println!(
        "{:<44} | {:>9} | {:>9} | {:>14}",
        "message", "parse ns", "apply ns", "parse+apply ns"
    );
    for changes in [10, 40] {
        let session = binance_session(changes);
        report(&format!("Binance depthUpdate, {changes} levels"), &session);
    }
    for (changes, checksum) in [(10, false), (10, true), (40, true)] {
        let session = okx_session(changes, checksum);
        let label = if checksum {
            format!("OKX books update, {changes} levels, checksum")
        } else {
            format!("OKX books update, {changes} levels, checksum 0")
        };
        report(&label, &session);
    }
}

fn best_of(mut run: impl FnMut() -> Duration) -> Duration {
    (0..RUNS).map(|_| run()).min().unwrap_or_default()
}

/// A book of `levels` levels per side and a stream of absolute-quantity changes to it.
struct DeltaStream {
    bids: Vec<Level>,
    asks: Vec<Level>,
    deltas: Vec<(Side, Decimal, Decimal)>,
}

impl DeltaStream {
    /// Prices sit on `2 × levels` ticks per side; inserts and deletes balance around
    /// `levels` levels per side.
    fn generate(levels: usize, count: usize, placement: Placement, seed: u64) -> Self {
        let mut random = SplitMix(seed);
        let slots = 2 * levels;
        let mid = Decimal::new(5_000_000, 2);
        let tick = Decimal::new(1, 2);
        let price = |side: Side, slot: usize| match side {
            Side::Buy => mid - tick * Decimal::from(slot + 1),
            Side::Sell => mid + tick * Decimal::from(slot + 1),
        };
        // The book starts with the `levels` slots nearest the top filled on each side.
        let filled: Vec<bool> = (0..slots).map(|slot| slot < levels).collect();
        let mut occupied = [filled.clone(), filled];
        let mut counts = [levels, levels];
        let mut initial = [Vec::new(), Vec::new()];
        for (side_index, side) in [Side::Buy, Side::Sell].into_iter().enumerate() {
            initial[side_index] = (0..levels)
                .map(|slot| Level::new(price(side, slot), random.quantity()))
                .collect();
        }
        let mut deltas = Vec::with_capacity(count);
        while deltas.len() < count {
            let side_index = (random.next() % 2) as usize;
            let side = if side_index == 0 {
                Side::Buy
            } else {
                Side::Sell
            };
            let count_here = counts[side_index];
            // Inserts are likelier below the target size, deletes above it.
            let roll = random.next() % (3 * levels as u64);
            let operation = if roll < (2 * levels - count_here) as u64 {
                Operation::Insert
            } else if roll < (2 * levels) as u64 {
                Operation::Delete
            } else {
                Operation::Update
            };
            let want_occupied = operation != Operation::Insert;
            let target = match placement {
                Placement::NearTop => random.near_top(slots),
                Placement::Uniform => (random.next() % slots as u64) as usize,
            };
            let Some(slot) = nearest(&occupied[side_index], target, want_occupied) else {
                continue;
            };
            let quantity = match operation {
                Operation::Delete => {
                    occupied[side_index][slot] = false;
                    counts[side_index] -= 1;
                    Decimal::ZERO
                }
                Operation::Insert => {
                    occupied[side_index][slot] = true;
                    counts[side_index] += 1;
                    random.quantity()
                }
                Operation::Update => random.quantity(),
            };
            deltas.push((side, price(side, slot), quantity));
        }
        let [bids, asks] = initial;
        Self { bids, asks, deltas }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Operation {
    Insert,
    Update,
    Delete,
}

/// The slot nearest to `start` whose state is `occupied`.
fn nearest(slots: &[bool], start: usize, occupied: bool) -> Option<usize> {
    (0..slots.len()).find_map(|distance| {
        [start.checked_sub(distance), start.checked_add(distance)]
            .into_iter()
            .flatten()
            .find(|&slot| slot < slots.len() && slots[slot] == occupied)
    })
}

fn time_order_book(stream: &DeltaStream) -> Duration {
    let mut book = OrderBook::from_levels(&stream.bids, &stream.asks);
    let start = Instant::now();
    for &(side, price, quantity) in &stream.deltas {
        book.apply(black_box(side), black_box(price), black_box(quantity));
    }
    let elapsed = start.elapsed();
    black_box(&book);
    elapsed
}

/// The obvious book: one ordered map per side.
fn time_btree_book(stream: &DeltaStream) -> Duration {
    let mut bids: BTreeMap<Decimal, Decimal> = stream
        .bids
        .iter()
        .map(|level| (level.price, level.quantity))
        .collect();
    let mut asks: BTreeMap<Decimal, Decimal> = stream
        .asks
        .iter()
        .map(|level| (level.price, level.quantity))
        .collect();
    let start = Instant::now();
    for &(side, price, quantity) in &stream.deltas {
        let levels = match black_box(side) {
            Side::Buy => &mut bids,
            Side::Sell => &mut asks,
        };
        if black_box(quantity).is_zero() {
            levels.remove(&black_box(price));
        } else {
            levels.insert(black_box(price), quantity);
        }
    }
    let elapsed = start.elapsed();
    black_box((&bids, &asks));
    elapsed
}

/// Venue texts for one symbol: a snapshot and the deltas that continue it.
struct Session {
    protocol: Box<dyn VenueProtocol>,
    index: InstrumentIndex,
    symbol: Symbol,
    snapshot: BookMessage,
    /// The snapshot arrives on the stream (OKX) rather than over REST (Binance).
    snapshot_on_stream: bool,
    /// Sent before the snapshot is applied, where the venue's rule needs one.
    opening: Option<String>,
    messages: Vec<String>,
}

fn report(label: &str, session: &Session) {
    let parse = best_of(|| {
        let start = Instant::now();
        for text in &session.messages {
            let parsed = session
                .protocol
                .parse_message(black_box(text), &session.index);
            black_box(parsed.ok());
        }
        start.elapsed()
    });
    let apply = best_of(|| time_apply(session));
    let both = best_of(|| time_parse_and_apply(session));
    let per_message = |elapsed: Duration| elapsed.as_nanos() as f64 / MESSAGES as f64;
    println!(
        "{label:<44} | {:>9.0} | {:>9.0} | {:>14.0}",
        per_message(parse),
        per_message(apply),
        per_message(both)
    );
}

/// A sync of the session's symbol, synced on its snapshot; panics (before any timing)
/// if it does not sync.
fn synced(session: &Session) -> BookSync {
    let mut sync = BookSync::new(
        session.protocol.venue(),
        session.symbol.clone(),
        session.protocol.sync_rule(),
    );
    if let Some(opening) = &session.opening {
        for message in book_messages(session, opening) {
            sync.on_stream(message, 0);
        }
    }
    let step = if session.snapshot_on_stream {
        sync.on_stream(session.snapshot.clone(), 0)
    } else {
        sync.on_snapshot(session.snapshot.clone(), 0)
    };
    assert!(sync.book().is_some(), "the session must sync: {step:?}");
    sync
}

/// Applies messages parsed beforehand: the sync's own cost.
fn time_apply(session: &Session) -> Duration {
    let mut sync = synced(session);
    let messages: Vec<BookMessage> = session
        .messages
        .iter()
        .flat_map(|text| book_messages(session, text))
        .collect();
    let start = Instant::now();
    let mut published = 0_usize;
    for message in messages {
        published += sync.on_stream(black_box(message), 1).updates.len();
    }
    let elapsed = start.elapsed();
    assert_applied(&sync, published);
    elapsed
}

/// Parses and applies every message, as a connector does with each one it receives.
fn time_parse_and_apply(session: &Session) -> Duration {
    let mut sync = synced(session);
    let start = Instant::now();
    let mut published = 0_usize;
    for text in &session.messages {
        for message in book_messages(session, black_box(text)) {
            published += sync.on_stream(message, 1).updates.len();
        }
    }
    let elapsed = start.elapsed();
    assert_applied(&sync, published);
    elapsed
}

/// Only real work was timed: every message was applied and none broke the sync.
fn assert_applied(sync: &BookSync, published: usize) {
    assert_eq!(published, MESSAGES, "every message must be applied");
    assert_eq!(sync.resyncs(), 0, "no message may break the sync");
}

fn book_messages(session: &Session, text: &str) -> Vec<BookMessage> {
    let parsed = session
        .protocol
        .parse_message(text, &session.index)
        .unwrap_or_default();
    parsed
        .events
        .into_iter()
        .filter_map(|event| match event {
            StreamEvent::Book(message) => Some(message),
            _ => None,
        })
        .collect()
}

/// Each message changes `changes` levels near the top, half bids and half asks.
fn binance_session(changes: usize) -> Session {
    let instrument = instrument(Venue::Binance, "BTCUSDT");
    let mut random = SplitMix(changes as u64);
    // The snapshot is read from the venue's text too, so its numbers have the venue's
    // eight decimals like the deltas' (mixed scales would make every comparison dearer).
    let (bids, asks) = starting_book();
    let snapshot_text = format!(
        r#"{{"lastUpdateId":1,"bids":{},"asks":{}}}"#,
        binance_levels(&bids),
        binance_levels(&asks)
    );
    let snapshot = Binance
        .parse_snapshot(&instrument, &snapshot_text)
        .unwrap_or_else(|error| panic!("{error}"));
    let delta = |first: i64, last: i64, random: &mut SplitMix| {
        let (bid_levels, ask_levels) = random_changes(random, changes);
        format!(
            r#"{{"stream":"btcusdt@depth@100ms","data":{{"e":"depthUpdate","E":{},"s":"BTCUSDT","U":{first},"u":{last},"b":{bid_levels},"a":{ask_levels}}}}}"#,
            1_700_000_000_000_i64 + last
        )
    };
    // The first delta spans the snapshot's id and the next, as the venue's rule wants.
    let opening = delta(1, 2, &mut random);
    let messages = (3..)
        .take(MESSAGES)
        .map(|id| delta(id, id, &mut random))
        .collect();
    Session {
        protocol: Box::new(Binance),
        index: InstrumentIndex::new([instrument.clone()]),
        symbol: instrument.symbol,
        snapshot,
        snapshot_on_stream: false,
        opening: Some(opening),
        messages,
    }
}

/// OKX `books` updates chained by `prevSeqId`; with `checksum`, each carries the
/// checksum of the book after it, which the sync verifies.
fn okx_session(changes: usize, checksum: bool) -> Session {
    let instrument = instrument(Venue::Okx, "BTC-USDT");
    let mut random = SplitMix(1000 + changes as u64);
    let (bids, asks) = starting_book();
    let mut book = OrderBook::from_levels(&bids, &asks);
    let snapshot = BookMessage {
        symbol: instrument.symbol.clone(),
        kind: quorum_venues::BookMessageKind::Snapshot,
        first_id: 1,
        last_id: 1,
        prev_id: Some(-1),
        bids,
        asks,
        checksum: None,
        event_ms: 0,
    };
    let mut messages = Vec::with_capacity(MESSAGES);
    for sequence in 2..(2 + MESSAGES as i64) {
        let (bid_changes, ask_changes) = random_level_changes(&mut random, changes);
        book.apply_all(Side::Buy, &bid_changes);
        book.apply_all(Side::Sell, &ask_changes);
        let value = if checksum { book_checksum(&book) } else { 0 };
        let rows = |levels: &[Level]| {
            let rows: Vec<String> = levels
                .iter()
                .map(|level| format!(r#"["{}","{}","0","1"]"#, level.price, level.quantity))
                .collect();
            format!("[{}]", rows.join(","))
        };
        messages.push(format!(
            r#"{{"arg":{{"channel":"books","instId":"BTC-USDT"}},"action":"update","data":[{{"asks":{},"bids":{},"ts":"{}","checksum":{value},"prevSeqId":{},"seqId":{sequence}}}]}}"#,
            rows(&ask_changes),
            rows(&bid_changes),
            1_700_000_000_000_i64 + sequence,
            sequence - 1
        ));
    }
    Session {
        protocol: Box::new(Okx),
        index: InstrumentIndex::new([instrument.clone()]),
        symbol: instrument.symbol,
        snapshot,
        snapshot_on_stream: true,
        opening: None,
        messages,
    }
}

fn instrument(venue: Venue, venue_symbol: &str) -> Instrument {
    Instrument {
        venue,
        symbol: Symbol::new("BTC", "USDT").unwrap_or_else(|error| panic!("{error}")),
        venue_symbol: venue_symbol.into(),
        tick_size: Decimal::new(1, 2),
        lot_size: Decimal::new(1, 5),
        min_notional: Decimal::ZERO,
    }
}

/// 400 levels per side around 50000.00, one tick apart.
fn starting_book() -> (Vec<Level>, Vec<Level>) {
    let mut random = SplitMix(7);
    let level = |offset: i64, random: &mut SplitMix| {
        Level::new(Decimal::new(5_000_000 + offset, 2), random.quantity())
    };
    (
        (1..=400).map(|tick| level(-tick, &mut random)).collect(),
        (1..=400).map(|tick| level(tick, &mut random)).collect(),
    )
}

/// Changes within 50 ticks of the top: a quarter remove their level.
fn random_level_changes(random: &mut SplitMix, changes: usize) -> (Vec<Level>, Vec<Level>) {
    let side = |sign: i64, random: &mut SplitMix| -> Vec<Level> {
        (0..changes / 2)
            .map(|_| {
                let tick = 1 + (random.next() % 50) as i64;
                let quantity = if random.next().is_multiple_of(4) {
                    Decimal::ZERO
                } else {
                    random.quantity()
                };
                Level::new(Decimal::new(5_000_000 + sign * tick, 2), quantity)
            })
            .collect()
    };
    let bids = side(-1, random);
    let asks = side(1, random);
    (bids, asks)
}

/// Binance `[["price","qty"],..]` arrays of random changes.
fn random_changes(random: &mut SplitMix, changes: usize) -> (String, String) {
    let (bids, asks) = random_level_changes(random, changes);
    (binance_levels(&bids), binance_levels(&asks))
}

/// Levels as Binance writes them: eight decimals.
fn binance_levels(levels: &[Level]) -> String {
    let rows: Vec<String> = levels
        .iter()
        .map(|level| format!(r#"["{:.8}","{:.8}"]"#, level.price, level.quantity))
        .collect();
    format!("[{}]", rows.join(","))
}

/// A small, fast, seeded generator (SplitMix64), so every run sees the same stream.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut value = self.0;
        value = (value ^ (value >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        value = (value ^ (value >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        value ^ (value >> 31)
    }

    /// A slot in `0..slots` at an exponential distance from 0.
    fn near_top(&mut self, slots: usize) -> usize {
        // A uniform draw in (0, 1]; -ln of it is exponential with mean 1.
        let uniform = ((self.next() >> 11) + 1) as f64 / (1_u64 << 53) as f64;
        ((-uniform.ln() * NEAR_TOP_MEAN) as usize).min(slots - 1)
    }

    /// 0.001 to 10.000.
    fn quantity(&mut self) -> Decimal {
        Decimal::new(1 + (self.next() % 10_000) as i64, 3)
    }
}
