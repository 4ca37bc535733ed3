//! The simulated Gate.io v4 spot venue: `/api/v4/spot/currency_pairs`,
//! `/api/v4/spot/order_book` (with `id` when `with_id=true`), subscribe requests, and
//! `spot.order_book_update` (`U`/`u` ids) and `spot.trades` pushes.
use serde::Serialize;
use serde_json::Value;

use super::{NO_ORDERS, depth_value, fixed, json, plain, query_value, response};
use crate::sim::events::{BookChange, SimEvent, SimTrade};
use crate::sim::flow::SimMarket;
use crate::sim::stream::{Channel, SimStream};
use crate::sim::venue::SimVenue;
use crate::{RestRequest, RestResponse};
use quorum_domain::{Level, Side};

const DEFAULT_DEPTH: usize = 10;
const MAX_DEPTH: usize = 1_000;

pub(super) fn respond(venue: &SimVenue, request: &RestRequest) -> RestResponse {
    match (request.method, request.path.as_str()) {
        ("GET", "/api/v4/spot/currency_pairs") => currency_pairs(venue),
        ("GET", "/api/v4/spot/order_book") => order_book(venue, &request.query),
        (_, path) if path.starts_with("/api/v4/spot/orders") => error(403, "FORBIDDEN", NO_ORDERS),
        _ => error(
            404,
            "NOT_FOUND",
            &format!(
                "the simulated Gate.io has no endpoint {} {}",
                request.method, request.path
            ),
        ),
    }
}

pub(super) fn receive(venue: &SimVenue, stream: &mut SimStream, text: &str) -> Vec<String> {
    let now_ms = venue.now_ms();
    let Ok(request) = serde_json::from_str::<Value>(text) else {
        return vec![answer(
            now_ms,
            &Value::Null,
            "",
            "",
            Err("invalid request: not JSON"),
        )];
    };
    let id = request.get("id").cloned().unwrap_or(Value::Null);
    let channel_name = request
        .get("channel")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let event = request
        .get("event")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if channel_name == "spot.ping" {
        return vec![format!(
            r#"{{"time":{},"time_ms":{now_ms},"channel":"spot.pong","event":"","result":null}}"#,
            now_ms / 1_000
        )];
    }
    let channel = match channel_name {
        "spot.order_book_update" => Channel::Book,
        "spot.trades" => Channel::Trades,
        _ => {
            return vec![answer(
                now_ms,
                &id,
                channel_name,
                event,
                Err("unknown channel"),
            )];
        }
    };
    if !matches!(event, "subscribe" | "unsubscribe") {
        return vec![answer(
            now_ms,
            &id,
            channel_name,
            event,
            Err("unknown event"),
        )];
    }
    let payload: Vec<&str> = request
        .get("payload")
        .and_then(Value::as_array)
        .map(|payload| payload.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    // The book channel's payload is [pair, interval]; the trades channel lists pairs.
    let pairs = match channel {
        Channel::Book => payload.into_iter().take(1).collect::<Vec<_>>(),
        _ => payload,
    };
    let mut markets = Vec::new();
    for pair in &pairs {
        match venue.market_by_venue_symbol(pair) {
            Some(market) => markets.push(market),
            None => {
                let reason = format!("unknown currency pair: {pair}");
                return vec![answer(now_ms, &id, channel_name, event, Err(&reason))];
            }
        }
    }
    if markets.is_empty() {
        return vec![answer(
            now_ms,
            &id,
            channel_name,
            event,
            Err("payload names no currency pair"),
        )];
    }
    for market in markets {
        if event == "subscribe" {
            stream.subscribe(channel, Some(market), venue.step(), channel_name);
        } else {
            stream.unsubscribe(channel, Some(market));
        }
    }
    vec![answer(now_ms, &id, channel_name, event, Ok(()))]
}

pub(super) fn encode(market: &SimMarket, event: &SimEvent) -> Vec<String> {
    match event {
        SimEvent::Book(change) if !change.is_empty() => vec![push(
            change.event_ms,
            "spot.order_book_update",
            &json(&BookUpdate::new(market, change)),
        )],
        SimEvent::Trade(trade) => vec![push(
            trade.event_ms,
            "spot.trades",
            &json(&TradeUpdate::new(market, trade)),
        )],
        _ => Vec::new(),
    }
}

fn push(time_ms: i64, channel: &str, result: &str) -> String {
    format!(
        r#"{{"time":{},"time_ms":{time_ms},"channel":{},"event":"update","result":{result}}}"#,
        time_ms / 1_000,
        json(&channel)
    )
}

/// The answer to a subscribe or unsubscribe request.
fn answer(
    now_ms: i64,
    id: &Value,
    channel: &str,
    event: &str,
    outcome: Result<(), &str>,
) -> String {
    let tail = match outcome {
        Ok(()) => r#""result":{"status":"success"}"#.to_string(),
        Err(reason) => format!(
            r#""error":{{"code":2,"message":{}}},"result":{{"status":"fail"}}"#,
            json(&reason)
        ),
    };
    format!(
        r#"{{"time":{},"time_ms":{now_ms},"id":{id},"channel":{},"event":{},{tail}}}"#,
        now_ms / 1_000,
        json(&channel),
        json(&event)
    )
}

fn currency_pairs(venue: &SimVenue) -> RestResponse {
    let pairs: Vec<CurrencyPair> = venue
        .markets()
        .iter()
        .map(|market| {
            let instrument = &market.instrument;
            CurrencyPair {
                id: &instrument.venue_symbol,
                base: &instrument.base,
                base_name: &instrument.base,
                quote: &instrument.quote,
                quote_name: &instrument.quote,
                fee: "0.2",
                min_base_amount: plain(instrument.min_quantity),
                min_quote_amount: plain(instrument.min_notional),
                max_base_amount: "",
                max_quote_amount: "5000000",
                amount_precision: instrument.quantity_decimals(),
                precision: instrument.price_decimals(),
                trade_status: "tradable",
                sell_start: 1_516_378_650,
                buy_start: 1_516_378_650,
                delisting_time: 0,
                trade_url: format!("https://www.gate.io/trade/{}", instrument.venue_symbol),
                st_tag: false,
            }
        })
        .collect();
    response(200, json(&pairs))
}

fn order_book(venue: &SimVenue, query: &str) -> RestResponse {
    let pair = query_value(query, "currency_pair").unwrap_or_default();
    let Some(index) = venue.market_by_venue_symbol(&pair) else {
        return error(
            400,
            "INVALID_CURRENCY_PAIR",
            &format!("Invalid currency pair {pair}"),
        );
    };
    let depth = match depth_value(query, "limit", DEFAULT_DEPTH) {
        Ok(depth) => depth.min(MAX_DEPTH),
        Err(reason) => return error(400, "INVALID_PARAM_VALUE", &reason),
    };
    let market = &venue.markets()[index];
    let (bids, asks) = market.book.top(depth);
    let with_id = query_value(query, "with_id").is_some_and(|value| value == "true");
    let now_ms = venue.now_ms();
    response(
        200,
        json(&OrderBook {
            id: with_id.then_some(market.update_id),
            current: now_ms,
            update: now_ms,
            asks: levels(market, &asks),
            bids: levels(market, &bids),
        }),
    )
}

fn error(status: u16, label: &str, message: &str) -> RestResponse {
    response(
        status,
        format!(
            r#"{{"label":{},"message":{}}}"#,
            json(&label),
            json(&message)
        ),
    )
}

fn levels(market: &SimMarket, levels: &[Level]) -> Vec<[String; 2]> {
    levels
        .iter()
        .map(|level| {
            [
                fixed(level.price, market.instrument.price_decimals()),
                plain(level.quantity),
            ]
        })
        .collect()
}

#[derive(Serialize)]
struct OrderBook {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<i64>,
    current: i64,
    update: i64,
    asks: Vec<[String; 2]>,
    bids: Vec<[String; 2]>,
}

#[derive(Serialize)]
struct BookUpdate<'a> {
    t: i64,
    e: &'static str,
    /// Seconds, as the venue sends it.
    #[serde(rename = "E")]
    event_seconds: i64,
    s: &'a str,
    #[serde(rename = "U")]
    first_id: i64,
    u: i64,
    b: Vec<[String; 2]>,
    a: Vec<[String; 2]>,
}

impl<'a> BookUpdate<'a> {
    fn new(market: &'a SimMarket, change: &BookChange) -> Self {
        Self {
            t: change.event_ms,
            e: "depthUpdate",
            event_seconds: change.event_ms / 1_000,
            s: &market.instrument.venue_symbol,
            first_id: change.first_id(),
            u: change.last_id,
            b: levels(market, &change.bids),
            a: levels(market, &change.asks),
        }
    }
}

#[derive(Serialize)]
struct TradeUpdate<'a> {
    id: i64,
    create_time: i64,
    create_time_ms: String,
    /// The taker's side.
    side: &'static str,
    currency_pair: &'a str,
    amount: String,
    price: String,
    range: String,
}

impl<'a> TradeUpdate<'a> {
    fn new(market: &'a SimMarket, trade: &SimTrade) -> Self {
        Self {
            id: trade.trade_id,
            create_time: trade.event_ms / 1_000,
            create_time_ms: format!("{}.0000", trade.event_ms),
            side: match trade.taker_side {
                Side::Buy => "buy",
                Side::Sell => "sell",
            },
            currency_pair: &market.instrument.venue_symbol,
            amount: plain(trade.quantity),
            price: fixed(trade.price, market.instrument.price_decimals()),
            range: format!("{0}-{0}", trade.trade_id),
        }
    }
}

#[derive(Serialize)]
struct CurrencyPair<'a> {
    id: &'a str,
    base: &'a str,
    base_name: &'a str,
    quote: &'a str,
    quote_name: &'a str,
    fee: &'static str,
    min_base_amount: String,
    min_quote_amount: String,
    max_base_amount: &'static str,
    max_quote_amount: &'static str,
    amount_precision: u32,
    precision: u32,
    trade_status: &'static str,
    sell_start: i64,
    buy_start: i64,
    delisting_time: i64,
    trade_url: String,
    st_tag: bool,
}
