//! The simulated OKX v5 venue: `/api/v5/public/instruments`, `/api/v5/market/books`
//! (with `seqId`), the subscribe op, and `books` (snapshot on subscribe, then updates
//! chained by `prevSeqId`/`seqId`, with the legacy checksum) and `trades` pushes.
use serde::Serialize;
use serde_json::Value;

use super::{NO_ORDERS, depth_value, fixed, json, plain, query_value, response};
use crate::sim::events::{SimEvent, SimTrade};
use crate::sim::flow::SimMarket;
use crate::sim::stream::{Channel, SimStream};
use crate::sim::venue::SimVenue;
use crate::{RestRequest, RestResponse};
use quorum_domain::{Level, Side};

const MAX_DEPTH: usize = 400;
/// Levels per side the legacy checksum covers.
use crate::okx::CHECKSUM_DEPTH;

pub(super) fn respond(venue: &SimVenue, request: &RestRequest) -> RestResponse {
    match (request.method, request.path.as_str()) {
        ("GET", "/api/v5/public/instruments") => instruments(venue, &request.query),
        ("GET", "/api/v5/market/books") => books(venue, &request.query),
        (_, path) if path.starts_with("/api/v5/trade/") => response(
            200,
            format!(r#"{{"code":"50001","msg":{},"data":[]}}"#, json(&NO_ORDERS)),
        ),
        _ => error(
            404,
            "50000",
            &format!(
                "the simulated OKX has no endpoint {} {}",
                request.method, request.path
            ),
        ),
    }
}

pub(super) fn receive(venue: &SimVenue, stream: &mut SimStream, text: &str) -> Vec<String> {
    if text.trim() == "ping" {
        return vec!["pong".to_string()];
    }
    let Ok(request) = serde_json::from_str::<Value>(text) else {
        return vec![stream_error(
            stream,
            "60012",
            &format!("Invalid request: {text}"),
        )];
    };
    let operation = request
        .get("op")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let args = request.get("args").and_then(Value::as_array);
    let (Some(args), "subscribe" | "unsubscribe") = (args, operation) else {
        return vec![stream_error(
            stream,
            "60012",
            &format!("Invalid request: {text}"),
        )];
    };
    let mut replies = Vec::new();
    for arg in args {
        let channel_name = arg
            .get("channel")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let instrument = arg
            .get("instId")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let channel = match channel_name {
            "books" => Channel::Book,
            "trades" => Channel::Trades,
            _ => {
                replies.push(stream_error(
                    stream,
                    "60018",
                    &format!(
                        "Wrong URL or channel:{channel_name},instId:{instrument} doesn't exist"
                    ),
                ));
                continue;
            }
        };
        let Some(market) = venue.market_by_venue_symbol(instrument) else {
            replies.push(stream_error(
                stream,
                "60018",
                &format!("Wrong URL or channel:{channel_name},instId:{instrument} doesn't exist"),
            ));
            continue;
        };
        let arg_json = format!(
            r#"{{"channel":{},"instId":{}}}"#,
            json(&channel_name),
            json(&venue.markets()[market].instrument.venue_symbol)
        );
        replies.push(format!(
            r#"{{"event":{},"arg":{arg_json},"connId":{}}}"#,
            json(&operation),
            json(&stream.connection_id())
        ));
        if operation == "unsubscribe" {
            stream.unsubscribe(channel, Some(market));
            continue;
        }
        stream.subscribe(channel, Some(market), venue.step(), channel_name);
        if channel == Channel::Book {
            let book_market = &venue.markets()[market];
            let (bids, asks) = book_market.book.top(MAX_DEPTH);
            replies.push(book_push(
                book_market,
                "snapshot",
                &bids,
                &asks,
                venue.now_ms(),
                (-1, book_market.update_id),
                checksum(book_market),
            ));
        }
    }
    replies
}

pub(super) fn encode(market: &SimMarket, event: &SimEvent) -> Vec<String> {
    match event {
        SimEvent::Book(change) => vec![book_push(
            market,
            "update",
            &change.bids,
            &change.asks,
            change.event_ms,
            (change.previous_id, change.last_id),
            change.checksum.unwrap_or_default(),
        )],
        SimEvent::Trade(trade) => vec![trade_push(market, trade)],
        SimEvent::Ticker(_) => Vec::new(),
    }
}

/// The legacy checksum of the market's book as it is now: CRC32 of `bid:ask:..` over the best 25 levels of each
/// side as `price:size` strings, as a signed 32-bit integer.
pub(crate) fn checksum(market: &SimMarket) -> i32 {
    let (bids, asks) = market.book.top(CHECKSUM_DEPTH);
    let mut parts = Vec::with_capacity(4 * CHECKSUM_DEPTH);
    for index in 0..bids.len().max(asks.len()) {
        for level in [bids.get(index), asks.get(index)].into_iter().flatten() {
            let [price, size, ..] = level_row(market, level);
            parts.push(format!("{price}:{size}"));
        }
    }
    i32::from_ne_bytes(crc32fast::hash(parts.join(":").as_bytes()).to_ne_bytes())
}

fn book_push(
    market: &SimMarket,
    action: &str,
    bids: &[Level],
    asks: &[Level],
    event_ms: i64,
    (previous_id, sequence_id): (i64, i64),
    checksum: i32,
) -> String {
    let row = BookRow {
        asks: asks.iter().map(|level| level_row(market, level)).collect(),
        bids: bids.iter().map(|level| level_row(market, level)).collect(),
        ts: event_ms.to_string(),
        checksum: Some(checksum),
        prev_seq_id: Some(previous_id),
        seq_id: sequence_id,
    };
    format!(
        r#"{{"arg":{{"channel":"books","instId":{}}},"action":{},"data":[{}]}}"#,
        json(&market.instrument.venue_symbol),
        json(&action),
        json(&row)
    )
}

fn trade_push(market: &SimMarket, trade: &SimTrade) -> String {
    let row = TradeRow {
        inst_id: &market.instrument.venue_symbol,
        trade_id: trade.trade_id.to_string(),
        px: fixed(trade.price, market.instrument.price_decimals()),
        sz: plain(trade.quantity),
        side: match trade.taker_side {
            Side::Buy => "buy",
            Side::Sell => "sell",
        },
        ts: trade.event_ms.to_string(),
        count: "1",
        source: "0",
        seq_id: trade.trade_id,
    };
    format!(
        r#"{{"arg":{{"channel":"trades","instId":{}}},"data":[{}]}}"#,
        json(&market.instrument.venue_symbol),
        json(&row)
    )
}

/// `[price, size, "0", orders]`: the venue's four-string level.
fn level_row(market: &SimMarket, level: &Level) -> [String; 4] {
    let orders = if level.quantity.is_zero() {
        0
    } else {
        1 + level.price.mantissa().unsigned_abs() % 7
    };
    [
        fixed(level.price, market.instrument.price_decimals()),
        plain(level.quantity),
        "0".to_string(),
        orders.to_string(),
    ]
}

fn instruments(venue: &SimVenue, query: &str) -> RestResponse {
    let kind = query_value(query, "instType").unwrap_or_default();
    if kind != "SPOT" {
        return error(
            400,
            "51000",
            "Parameter instType error: the simulated OKX lists SPOT only",
        );
    }
    let rows: Vec<InstrumentRow> = venue
        .markets()
        .iter()
        .map(|market| {
            let instrument = &market.instrument;
            InstrumentRow {
                alias: "",
                base_ccy: &instrument.base,
                category: "1",
                inst_family: "",
                inst_id: &instrument.venue_symbol,
                inst_type: "SPOT",
                lever: "",
                list_time: "1606468572000",
                lot_sz: plain(instrument.lot_size),
                max_lmt_sz: "9999999999",
                max_mkt_sz: "1000000",
                min_sz: plain(instrument.min_quantity),
                quote_ccy: &instrument.quote,
                state: "live",
                tick_sz: plain(instrument.tick_size),
            }
        })
        .collect();
    response(
        200,
        format!(r#"{{"code":"0","msg":"","data":{}}}"#, json(&rows)),
    )
}

fn books(venue: &SimVenue, query: &str) -> RestResponse {
    let instrument = query_value(query, "instId").unwrap_or_default();
    let Some(index) = venue.market_by_venue_symbol(&instrument) else {
        return error(400, "51001", "Instrument ID does not exist");
    };
    let depth = match depth_value(query, "sz", 1) {
        Ok(depth) => depth.min(MAX_DEPTH),
        Err(reason) => return error(400, "51000", &format!("Parameter sz error: {reason}")),
    };
    let market = &venue.markets()[index];
    let (bids, asks) = market.book.top(depth);
    let row = BookRow {
        asks: asks.iter().map(|level| level_row(market, level)).collect(),
        bids: bids.iter().map(|level| level_row(market, level)).collect(),
        ts: venue.now_ms().to_string(),
        checksum: None,
        prev_seq_id: None,
        seq_id: market.update_id,
    };
    response(
        200,
        format!(r#"{{"code":"0","msg":"","data":[{}]}}"#, json(&row)),
    )
}

fn error(status: u16, code: &str, message: &str) -> RestResponse {
    response(
        status,
        format!(
            r#"{{"code":{},"msg":{},"data":[]}}"#,
            json(&code),
            json(&message)
        ),
    )
}

fn stream_error(stream: &SimStream, code: &str, message: &str) -> String {
    format!(
        r#"{{"event":"error","code":{},"msg":{},"connId":{}}}"#,
        json(&code),
        json(&message),
        json(&stream.connection_id())
    )
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct BookRow {
    asks: Vec<[String; 4]>,
    bids: Vec<[String; 4]>,
    ts: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    checksum: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    prev_seq_id: Option<i64>,
    seq_id: i64,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TradeRow<'a> {
    inst_id: &'a str,
    trade_id: String,
    px: String,
    sz: String,
    side: &'static str,
    ts: String,
    count: &'static str,
    source: &'static str,
    seq_id: i64,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct InstrumentRow<'a> {
    alias: &'static str,
    base_ccy: &'a str,
    category: &'static str,
    inst_family: &'static str,
    inst_id: &'a str,
    inst_type: &'static str,
    lever: &'static str,
    list_time: &'static str,
    lot_sz: String,
    max_lmt_sz: &'static str,
    max_mkt_sz: &'static str,
    min_sz: String,
    quote_ccy: &'a str,
    state: &'static str,
    tick_sz: String,
}
