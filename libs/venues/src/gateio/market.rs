//! Gate.io v4 spot market data: the currency pairs, the REST order book with its id,
//! subscriptions, and the `spot.order_book_update` and `spot.trades` pushes.
use quorum_domain::{Decimal, Instrument, Side, Symbol, Trade, Venue};

use super::stream::{Payload, StreamEnvelope};
use super::wire::{self, CurrencyPair, OrderBookSnapshot, OrderBookUpdate, TradeResult};
use crate::{
    BookMessage, BookMessageKind, InstrumentIndex, ParseError, Parsed, RestRequest, StreamEvent,
};

/// Levels asked for when the caller asks for 0.
pub const DEFAULT_SNAPSHOT_DEPTH: u32 = 100;
/// The book channel's update interval.
pub const BOOK_INTERVAL: &str = "100ms";
pub const BOOK_CHANNEL: &str = "spot.order_book_update";
pub const TRADES_CHANNEL: &str = "spot.trades";

pub(super) fn instruments_request() -> RestRequest {
    RestRequest::get("/api/v4/spot/currency_pairs", "")
}

/// Tradable pairs; tick and lot sizes come from the price and amount precisions.
pub(super) fn parse_instruments(body: &str) -> Result<Vec<Instrument>, ParseError> {
    if let Some(error) = wire::venue_error(body) {
        return Err(error);
    }
    let pairs: Vec<CurrencyPair> =
        serde_json::from_str(body).map_err(|error| wire::format_error("currency_pairs", error))?;
    let mut instruments = Vec::new();
    for pair in pairs {
        if pair.trade_status != "tradable" {
            continue;
        }
        if let Some(instrument) = instrument(pair)? {
            instruments.push(instrument);
        }
    }
    Ok(instruments)
}

pub(super) fn snapshot_request(instrument: &Instrument, depth: u32) -> RestRequest {
    let limit = if depth == 0 {
        DEFAULT_SNAPSHOT_DEPTH
    } else {
        depth
    };
    RestRequest::get(
        "/api/v4/spot/order_book",
        format!(
            "currency_pair={}&limit={limit}&with_id=true",
            instrument.venue_symbol
        ),
    )
}

/// The book's `id` is the base the deltas continue; `current` is its time.
pub(super) fn parse_snapshot(
    instrument: &Instrument,
    body: &str,
) -> Result<BookMessage, ParseError> {
    if let Some(error) = wire::venue_error(body) {
        return Err(error);
    }
    let snapshot: OrderBookSnapshot =
        serde_json::from_str(body).map_err(|error| wire::format_error("order_book", error))?;
    Ok(BookMessage {
        symbol: instrument.symbol.clone(),
        kind: BookMessageKind::Snapshot,
        first_id: snapshot.id,
        last_id: snapshot.id,
        prev_id: None,
        bids: wire::levels(&snapshot.bids)?,
        asks: wire::levels(&snapshot.asks)?,
        checksum: None,
        event_ms: snapshot.current,
    })
}

/// One book subscription per pair (the channel takes one pair and an interval) and one
/// trades subscription for all pairs. `time` is in seconds.
pub(super) fn subscribe_messages(instruments: &[Instrument], now_ms: i64) -> Vec<String> {
    let time = now_ms.div_euclid(1000);
    let mut messages: Vec<String> = instruments
        .iter()
        .map(|instrument| {
            serde_json::json!({
                "time": time,
                "channel": BOOK_CHANNEL,
                "event": "subscribe",
                "payload": [instrument.venue_symbol, BOOK_INTERVAL],
            })
            .to_string()
        })
        .collect();
    if !instruments.is_empty() {
        let pairs: Vec<&str> = instruments
            .iter()
            .map(|instrument| instrument.venue_symbol.as_str())
            .collect();
        messages.push(
            serde_json::json!({
                "time": time,
                "channel": TRADES_CHANNEL,
                "event": "subscribe",
                "payload": pairs,
            })
            .to_string(),
        );
    }
    messages
}

/// Reads one WebSocket message. Acks, pongs and channels Quorum does not read give no
/// events; an error in the message is the venue's error.
pub(super) fn parse_message(text: &str, index: &InstrumentIndex) -> Result<Parsed, ParseError> {
    let envelope: StreamEnvelope =
        serde_json::from_str(text).map_err(|error| wire::format_error("stream message", error))?;
    if let Some(error) = envelope.error {
        return Err(ParseError::Venue {
            code: error.code.to_string(),
            message: error.message.into_owned(),
        });
    }
    let event = match envelope.result {
        Some(Payload::Book(update)) => book_update(update, index)?,
        Some(Payload::Trade(trade_result)) => trade(trade_result, index)?,
        Some(Payload::Unread(result)) => {
            match (envelope.channel.as_deref(), envelope.event.as_deref()) {
                (Some(BOOK_CHANNEL), Some("update")) => book_update(
                    serde_json::from_str(result.get())
                        .map_err(|error| wire::format_error(BOOK_CHANNEL, error))?,
                    index,
                )?,
                (Some(TRADES_CHANNEL), Some("update")) => trade(
                    serde_json::from_str(result.get())
                        .map_err(|error| wire::format_error(TRADES_CHANNEL, error))?,
                    index,
                )?,
                _ => None,
            }
        }
        Some(Payload::Ignored) | None => None,
    };
    let mut parsed = Parsed::default();
    parsed.events.extend(event);
    Ok(parsed)
}

fn book_update(
    update: OrderBookUpdate<'_>,
    index: &InstrumentIndex,
) -> Result<Option<StreamEvent>, ParseError> {
    let Some(instrument) = index.by_venue_symbol(&update.currency_pair) else {
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
    trade: TradeResult<'_>,
    index: &InstrumentIndex,
) -> Result<Option<StreamEvent>, ParseError> {
    let Some(instrument) = index.by_venue_symbol(&trade.currency_pair) else {
        return Ok(None);
    };
    let taker_side = match trade.side.as_ref() {
        "buy" => Side::Buy,
        "sell" => Side::Sell,
        other => {
            return Err(ParseError::Format(format!(
                "Gate.io trade side '{other}' is neither buy nor sell"
            )));
        }
    };
    Ok(Some(StreamEvent::Trade(Trade {
        venue: Venue::Gateio,
        symbol: instrument.symbol.clone(),
        trade_id: trade.id.to_string(),
        price: wire::decimal("price", trade.price)?,
        quantity: wire::decimal("amount", trade.amount)?,
        taker_side,
        traded_at_ms: trade.create_time_ms,
    })))
}

fn instrument(pair: CurrencyPair) -> Result<Option<Instrument>, ParseError> {
    let Ok(symbol) = Symbol::new(&pair.base, &pair.quote) else {
        return Ok(None);
    };
    // More decimals than a Decimal holds (28) cannot be traded exactly: skip the pair.
    let (Ok(tick_size), Ok(lot_size)) = (
        Decimal::try_new(1, pair.precision),
        Decimal::try_new(1, pair.amount_precision),
    ) else {
        return Ok(None);
    };
    let min_notional = match &pair.min_quote_amount {
        Some(amount) => wire::decimal("min_quote_amount", amount)?.normalize(),
        None => Decimal::ZERO,
    };
    Ok(Some(Instrument {
        venue: Venue::Gateio,
        symbol,
        venue_symbol: pair.id,
        tick_size,
        lot_size,
        min_notional,
    }))
}
