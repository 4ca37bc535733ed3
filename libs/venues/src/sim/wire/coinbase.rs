//! The simulated Coinbase Advanced Trade venue: `/api/v3/brokerage/market/products`
//! and `product_book`, one subscribe message per channel, and the `l2_data` (snapshot on
//! subscribe, then updates), `market_trades` and `heartbeats` envelopes numbered by the
//! connection's `sequence_num`.
use serde::Serialize;
use serde_json::Value;

use super::{
    NO_ORDERS, depth_value, fixed, json, plain, query_value, response, rfc3339_millis,
    rfc3339_nanos,
};
use crate::sim::events::{SimEvent, SimTrade};
use crate::sim::flow::SimMarket;
use crate::sim::stream::{Channel, SimStream};
use crate::sim::venue::SimVenue;
use crate::{RestRequest, RestResponse};
use quorum_domain::{Level, Side};

const DEFAULT_BOOK_DEPTH: usize = 50;

pub(super) fn respond(venue: &SimVenue, request: &RestRequest) -> RestResponse {
    match (request.method, request.path.as_str()) {
        ("GET", "/api/v3/brokerage/market/products") => products(venue),
        ("GET", "/api/v3/brokerage/market/product_book") => product_book(venue, &request.query),
        (_, path) if path.starts_with("/api/v3/brokerage/orders") => {
            error(403, "PERMISSION_DENIED", NO_ORDERS)
        }
        _ => error(
            404,
            "NOT_FOUND",
            &format!(
                "the simulated Coinbase has no endpoint {} {}",
                request.method, request.path
            ),
        ),
    }
}

pub(super) fn receive(venue: &SimVenue, stream: &mut SimStream, text: &str) -> Vec<String> {
    let Ok(request) = serde_json::from_str::<Value>(text) else {
        return vec![stream_error(
            "failure to subscribe: the message is not JSON",
        )];
    };
    let kind = request
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let channel_name = request
        .get("channel")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let channel = match channel_name {
        "level2" => Channel::Book,
        "market_trades" => Channel::Trades,
        "heartbeats" => Channel::Heartbeats,
        _ => return vec![stream_error("failure to subscribe: unknown channel")],
    };
    let mut markets = Vec::new();
    if channel != Channel::Heartbeats {
        let product_ids = request.get("product_ids").and_then(Value::as_array);
        for product in product_ids.into_iter().flatten() {
            let product = product.as_str().unwrap_or_default();
            match venue.market_by_venue_symbol(product) {
                Some(market) => markets.push(Some(market)),
                None => return vec![stream_error("failure to subscribe")],
            }
        }
    } else {
        markets.push(None);
    }
    match kind {
        "subscribe" => {
            for market in &markets {
                stream.subscribe(channel, *market, venue.step(), channel_name);
            }
        }
        "unsubscribe" => {
            for market in &markets {
                stream.unsubscribe(channel, *market);
            }
            return vec![subscriptions(venue, stream)];
        }
        _ => {
            return vec![stream_error(
                "failure to subscribe: type must be subscribe or unsubscribe",
            )];
        }
    }
    let mut replies = vec![subscriptions(venue, stream)];
    for market in markets.into_iter().flatten() {
        let market = &venue.markets()[market];
        let event = match channel {
            Channel::Book => {
                let (bids, asks) = market.book.top(0);
                let updates = level_updates(market, &bids, &asks, "1970-01-01T00:00:00Z");
                json(&BookEvent {
                    kind: "snapshot",
                    product_id: &market.instrument.venue_symbol,
                    updates,
                })
            }
            Channel::Trades => {
                // Newest first, as the venue lists them.
                let trades: Vec<TradeRow> = market
                    .recent_trades
                    .iter()
                    .rev()
                    .map(|trade| TradeRow::new(market, trade))
                    .collect();
                json(&TradesEvent {
                    kind: "snapshot",
                    trades,
                })
            }
            Channel::Heartbeats => continue,
        };
        let channel = if channel == Channel::Book {
            "l2_data"
        } else {
            "market_trades"
        };
        replies.push(envelope(stream, channel, venue.now_ms(), &event));
    }
    replies
}

pub(super) fn encode(market: &SimMarket, stream: &mut SimStream, event: &SimEvent) -> Vec<String> {
    match event {
        SimEvent::Book(change) if !change.is_empty() => {
            let time = rfc3339_nanos(change.event_ms);
            let updates = level_updates(market, &change.bids, &change.asks, &time);
            let event = json(&BookEvent {
                kind: "update",
                product_id: &market.instrument.venue_symbol,
                updates,
            });
            vec![envelope(stream, "l2_data", change.event_ms, &event)]
        }
        SimEvent::Trade(trade) => {
            let event = json(&TradesEvent {
                kind: "update",
                trades: vec![TradeRow::new(market, trade)],
            });
            vec![envelope(stream, "market_trades", trade.event_ms, &event)]
        }
        _ => Vec::new(),
    }
}

/// The connection's heartbeat, once a second while `heartbeats` is subscribed.
pub(super) fn heartbeat(stream: &mut SimStream, now_ms: i64) -> Option<String> {
    let counter = stream.heartbeat_due(now_ms)?;
    let current_time = chrono::DateTime::<chrono::Utc>::from_timestamp_millis(now_ms)
        .unwrap_or_default()
        .format("%Y-%m-%d %H:%M:%S%.9f +0000 UTC")
        .to_string();
    let event = format!(
        r#"{{"current_time":{},"heartbeat_counter":{}}}"#,
        json(&current_time),
        json(&counter.to_string())
    );
    Some(envelope(stream, "heartbeats", now_ms, &event))
}

/// `{"channel","client_id","timestamp","sequence_num","events":[event]}`.
fn envelope(stream: &mut SimStream, channel: &str, time_ms: i64, event: &str) -> String {
    format!(
        r#"{{"channel":{},"client_id":"","timestamp":{},"sequence_num":{},"events":[{event}]}}"#,
        json(&channel),
        json(&rfc3339_nanos(time_ms)),
        stream.take_sequence()
    )
}

/// The `subscriptions` envelope listing everything the connection is subscribed to.
fn subscriptions(venue: &SimVenue, stream: &mut SimStream) -> String {
    let mut entries = Vec::new();
    for (channel, name) in [
        (Channel::Book, "level2"),
        (Channel::Trades, "market_trades"),
    ] {
        let products: Vec<&str> = stream
            .markets_on(channel)
            .into_iter()
            .map(|market| venue.markets()[market].instrument.venue_symbol.as_str())
            .collect();
        if !products.is_empty() {
            entries.push(format!("{}:{}", json(&name), json(&products)));
        }
    }
    if stream.subscribed_since(Channel::Heartbeats, None).is_some() {
        entries.push(r#""heartbeats":["heartbeats"]"#.to_string());
    }
    let event = format!(r#"{{"subscriptions":{{{}}}}}"#, entries.join(","));
    envelope(stream, "subscriptions", venue.now_ms(), &event)
}

fn level_updates<'a>(
    market: &SimMarket,
    bids: &[Level],
    asks: &[Level],
    event_time: &'a str,
) -> Vec<LevelUpdate<'a>> {
    let row = |side, level: &Level| LevelUpdate {
        side,
        event_time,
        price_level: fixed(level.price, market.instrument.price_decimals()),
        new_quantity: plain(level.quantity),
    };
    bids.iter()
        .map(|level| row("bid", level))
        .chain(asks.iter().map(|level| row("offer", level)))
        .collect()
}

fn products(venue: &SimVenue) -> RestResponse {
    let products: Vec<Product> = venue.markets().iter().map(Product::new).collect();
    response(
        200,
        format!(
            r#"{{"products":{},"num_products":{}}}"#,
            json(&products),
            products.len()
        ),
    )
}

fn product_book(venue: &SimVenue, query: &str) -> RestResponse {
    let product = query_value(query, "product_id").unwrap_or_default();
    let Some(index) = venue.market_by_venue_symbol(&product) else {
        return error(404, "NOT_FOUND", "ProductID is invalid");
    };
    let depth = match depth_value(query, "limit", DEFAULT_BOOK_DEPTH) {
        Ok(depth) => depth,
        Err(reason) => return error(400, "INVALID_ARGUMENT", &reason),
    };
    let market = &venue.markets()[index];
    let (bids, asks) = market.book.top(depth);
    let side = |levels: &[Level]| -> Vec<BookLevel> {
        levels
            .iter()
            .map(|level| BookLevel {
                price: fixed(level.price, market.instrument.price_decimals()),
                size: plain(level.quantity),
            })
            .collect()
    };
    let pricebook = format!(
        r#"{{"product_id":{},"bids":{},"asks":{},"time":{}}}"#,
        json(&market.instrument.venue_symbol),
        json(&side(&bids)),
        json(&side(&asks)),
        json(&rfc3339_nanos(venue.now_ms()))
    );
    response(200, format!(r#"{{"pricebook":{pricebook}}}"#))
}

fn error(status: u16, code: &str, message: &str) -> RestResponse {
    response(
        status,
        format!(
            r#"{{"error":{},"error_details":{},"message":{}}}"#,
            json(&code),
            json(&message),
            json(&message)
        ),
    )
}

fn stream_error(message: &str) -> String {
    format!(r#"{{"type":"error","message":{}}}"#, json(&message))
}

#[derive(Serialize)]
struct BookEvent<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    product_id: &'a str,
    updates: Vec<LevelUpdate<'a>>,
}

#[derive(Serialize)]
struct LevelUpdate<'a> {
    side: &'static str,
    event_time: &'a str,
    price_level: String,
    new_quantity: String,
}

#[derive(Serialize)]
struct TradesEvent<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    trades: Vec<TradeRow<'a>>,
}

#[derive(Serialize)]
struct TradeRow<'a> {
    trade_id: String,
    product_id: &'a str,
    price: String,
    size: String,
    /// The taker's side.
    side: &'static str,
    time: String,
}

impl<'a> TradeRow<'a> {
    fn new(market: &'a SimMarket, trade: &SimTrade) -> Self {
        Self {
            trade_id: trade.trade_id.to_string(),
            product_id: &market.instrument.venue_symbol,
            price: fixed(trade.price, market.instrument.price_decimals()),
            size: plain(trade.quantity),
            side: match trade.taker_side {
                Side::Buy => "BUY",
                Side::Sell => "SELL",
            },
            time: rfc3339_millis(trade.event_ms),
        }
    }
}

#[derive(Serialize)]
struct BookLevel {
    price: String,
    size: String,
}

#[derive(Serialize)]
struct Product<'a> {
    product_id: &'a str,
    price: String,
    price_percentage_change_24h: String,
    volume_24h: String,
    base_increment: String,
    quote_increment: String,
    quote_min_size: String,
    quote_max_size: &'static str,
    base_min_size: String,
    base_max_size: &'static str,
    base_name: &'a str,
    quote_name: &'a str,
    is_disabled: bool,
    status: &'static str,
    cancel_only: bool,
    limit_only: bool,
    post_only: bool,
    trading_disabled: bool,
    product_type: &'static str,
    quote_currency_id: &'a str,
    base_currency_id: &'a str,
    mid_market_price: String,
    base_display_symbol: &'a str,
    quote_display_symbol: &'a str,
    view_only: bool,
    price_increment: String,
    display_name: &'a str,
    product_venue: &'static str,
}

impl<'a> Product<'a> {
    fn new(market: &'a SimMarket) -> Self {
        let instrument = &market.instrument;
        let decimals = instrument.price_decimals();
        let mid = market.book.mid().map(|mid| fixed(mid, decimals + 1));
        let last = market.stats.last.map(|last| fixed(last, decimals));
        Self {
            product_id: &instrument.venue_symbol,
            price: last.or_else(|| mid.clone()).unwrap_or_default(),
            price_percentage_change_24h: market.stats.change_percent().to_string(),
            volume_24h: plain(market.stats.base_volume),
            base_increment: plain(instrument.lot_size),
            quote_increment: plain(instrument.tick_size),
            quote_min_size: plain(instrument.min_notional),
            quote_max_size: "150000000",
            base_min_size: plain(instrument.min_quantity),
            base_max_size: "3400",
            base_name: &instrument.base,
            quote_name: &instrument.quote,
            is_disabled: false,
            status: "online",
            cancel_only: false,
            limit_only: false,
            post_only: false,
            trading_disabled: false,
            product_type: "SPOT",
            quote_currency_id: &instrument.quote,
            base_currency_id: &instrument.base,
            mid_market_price: mid.unwrap_or_default(),
            base_display_symbol: &instrument.base,
            quote_display_symbol: &instrument.quote,
            view_only: false,
            price_increment: plain(instrument.tick_size),
            display_name: &instrument.venue_symbol,
            product_venue: "CBE",
        }
    }
}
