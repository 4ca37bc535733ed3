//! Unit tests of the simulated venues: book invariants, update ids, the answers to
//! requests, and how venues relate to the fair price.
use std::collections::HashMap;

use quorum_domain::{Decimal, Side, Symbol, Venue};
use quorum_quant::book::OrderBook;

use super::{SimConfig, SimEvent, SimVenue};
use crate::RestRequest;

/// 2023-11-14 22:13:20 UTC at 100 ms steps.
const START: i64 = 17_000_000_000;

fn venue(kind: Venue) -> SimVenue {
    SimVenue::new(kind, SimConfig::with_seed(7), START).unwrap()
}

fn symbols() -> Vec<Symbol> {
    SimConfig::default().symbols
}

fn assert_healthy(sim: &SimVenue, symbol: &Symbol) {
    let book = sim.book(symbol).unwrap();
    let instrument = sim.instruments().find(|i| &i.symbol == symbol).unwrap();
    assert!(
        !book.is_crossed(),
        "{} {symbol} crossed at step {}",
        sim.venue(),
        sim.step()
    );
    assert!(
        book.bid_levels() >= 5 && book.ask_levels() >= 5,
        "{symbol} thin: {book:?}"
    );
    for side in [Side::Buy, Side::Sell] {
        for level in book.side(side) {
            assert!(
                instrument.tick_size.is_zero() || (level.price % instrument.tick_size).is_zero()
            );
            assert!(
                level.quantity > Decimal::ZERO && (level.quantity % instrument.lot_size).is_zero()
            );
        }
    }
}

#[test]
fn changes_rebuild_the_book_exactly_with_contiguous_ids_and_no_crossing() {
    for kind in Venue::ALL {
        let mut sim = venue(kind);
        let mut copies: HashMap<usize, OrderBook> = HashMap::new();
        let mut last_ids: HashMap<usize, i64> = HashMap::new();
        for (index, symbol) in symbols().iter().enumerate() {
            copies.insert(index, sim.book(symbol).unwrap().clone());
            last_ids.insert(index, sim.update_id(symbol).unwrap());
        }
        let mut trades = 0;
        for _ in 0..1_500 {
            for event in sim.advance(1) {
                match event {
                    SimEvent::Book(change) => {
                        let last = last_ids.get_mut(&change.market).unwrap();
                        assert_eq!(change.previous_id, *last, "{kind}: ids skip");
                        let count = (change.bids.len() + change.asks.len()) as i64;
                        assert_eq!(change.last_id - change.previous_id, count);
                        *last = change.last_id;
                        let copy = copies.get_mut(&change.market).unwrap();
                        copy.apply_all(Side::Buy, &change.bids);
                        copy.apply_all(Side::Sell, &change.asks);
                        assert_eq!(change.checksum.is_some(), kind == Venue::Okx);
                    }
                    SimEvent::Trade(trade) => {
                        assert!(trade.quantity > Decimal::ZERO);
                        trades += 1;
                    }
                    SimEvent::Ticker(_) => {}
                }
            }
            for symbol in symbols() {
                assert_healthy(&sim, &symbol);
            }
        }
        assert!(trades > 200, "{kind}: only {trades} trades in 1500 steps");
        for (index, symbol) in symbols().iter().enumerate() {
            assert_eq!(
                &copies[&index],
                sim.book(symbol).unwrap(),
                "{kind} {symbol}"
            );
            assert_eq!(last_ids[&index], sim.update_id(symbol).unwrap());
        }
    }
}

#[test]
fn venues_quote_around_the_fair_price_without_being_equal() {
    let mut sims: Vec<SimVenue> = Venue::ALL.iter().map(|kind| venue(*kind)).collect();
    let btc: Symbol = "BTC-USDT".parse().unwrap();
    for sim in &mut sims {
        sim.advance(600);
    }
    let fair = sims[0].model().fair_price(&btc, START + 600).unwrap();
    let mids: Vec<f64> = sims
        .iter()
        .map(|sim| {
            sim.book(&btc)
                .unwrap()
                .mid()
                .unwrap()
                .to_string()
                .parse::<f64>()
                .unwrap()
        })
        .collect();
    for (mid, kind) in mids.iter().zip(Venue::ALL) {
        let distance = (mid / fair - 1.0).abs();
        assert!(
            distance < 0.003,
            "{kind} mid {mid} is {distance} away from fair {fair}"
        );
    }
    assert!(
        mids.windows(2).any(|pair| pair[0] != pair[1]),
        "all venues equal: {mids:?}"
    );
}

#[test]
fn a_long_pause_rebuilds_each_book_in_one_change() {
    let mut sim = venue(Venue::Binance);
    let btc: Symbol = "BTC-USDT".parse().unwrap();
    let mut copy = sim.book(&btc).unwrap().clone();
    let events = sim.advance(50_000);
    let changes: Vec<_> = events
        .iter()
        .filter_map(|event| match event {
            SimEvent::Book(change) if change.market == 0 => Some(change),
            _ => None,
        })
        .collect();
    assert_eq!(changes.len(), 1);
    copy.apply_all(Side::Buy, &changes[0].bids);
    copy.apply_all(Side::Sell, &changes[0].asks);
    assert_eq!(&copy, sim.book(&btc).unwrap());
    assert_eq!(sim.step(), START + 50_000);
    assert_healthy(&sim, &btc);
}

#[test]
fn requests_get_the_venue_answer_or_its_error() {
    let binance = venue(Venue::Binance);
    let depth = binance.respond(&RestRequest::get("/api/v3/depth", "symbol=BTCUSDT&limit=5"));
    assert_eq!(depth.status, 200);
    let body: serde_json::Value = serde_json::from_str(&depth.body).unwrap();
    assert_eq!(body["bids"].as_array().unwrap().len(), 5);
    assert_eq!(
        body["lastUpdateId"],
        binance.update_id(&"BTC-USDT".parse().unwrap()).unwrap()
    );
    let unknown = binance.respond(&RestRequest::get("/api/v3/depth", "symbol=DOGEUSDT"));
    assert_eq!(
        (unknown.status, unknown.body.as_str()),
        (400, r#"{"code":-1121,"msg":"Invalid symbol."}"#)
    );
    let mut order = RestRequest::get("/api/v3/order", "symbol=BTCUSDT");
    order.method = "POST";
    let refused = binance.respond(&order);
    assert_eq!(refused.status, 403);
    assert!(
        refused.body.contains("never executes orders"),
        "{}",
        refused.body
    );
    assert_eq!(
        binance.respond(&RestRequest::get("/nowhere", "")).status,
        404
    );

    let gate = venue(Venue::Gateio);
    let without_id = gate.respond(&RestRequest::get(
        "/api/v4/spot/order_book",
        "currency_pair=BTC_USDT",
    ));
    assert!(!without_id.body.contains("\"id\""), "{}", without_id.body);
    let with_id = gate.respond(&RestRequest::get(
        "/api/v4/spot/order_book",
        "currency_pair=BTC_USDT&with_id=true",
    ));
    assert!(with_id.body.starts_with("{\"id\":"), "{}", with_id.body);
    let bad_limit = gate.respond(&RestRequest::get(
        "/api/v4/spot/order_book",
        "currency_pair=BTC_USDT&limit=x",
    ));
    assert_eq!(bad_limit.status, 400);
}

#[test]
fn streams_answer_pings_subscriptions_and_bad_requests_like_the_venue() {
    let okx = venue(Venue::Okx);
    let mut stream = okx.open_stream();
    assert_eq!(okx.receive(&mut stream, "ping"), ["pong"]);
    let refused = okx.receive(
        &mut stream,
        r#"{"op":"subscribe","args":[{"channel":"books","instId":"DOGE-USDT"}]}"#,
    );
    assert!(
        refused[0].starts_with(r#"{"event":"error","code":"60018""#),
        "{refused:?}"
    );
    let subscribed = okx.receive(
        &mut stream,
        r#"{"op":"subscribe","args":[{"channel":"books","instId":"BTC-USDT"}]}"#,
    );
    assert_eq!(subscribed.len(), 2);
    assert!(
        subscribed[1].contains(r#""action":"snapshot""#)
            && subscribed[1].contains(r#""prevSeqId":-1"#)
    );

    let gate = venue(Venue::Gateio);
    let mut stream = gate.open_stream();
    let pong = gate.receive(&mut stream, r#"{"time":1,"channel":"spot.ping"}"#);
    assert!(pong[0].contains(r#""channel":"spot.pong""#), "{pong:?}");

    let coinbase = venue(Venue::Coinbase);
    let mut stream = coinbase.open_stream();
    let refused = coinbase.receive(
        &mut stream,
        r#"{"type":"subscribe","product_ids":["DOGE-USD"],"channel":"level2"}"#,
    );
    assert_eq!(
        refused,
        [r#"{"type":"error","message":"failure to subscribe"}"#]
    );
    assert!(!stream.is_subscribed());

    let binance = venue(Venue::Binance);
    let mut stream = binance.open_stream();
    let refused = binance.receive(&mut stream, r#"{"method":"SUBSCRIB","params":[],"id":3}"#);
    assert!(refused[0].starts_with(r#"{"error":{"code":2,"#) && refused[0].ends_with(r#""id":3}"#));
}

#[test]
fn coinbase_numbers_every_message_of_a_connection_and_beats_once_a_second() {
    let mut sim = venue(Venue::Coinbase);
    let mut stream = sim.stream_all();
    let events = sim.advance(50);
    let messages = sim.encode_all(&mut stream, &events);
    let sequences: Vec<u64> = messages
        .iter()
        .map(|text| {
            serde_json::from_str::<serde_json::Value>(text).unwrap()["sequence_num"]
                .as_u64()
                .unwrap()
        })
        .collect();
    assert_eq!(sequences, (0..messages.len() as u64).collect::<Vec<_>>());
    let heartbeats = messages
        .iter()
        .filter(|text| text.contains(r#""channel":"heartbeats""#))
        .count();
    assert_eq!(heartbeats, 5, "50 steps of 100 ms");
}

#[test]
fn symbols_that_are_one_market_on_a_venue_are_refused() {
    let config = SimConfig {
        symbols: vec!["BTC-USDT".parse().unwrap(), "btc-usdt".parse().unwrap()],
        ..SimConfig::default()
    };
    let refused = SimVenue::new(Venue::Coinbase, config, START).unwrap_err();
    assert!(
        refused.to_string().contains("BTC-USDT and BTC-USDT"),
        "{refused}"
    );
    // USD and USDT quotes are two markets, on Coinbase as elsewhere.
    let both = SimConfig {
        symbols: vec!["BTC-USDT".parse().unwrap(), "BTC-USD".parse().unwrap()],
        ..SimConfig::default()
    };
    assert_eq!(
        SimVenue::new(Venue::Coinbase, both, START)
            .unwrap()
            .instruments()
            .len(),
        2
    );
    let empty = SimConfig {
        symbols: Vec::new(),
        ..SimConfig::default()
    };
    assert!(SimVenue::new(Venue::Okx, empty, START).is_err());
    let no_step = SimConfig {
        step_ms: 0,
        ..SimConfig::default()
    };
    assert!(SimVenue::new(Venue::Okx, no_step, START).is_err());
}
