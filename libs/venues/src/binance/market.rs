//! Binance spot market data: the instrument list, the REST depth snapshot, the combined
//! stream's subscribe message, and the `depthUpdate` and `trade` pushes.
use quorum_domain::{Decimal, Instrument, Side, Symbol, Trade, Venue};

use super::stream::{EventHead, Payload, StreamEnvelope};
use super::wire::{self, DepthSnapshot, DepthUpdate, ExchangeInfo, SymbolInfo, TradeEvent};
use crate::{
    BookMessage, BookMessageKind, InstrumentIndex, ParseError, Parsed, RestRequest, StreamEvent,
};

/// The most levels GET /api/v3/depth returns.
pub const MAX_SNAPSHOT_DEPTH: u32 = 5000;
/// Levels asked for when the caller asks for 0 (the venue's own default).
pub const DEFAULT_SNAPSHOT_DEPTH: u32 = 100;
/// Streams per SUBSCRIBE message, well under the venue's limit per connection.
pub const STREAMS_PER_SUBSCRIBE: usize = 200;

pub(super) fn instruments_request() -> RestRequest {
    RestRequest::get("/api/v3/exchangeInfo", "")
}

/// Symbols that are trading, with tick size, lot size and minimum notional from their
/// filters; symbols whose assets do not make a canonical symbol are skipped.
pub(super) fn parse_instruments(body: &str) -> Result<Vec<Instrument>, ParseError> {
    if let Some(error) = wire::venue_error(body) {
        return Err(error);
    }
    let info: ExchangeInfo =
        serde_json::from_str(body).map_err(|error| wire::format_error("exchangeInfo", error))?;
    let mut instruments = Vec::new();
    for symbol in info.symbols {
        if symbol.status != "TRADING" || symbol.is_spot_trading_allowed == Some(false) {
            continue;
        }
        if let Some(instrument) = instrument(symbol)? {
            instruments.push(instrument);
        }
    }
    Ok(instruments)
}

pub(super) fn snapshot_request(instrument: &Instrument, depth: u32) -> RestRequest {
    let limit = match depth {
        0 => DEFAULT_SNAPSHOT_DEPTH,
        depth => depth.min(MAX_SNAPSHOT_DEPTH),
    };
    RestRequest::get(
        "/api/v3/depth",
        format!(
            "symbol={}&limit={limit}",
            wire::encode_query_value(&instrument.venue_symbol)
        ),
    )
}

/// The snapshot's `lastUpdateId` is both its first and last id; it carries no time.
pub(super) fn parse_snapshot(
    instrument: &Instrument,
    body: &str,
) -> Result<BookMessage, ParseError> {
    if let Some(error) = wire::venue_error(body) {
        return Err(error);
    }
    let snapshot: DepthSnapshot =
        serde_json::from_str(body).map_err(|error| wire::format_error("depth", error))?;
    Ok(BookMessage {
        symbol: instrument.symbol.clone(),
        kind: BookMessageKind::Snapshot,
        first_id: snapshot.last_update_id,
        last_id: snapshot.last_update_id,
        prev_id: None,
        bids: wire::levels(&snapshot.bids)?,
        asks: wire::levels(&snapshot.asks)?,
        checksum: None,
        event_ms: 0,
    })
}

/// `{"method":"SUBSCRIBE","params":["btcusdt@depth@100ms","btcusdt@trade"],"id":1}`,
/// split so that no message names more than [`STREAMS_PER_SUBSCRIBE`] streams.
pub(super) fn subscribe_messages(instruments: &[Instrument]) -> Vec<String> {
    let streams: Vec<String> = instruments
        .iter()
        .flat_map(|instrument| {
            let name = instrument.venue_symbol.to_ascii_lowercase();
            [format!("{name}@depth@100ms"), format!("{name}@trade")]
        })
        .collect();
    streams
        .chunks(STREAMS_PER_SUBSCRIBE)
        .zip(1_u64..)
        .map(|(params, id)| {
            serde_json::json!({"method": "SUBSCRIBE", "params": params, "id": id}).to_string()
        })
        .collect()
}

/// Reads one WebSocket message. Answers to requests and streams Quorum does not read
/// give no events; an error answer is the venue's error.
pub(super) fn parse_message(text: &str, index: &InstrumentIndex) -> Result<Parsed, ParseError> {
    let envelope: StreamEnvelope =
        serde_json::from_str(text).map_err(|error| wire::format_error("stream message", error))?;
    if let Some(error) = envelope.error {
        return Err(ParseError::Venue {
            code: error.code.to_string(),
            message: error.msg.into_owned(),
        });
    }
    let event = match envelope.payload {
        Some(Payload::Depth(update)) => depth_update(update, index)?,
        Some(Payload::Trade(trade_event)) => trade(trade_event, index)?,
        Some(Payload::Ignored) => None,
        Some(Payload::Unread(data)) => {
            let head: EventHead = serde_json::from_str(data.get())
                .map_err(|error| wire::format_error("stream data", error))?;
            by_event_type(head.e.as_deref(), data.get(), index)?
        }
        // A raw (not combined) stream: the event is the whole message.
        None => by_event_type(envelope.event_type.as_deref(), text, index)?,
    };
    Ok(Parsed {
        connection_sequence: None,
        events: event.into_iter().collect(),
        reply: None,
    })
}

fn by_event_type(
    event_type: Option<&str>,
    payload: &str,
    index: &InstrumentIndex,
) -> Result<Option<StreamEvent>, ParseError> {
    match event_type {
        Some("depthUpdate") => depth_update(
            serde_json::from_str(payload)
                .map_err(|error| wire::format_error("depthUpdate", error))?,
            index,
        ),
        Some("trade") => trade(
            serde_json::from_str(payload).map_err(|error| wire::format_error("trade", error))?,
            index,
        ),
        _ => Ok(None),
    }
}

fn depth_update(
    update: DepthUpdate<'_>,
    index: &InstrumentIndex,
) -> Result<Option<StreamEvent>, ParseError> {
    let Some(instrument) = index.by_venue_symbol(&update.symbol) else {
        return Ok(None);
    };
    Ok(Some(StreamEvent::Book(BookMessage {
        symbol: instrument.symbol.clone(),
        kind: BookMessageKind::Delta,
        first_id: update.first_id,
        last_id: update.last_id,
        prev_id: None,
        bids: wire::levels(&update.bids)?,
        asks: wire::levels(&update.asks)?,
        checksum: None,
        event_ms: update.event_ms,
    })))
}

fn trade(
    trade: TradeEvent<'_>,
    index: &InstrumentIndex,
) -> Result<Option<StreamEvent>, ParseError> {
    let Some(instrument) = index.by_venue_symbol(&trade.symbol) else {
        return Ok(None);
    };
    Ok(Some(StreamEvent::Trade(Trade {
        venue: Venue::Binance,
        symbol: instrument.symbol.clone(),
        trade_id: trade.trade_id.to_string(),
        price: wire::decimal("price", trade.price)?,
        quantity: wire::decimal("quantity", trade.quantity)?,
        taker_side: if trade.buyer_is_maker {
            Side::Sell
        } else {
            Side::Buy
        },
        traded_at_ms: trade.trade_ms,
    })))
}

fn instrument(symbol: SymbolInfo) -> Result<Option<Instrument>, ParseError> {
    let Ok(canonical) = Symbol::new(&symbol.base_asset, &symbol.quote_asset) else {
        return Ok(None);
    };
    let mut tick_size = Decimal::ZERO;
    let mut lot_size = Decimal::ZERO;
    let mut min_notional = Decimal::ZERO;
    for filter in &symbol.filters {
        match (
            filter.filter_type.as_str(),
            &filter.tick_size,
            &filter.step_size,
            &filter.min_notional,
        ) {
            ("PRICE_FILTER", Some(tick), _, _) => tick_size = wire::decimal("tickSize", tick)?,
            ("LOT_SIZE", _, Some(step), _) => lot_size = wire::decimal("stepSize", step)?,
            ("NOTIONAL" | "MIN_NOTIONAL", _, _, Some(minimum)) => {
                min_notional = wire::decimal("minNotional", minimum)?
            }
            _ => {}
        }
    }
    Ok(Some(Instrument {
        venue: Venue::Binance,
        symbol: canonical,
        venue_symbol: symbol.symbol,
        tick_size: tick_size.normalize(),
        lot_size: lot_size.normalize(),
        min_notional: min_notional.normalize(),
    }))
}
