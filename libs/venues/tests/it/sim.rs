//! The simulated market read by each venue's own parser and book sync: books sync and
//! end identical to the simulated venue's, never cross, trades read back exactly, and
//! the same seed gives the same messages. Also through `SimTransport` in real time.
use std::collections::HashMap;
use std::time::Duration;

use quorum_domain::{Instrument, Symbol, Trade, Venue};
use quorum_venues::binance::Binance;
use quorum_venues::coinbase::Coinbase;
use quorum_venues::gateio::Gateio;
use quorum_venues::okx::Okx;
use quorum_venues::sim::{SimConfig, SimEvent, SimTrade, SimTransport, SimVenue};
use quorum_venues::{
    BookSync, ConnectionSequence, InstrumentIndex, RestRequest, StreamEvent, SyncState, Transport,
    TransportError, VenueProtocol,
};

/// 2023-11-14 22:13:20 UTC at 100 ms steps.
const START: i64 = 17_000_000_000;
const STEPS: u32 = 400;
/// Deeper than any simulated book, so a snapshot holds every level.
const SNAPSHOT_DEPTH: u32 = 400;

pub fn protocol(venue: Venue) -> Box<dyn VenueProtocol> {
    match venue {
        Venue::Binance => Box::new(Binance),
        Venue::Coinbase => Box::new(Coinbase),
        Venue::Okx => Box::new(Okx),
        Venue::Gateio => Box::new(Gateio),
    }
}

/// A connector in miniature: the venue's parser, one book sync per instrument, the
/// connection's sequence, and the trades read.
pub struct Client {
    pub protocol: Box<dyn VenueProtocol>,
    pub instruments: Vec<Instrument>,
    pub index: InstrumentIndex,
    pub syncs: HashMap<Symbol, BookSync>,
    pub connection: ConnectionSequence,
    pub trades: Vec<Trade>,
    /// Step of the last book message applied, per symbol (from its event time).
    pub last_event_ms: HashMap<Symbol, i64>,
    /// Drop OKX stream snapshots, to sync from the REST snapshot instead.
    pub ignore_stream_snapshots: bool,
    /// Every stream message read, in order.
    pub received: Vec<String>,
}

impl Client {
    pub fn new(venue: Venue, instruments_body: &str) -> Self {
        let protocol = protocol(venue);
        let instruments = protocol.parse_instruments(instruments_body).unwrap();
        let syncs = instruments
            .iter()
            .map(|instrument| {
                let sync = BookSync::new(venue, instrument.symbol.clone(), protocol.sync_rule());
                (instrument.symbol.clone(), sync)
            })
            .collect();
        Self {
            index: InstrumentIndex::new(instruments.clone()),
            protocol,
            instruments,
            syncs,
            connection: ConnectionSequence::new(),
            trades: Vec::new(),
            last_event_ms: HashMap::new(),
            ignore_stream_snapshots: false,
            received: Vec::new(),
        }
    }

    pub fn subscribe_messages(&self, now_ms: i64) -> Vec<String> {
        self.protocol
            .subscribe_messages(&self.instruments, None, now_ms)
            .unwrap()
    }

    /// Reads one stream message; returns the instruments whose REST snapshot is needed.
    pub fn handle(&mut self, text: &str) -> Vec<Instrument> {
        self.received.push(text.to_string());
        let parsed = self
            .protocol
            .parse_message(text, &self.index)
            .unwrap_or_else(|error| panic!("{text}: {error}"));
        if let Some(sequence) = parsed.connection_sequence {
            assert!(!self.connection.observe(sequence), "sequence gap at {text}");
        }
        let mut wanted = Vec::new();
        for event in parsed.events {
            match event {
                StreamEvent::Book(message) => {
                    let snapshot = message.kind == quorum_venues::BookMessageKind::Snapshot;
                    if snapshot && self.ignore_stream_snapshots {
                        continue;
                    }
                    let symbol = message.symbol.clone();
                    let event_ms = message.event_ms;
                    let sync = self.syncs.get_mut(&symbol).unwrap();
                    let step = sync.on_stream(message, 0);
                    assert!(!step.resubscribe, "{symbol}: resubscribe asked at {text}");
                    if step.need_snapshot {
                        wanted.push(self.index.by_symbol(&symbol).unwrap().clone());
                    }
                    if sync.state() == SyncState::Synced {
                        self.last_event_ms.insert(symbol, event_ms);
                    }
                }
                StreamEvent::Trade(trade) => self.trades.push(trade),
                StreamEvent::Ticker(_) => {}
            }
        }
        wanted
    }

    pub fn snapshot_request(&self, instrument: &Instrument) -> RestRequest {
        self.protocol
            .snapshot_request(instrument, SNAPSHOT_DEPTH)
            .unwrap_or_else(|| panic!("{} asked for a REST snapshot", instrument.venue))
    }

    pub fn apply_snapshot(&mut self, instrument: &Instrument, body: &str) {
        let snapshot = self.protocol.parse_snapshot(instrument, body).unwrap();
        let sync = self.syncs.get_mut(&instrument.symbol).unwrap();
        let step = sync.on_snapshot(snapshot, 0);
        assert!(
            !step.resubscribe,
            "{}: resubscribe after a snapshot",
            instrument.symbol
        );
    }

    /// Every synced book is uncrossed.
    pub fn assert_uncrossed(&self) {
        for (symbol, sync) in &self.syncs {
            if let Some(book) = sync.book() {
                assert!(!book.is_crossed(), "{symbol} crossed: {book:?}");
            }
        }
    }
}

/// Feeds messages to the client, answering its snapshot requests from the venue.
fn deliver(client: &mut Client, venue: &SimVenue, messages: &[String]) {
    for message in messages {
        for instrument in client.handle(message) {
            let answer = venue.respond(&client.snapshot_request(&instrument));
            assert_eq!(answer.status, 200, "{}", answer.body);
            client.apply_snapshot(&instrument, &answer.body);
        }
    }
}

/// Runs `STEPS` steps of one simulated venue through its protocol's client.
fn run_through_parser(
    kind: Venue,
    ignore_stream_snapshots: bool,
) -> (SimVenue, Client, Vec<SimTrade>) {
    let mut venue = SimVenue::new(kind, SimConfig::with_seed(11), START).unwrap();
    let instruments = venue.respond(&client_of(kind).protocol.instruments_request());
    assert_eq!(instruments.status, 200);
    let mut client = Client::new(kind, &instruments.body);
    client.ignore_stream_snapshots = ignore_stream_snapshots;
    assert_eq!(
        client.instruments.len(),
        venue.instruments().len(),
        "{kind}: instruments"
    );
    let mut stream = venue.open_stream();
    for message in client.subscribe_messages(venue.now_ms()) {
        let replies = venue.receive(&mut stream, &message);
        deliver(&mut client, &venue, &replies);
    }
    assert!(
        stream.is_subscribed(),
        "{kind}: the subscribe messages subscribed nothing"
    );
    let mut trades = Vec::new();
    for _ in 0..STEPS {
        let events = venue.advance(1);
        trades.extend(events.iter().filter_map(|event| match event {
            SimEvent::Trade(trade) => Some(trade.clone()),
            _ => None,
        }));
        let messages = venue.encode_all(&mut stream, &events);
        deliver(&mut client, &venue, &messages);
        client.assert_uncrossed();
    }
    (venue, client, trades)
}

fn client_of(kind: Venue) -> Client {
    Client {
        protocol: protocol(kind),
        instruments: Vec::new(),
        index: InstrumentIndex::default(),
        syncs: HashMap::new(),
        connection: ConnectionSequence::new(),
        trades: Vec::new(),
        last_event_ms: HashMap::new(),
        ignore_stream_snapshots: false,
        received: Vec::new(),
    }
}

fn assert_books_and_trades_match(
    kind: Venue,
    venue: &SimVenue,
    client: &Client,
    trades: &[SimTrade],
) {
    for instrument in &client.instruments {
        let sync = &client.syncs[&instrument.symbol];
        let expected = venue
            .book_by_venue_symbol(&instrument.venue_symbol)
            .unwrap();
        assert_eq!(
            sync.state(),
            SyncState::Synced,
            "{kind} {}",
            instrument.symbol
        );
        assert_eq!(
            sync.book(),
            Some(expected),
            "{kind} {}: books differ",
            instrument.symbol
        );
        assert_eq!(sync.resyncs(), 0, "{kind} {}", instrument.symbol);
        assert!(expected.bid_levels() > 5 && expected.ask_levels() > 5);
    }
    assert!(trades.len() > 50, "{kind}: only {} trades", trades.len());
    assert_eq!(client.trades.len(), trades.len(), "{kind}: trades read");
    for (read, made) in client.trades.iter().zip(trades) {
        assert_eq!(read.venue, kind);
        assert_eq!(read.trade_id, made.trade_id.to_string());
        assert_eq!((read.price, read.quantity), (made.price, made.quantity));
        assert_eq!(read.taker_side, made.taker_side);
        assert_eq!(read.traded_at_ms, made.event_ms);
    }
}

#[test]
fn binance_books_sync_and_match_the_venue() {
    let (venue, client, trades) = run_through_parser(Venue::Binance, false);
    assert_books_and_trades_match(Venue::Binance, &venue, &client, &trades);
}

#[test]
fn gateio_books_sync_and_match_the_venue() {
    let (venue, client, trades) = run_through_parser(Venue::Gateio, false);
    assert_books_and_trades_match(Venue::Gateio, &venue, &client, &trades);
}

#[test]
fn okx_books_sync_from_the_stream_snapshot_and_match_the_venue() {
    let (venue, client, trades) = run_through_parser(Venue::Okx, false);
    assert_books_and_trades_match(Venue::Okx, &venue, &client, &trades);
}

#[test]
fn okx_books_also_sync_from_the_rest_snapshot() {
    let (venue, client, trades) = run_through_parser(Venue::Okx, true);
    assert_books_and_trades_match(Venue::Okx, &venue, &client, &trades);
}

#[test]
fn coinbase_books_sync_from_level2_and_match_the_venue() {
    let (venue, client, trades) = run_through_parser(Venue::Coinbase, false);
    assert_books_and_trades_match(Venue::Coinbase, &venue, &client, &trades);
    assert!(
        client.connection.last().unwrap() > u64::from(STEPS),
        "sequence numbers advance"
    );
}

#[test]
fn the_same_seed_gives_the_same_messages_and_another_seed_others() {
    let messages = |kind: Venue, seed: u64| -> Vec<String> {
        let mut venue = SimVenue::new(kind, SimConfig::with_seed(seed), START).unwrap();
        let mut stream = venue.stream_all();
        let events = venue.advance(200);
        venue.encode_all(&mut stream, &events)
    };
    for kind in Venue::ALL {
        let first = messages(kind, 5);
        assert!(first.len() > 200, "{kind}: {} messages", first.len());
        assert_eq!(
            first,
            messages(kind, 5),
            "{kind}: same seed, other messages"
        );
        assert_ne!(
            first,
            messages(kind, 6),
            "{kind}: other seed, same messages"
        );
    }
}

#[test]
fn venues_of_one_seed_share_the_fair_price_but_not_their_books() {
    let btc: Symbol = "BTC-USDT".parse().unwrap();
    let venues: Vec<SimVenue> = Venue::ALL
        .iter()
        .map(|kind| {
            let mut venue = SimVenue::new(*kind, SimConfig::with_seed(3), START).unwrap();
            venue.advance(100);
            venue
        })
        .collect();
    let fair: Vec<f64> = venues
        .iter()
        .map(|venue| venue.model().fair_price(&btc, venue.step()).unwrap())
        .collect();
    assert!(fair.windows(2).all(|pair| pair[0] == pair[1]), "{fair:?}");
    let best_bids: Vec<_> = venues
        .iter()
        .map(|venue| venue.book(&btc).unwrap().best_bid().unwrap().price)
        .collect();
    assert!(
        best_bids.windows(2).any(|pair| pair[0] != pair[1]),
        "{best_bids:?}"
    );
}

/// Reads a transport as a connector does for `duration`, or to the end of a recording.
pub async fn read_transport(kind: Venue, transport: &dyn Transport, duration: Duration) -> Client {
    let instruments = transport
        .request(client_of(kind).protocol.instruments_request())
        .await
        .unwrap();
    let mut client = Client::new(kind, &instruments.body);
    let mut connection = transport.connect().await.unwrap();
    for message in client.subscribe_messages(chrono::Utc::now().timestamp_millis()) {
        connection.send(message).await.unwrap();
    }
    let deadline = tokio::time::Instant::now() + duration;
    while tokio::time::Instant::now() < deadline {
        let message = match tokio::time::timeout(Duration::from_secs(5), connection.next())
            .await
            .expect("no message within 5 s")
        {
            Ok(message) => message,
            Err(TransportError::EndOfRecording) => break,
            Err(error) => panic!("{kind}: {error}"),
        };
        for instrument in client.handle(&message) {
            let answer = transport
                .request(client.snapshot_request(&instrument))
                .await
                .unwrap();
            client.apply_snapshot(&instrument, &answer.body);
        }
        client.assert_uncrossed();
    }
    client
}

/// The client's books equal a replica of the venue run to the step each book reached.
pub fn assert_matches_replica(kind: Venue, config: &SimConfig, start_step: i64, client: &Client) {
    for instrument in &client.instruments {
        let sync = &client.syncs[&instrument.symbol];
        let book = sync
            .book()
            .unwrap_or_else(|| panic!("{kind} {} never synced", instrument.symbol));
        let event_ms = client.last_event_ms[&instrument.symbol];
        let mut replica = SimVenue::new(kind, config.clone(), start_step).unwrap();
        replica.advance_to(event_ms / config.step_ms);
        assert_eq!(
            Some(book),
            replica.book_by_venue_symbol(&instrument.venue_symbol),
            "{kind} {}: the client's book is not the venue's",
            instrument.symbol
        );
    }
}

#[tokio::test]
async fn sim_transport_streams_in_real_time_to_each_venue_parser() {
    let config = SimConfig {
        step_ms: 20,
        ..SimConfig::with_seed(21)
    };
    for kind in Venue::ALL {
        let transport = SimTransport::new(kind, config.clone()).unwrap();
        let started = tokio::time::Instant::now();
        let client = read_transport(kind, &transport, Duration::from_millis(700)).await;
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "{kind}: too slow"
        );
        assert!(!client.last_event_ms.is_empty(), "{kind}: no book synced");
        assert_matches_replica(kind, &config, transport.start_step(), &client);
        let latest_read = client
            .last_event_ms
            .values()
            .max()
            .copied()
            .unwrap_or_default();
        let venue_now = transport.inspect(|venue| venue.now_ms());
        assert!(
            venue_now >= latest_read,
            "{kind}: the client read the future"
        );
        // Orders are never executed by the simulated market.
        let mut order = client.protocol.place_order_request(
            &client.instruments[0],
            &quorum_venues::OrderRequest {
                client_order_id: "test-1".into(),
                side: quorum_domain::Side::Buy,
                order_type: quorum_domain::OrderType::Limit,
                time_in_force: quorum_domain::TimeInForce::Gtc,
                post_only: false,
                quantity: client.instruments[0].lot_size,
                price: Some(client.instruments[0].tick_size * quorum_domain::Decimal::from(1000)),
            },
            0,
        );
        order.headers.clear();
        let answer = transport.request(order).await.unwrap();
        let refusal = client
            .protocol
            .parse_order_response(answer.status, &answer.body);
        assert!(
            matches!(refusal, Err(quorum_venues::ParseError::Venue { ref message, .. }) if message.contains("never executes orders")),
            "{kind}: {refusal:?} from {} {}",
            answer.status,
            answer.body
        );
    }
}
