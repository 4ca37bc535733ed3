//! The simulated Binance spot venue: `/api/v3/exchangeInfo`, `/api/v3/depth`, the
//! SUBSCRIBE request, and `depthUpdate` / `trade` pushes on the combined stream
//! (`{"stream":..,"data":..}`), numbers with Binance's eight decimals.
use serde::Serialize;
use serde_json::Value;

use super::{NO_ORDERS, depth_value, fixed, json, query_value, response};
use crate::sim::events::{BookChange, SimEvent, SimTrade};
use crate::sim::flow::SimMarket;
use crate::sim::stream::{Channel, SimStream};
use crate::sim::venue::SimVenue;
use crate::{RestRequest, RestResponse};
use quorum_domain::{Decimal, Level, Side};

const DECIMALS: u32 = 8;
const DEFAULT_DEPTH: usize = 100;
const MAX_DEPTH: usize = 5_000;

pub(super) fn respond(venue: &SimVenue, request: &RestRequest) -> RestResponse {
    match (request.method, request.path.as_str()) {
        ("GET", "/api/v3/exchangeInfo") => response(200, exchange_info(venue)),
        ("GET", "/api/v3/depth") => depth(venue, &request.query),
        (_, "/api/v3/order" | "/api/v3/order/test" | "/api/v3/openOrders") => {
            error(403, -2015, NO_ORDERS)
        }
        _ => error(
            404,
            -1000,
            &format!(
                "the simulated Binance has no endpoint {} {}",
                request.method, request.path
            ),
        ),
    }
}

pub(super) fn receive(venue: &SimVenue, stream: &mut SimStream, text: &str) -> Vec<String> {
    let Ok(request) = serde_json::from_str::<Value>(text) else {
        return vec![request_error(
            Value::Null,
            "Invalid JSON: expected a JSON object",
        )];
    };
    let id = request.get("id").cloned().unwrap_or(Value::Null);
    let params: Vec<&str> = request
        .get("params")
        .and_then(Value::as_array)
        .map(|params| params.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    match request.get("method").and_then(Value::as_str) {
        Some("SUBSCRIBE") => {
            for name in params {
                if let Some((channel, market)) = parse_stream_name(venue, name) {
                    stream.subscribe(channel, Some(market), venue.step(), name);
                }
            }
            vec![format!(r#"{{"result":null,"id":{id}}}"#)]
        }
        Some("UNSUBSCRIBE") => {
            for name in params {
                if let Some((channel, market)) = parse_stream_name(venue, name) {
                    stream.unsubscribe(channel, Some(market));
                }
            }
            vec![format!(r#"{{"result":null,"id":{id}}}"#)]
        }
        Some("LIST_SUBSCRIPTIONS") => {
            let mut names = Vec::new();
            for channel in [Channel::Book, Channel::Trades] {
                for market in stream.markets_on(channel) {
                    names.extend(stream.name_of(channel, Some(market)).map(String::from));
                }
            }
            vec![format!(r#"{{"result":{},"id":{id}}}"#, json(&names))]
        }
        _ => vec![request_error(id, "Invalid request: unknown method")],
    }
}

pub(super) fn encode(market: &SimMarket, stream: &SimStream, event: &SimEvent) -> Vec<String> {
    let (channel, data) = match event {
        SimEvent::Book(change) if !change.is_empty() => {
            (Channel::Book, json(&DepthUpdate::new(market, change)))
        }
        SimEvent::Trade(trade) => (Channel::Trades, json(&TradePush::new(market, trade))),
        _ => return Vec::new(),
    };
    let name = stream
        .name_of(channel, Some(event.market()))
        .unwrap_or_default();
    vec![format!(r#"{{"stream":{},"data":{data}}}"#, json(&name))]
}

/// `btcusdt@depth`, `btcusdt@depth@100ms` and `btcusdt@trade` of a listed symbol.
fn parse_stream_name(venue: &SimVenue, name: &str) -> Option<(Channel, usize)> {
    let (symbol, kind) = name.split_once('@')?;
    let channel = match kind {
        "depth" | "depth@100ms" | "depth@1000ms" => Channel::Book,
        "trade" => Channel::Trades,
        _ => return None,
    };
    Some((channel, venue.market_by_venue_symbol(symbol)?))
}

fn depth(venue: &SimVenue, query: &str) -> RestResponse {
    let Some(symbol) = query_value(query, "symbol") else {
        return error(
            400,
            -1102,
            "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed.",
        );
    };
    let Some(index) = venue.market_by_venue_symbol(&symbol) else {
        return error(400, -1121, "Invalid symbol.");
    };
    let limit = match depth_value(query, "limit", DEFAULT_DEPTH) {
        Ok(limit) => limit.min(MAX_DEPTH),
        Err(reason) => {
            return error(
                400,
                -1100,
                &format!("Illegal characters found in parameter 'limit'; {reason}."),
            );
        }
    };
    let market = &venue.markets()[index];
    let (bids, asks) = market.book.top(limit);
    response(
        200,
        json(&DepthSnapshot {
            last_update_id: market.update_id,
            bids: levels(&bids),
            asks: levels(&asks),
        }),
    )
}

fn error(status: u16, code: i64, message: &str) -> RestResponse {
    response(
        status,
        format!(r#"{{"code":{code},"msg":{}}}"#, json(&message)),
    )
}

fn request_error(id: Value, message: &str) -> String {
    format!(
        r#"{{"error":{{"code":2,"msg":{}}},"id":{id}}}"#,
        json(&message)
    )
}

fn levels(levels: &[Level]) -> Vec<[String; 2]> {
    levels
        .iter()
        .map(|level| {
            [
                fixed(level.price, DECIMALS),
                fixed(level.quantity, DECIMALS),
            ]
        })
        .collect()
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DepthSnapshot {
    last_update_id: i64,
    bids: Vec<[String; 2]>,
    asks: Vec<[String; 2]>,
}

#[derive(Serialize)]
struct DepthUpdate<'a> {
    e: &'static str,
    #[serde(rename = "E")]
    event_ms: i64,
    s: &'a str,
    #[serde(rename = "U")]
    first_id: i64,
    u: i64,
    b: Vec<[String; 2]>,
    a: Vec<[String; 2]>,
}

impl<'a> DepthUpdate<'a> {
    fn new(market: &'a SimMarket, change: &BookChange) -> Self {
        Self {
            e: "depthUpdate",
            event_ms: change.event_ms,
            s: &market.instrument.venue_symbol,
            first_id: change.first_id(),
            u: change.last_id,
            b: levels(&change.bids),
            a: levels(&change.asks),
        }
    }
}

#[derive(Serialize)]
struct TradePush<'a> {
    e: &'static str,
    #[serde(rename = "E")]
    event_ms: i64,
    s: &'a str,
    t: i64,
    p: String,
    q: String,
    #[serde(rename = "T")]
    trade_ms: i64,
    /// The buyer rested on the book: the taker sold.
    m: bool,
    /// Ignored by clients; always true on the venue.
    #[serde(rename = "M")]
    best_match: bool,
}

impl<'a> TradePush<'a> {
    fn new(market: &'a SimMarket, trade: &SimTrade) -> Self {
        Self {
            e: "trade",
            event_ms: trade.event_ms,
            s: &market.instrument.venue_symbol,
            t: trade.trade_id,
            p: fixed(trade.price, DECIMALS),
            q: fixed(trade.quantity, DECIMALS),
            trade_ms: trade.event_ms,
            m: trade.taker_side == Side::Sell,
            best_match: true,
        }
    }
}

fn exchange_info(venue: &SimVenue) -> String {
    let symbols: Vec<SymbolInfo> = venue
        .markets()
        .iter()
        .map(|market| {
            let instrument = &market.instrument;
            SymbolInfo {
                symbol: &instrument.venue_symbol,
                status: "TRADING",
                base_asset: &instrument.base,
                base_asset_precision: DECIMALS,
                quote_asset: &instrument.quote,
                quote_precision: DECIMALS,
                quote_asset_precision: DECIMALS,
                order_types: [
                    "LIMIT",
                    "LIMIT_MAKER",
                    "MARKET",
                    "STOP_LOSS_LIMIT",
                    "TAKE_PROFIT_LIMIT",
                ],
                iceberg_allowed: true,
                oco_allowed: true,
                is_spot_trading_allowed: true,
                is_margin_trading_allowed: false,
                filters: vec![
                    Filter::Price {
                        filter_type: "PRICE_FILTER",
                        min_price: fixed(instrument.tick_size, DECIMALS),
                        max_price: fixed(Decimal::new(1_000_000, 0), DECIMALS),
                        tick_size: fixed(instrument.tick_size, DECIMALS),
                    },
                    Filter::Lot {
                        filter_type: "LOT_SIZE",
                        min_qty: fixed(instrument.min_quantity, DECIMALS),
                        max_qty: fixed(Decimal::new(9_000, 0), DECIMALS),
                        step_size: fixed(instrument.lot_size, DECIMALS),
                    },
                    Filter::Notional {
                        filter_type: "NOTIONAL",
                        min_notional: fixed(instrument.min_notional, DECIMALS),
                        apply_min_to_market: true,
                        max_notional: fixed(Decimal::new(9_000_000, 0), DECIMALS),
                        apply_max_to_market: false,
                        avg_price_mins: 5,
                    },
                ],
                permissions: [],
            }
        })
        .collect();
    json(&ExchangeInfo {
        timezone: "UTC",
        server_time: venue.now_ms(),
        rate_limits: [RateLimit {
            rate_limit_type: "REQUEST_WEIGHT",
            interval: "MINUTE",
            interval_num: 1,
            limit: 6_000,
        }],
        exchange_filters: [],
        symbols,
    })
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ExchangeInfo<'a> {
    timezone: &'static str,
    server_time: i64,
    rate_limits: [RateLimit; 1],
    exchange_filters: [(); 0],
    symbols: Vec<SymbolInfo<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RateLimit {
    rate_limit_type: &'static str,
    interval: &'static str,
    interval_num: u32,
    limit: u32,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SymbolInfo<'a> {
    symbol: &'a str,
    status: &'static str,
    base_asset: &'a str,
    base_asset_precision: u32,
    quote_asset: &'a str,
    quote_precision: u32,
    quote_asset_precision: u32,
    order_types: [&'static str; 5],
    iceberg_allowed: bool,
    oco_allowed: bool,
    is_spot_trading_allowed: bool,
    is_margin_trading_allowed: bool,
    filters: Vec<Filter>,
    permissions: [(); 0],
}

#[derive(Serialize)]
#[serde(untagged, rename_all_fields = "camelCase")]
enum Filter {
    Price {
        filter_type: &'static str,
        min_price: String,
        max_price: String,
        tick_size: String,
    },
    Lot {
        filter_type: &'static str,
        min_qty: String,
        max_qty: String,
        step_size: String,
    },
    Notional {
        filter_type: &'static str,
        min_notional: String,
        apply_min_to_market: bool,
        max_notional: String,
        apply_max_to_market: bool,
        avg_price_mins: u32,
    },
}
