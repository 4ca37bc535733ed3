//! OKX public market data: the spot instrument list, the REST book snapshot, the
//! `books` and `trades` WebSocket channels and their subscribe message.
use quorum_domain::{Decimal, Instrument, Side, Symbol, Trade, Venue};
use serde_json::json;

use super::wire::{
    DataRow, Envelope, InstrumentRow, StreamMessage, decimal, format_error, from_json, levels,
    millis, refusal,
};
use crate::{
    BookMessage, BookMessageKind, InstrumentIndex, ParseError, Parsed, RestRequest, StreamEvent,
};

/// The deepest book GET /api/v5/market/books serves.
pub const MAX_SNAPSHOT_DEPTH: u32 = 400;

/// Channel arguments per subscribe message, well under the venue's 64 KB frame limit.
const ARGS_PER_MESSAGE: usize = 100;

pub(super) fn instruments_request() -> RestRequest {
    RestRequest::get("/api/v5/public/instruments", "instType=SPOT")
}

/// Live spot instruments. OKX states a minimum order SIZE (`minSz`, in the base asset)
/// rather than a minimum notional, so `min_notional` is zero: the venue enforces its
/// size minimum itself and refuses smaller orders with its own code.
pub(super) fn parse_instruments(body: &str) -> Result<Vec<Instrument>, ParseError> {
    let envelope: Envelope<InstrumentRow> = from_json(body, "instrument list")?;
    if let Some(refused) = refusal(&envelope.code, &envelope.msg) {
        return Err(refused);
    }
    let mut instruments = Vec::new();
    for row in envelope.data {
        if row.state != "live" {
            continue;
        }
        let Ok(symbol) = Symbol::new(&row.base_ccy, &row.quote_ccy) else {
            continue;
        };
        // Read to refuse a malformed row, even though the model has no place for it.
        decimal(&row.min_sz, &format!("{}.minSz", row.inst_id))?;
        instruments.push(Instrument {
            venue: Venue::Okx,
            symbol,
            tick_size: decimal(&row.tick_sz, &format!("{}.tickSz", row.inst_id))?,
            lot_size: decimal(&row.lot_sz, &format!("{}.lotSz", row.inst_id))?,
            min_notional: Decimal::ZERO,
            venue_symbol: row.inst_id,
        });
    }
    Ok(instruments)
}

pub(super) fn snapshot_request(instrument: &Instrument, depth: u32) -> RestRequest {
    let depth = if depth == 0 {
        MAX_SNAPSHOT_DEPTH
    } else {
        depth.min(MAX_SNAPSHOT_DEPTH)
    };
    RestRequest::get(
        "/api/v5/market/books",
        format!("instId={}&sz={depth}", instrument.venue_symbol),
    )
}

/// The REST snapshot; its `seqId` anchors the `books` updates that follow.
pub(super) fn parse_snapshot(
    instrument: &Instrument,
    body: &str,
) -> Result<BookMessage, ParseError> {
    let envelope: Envelope<DataRow> = from_json(body, "book snapshot")?;
    if let Some(refused) = refusal(&envelope.code, &envelope.msg) {
        return Err(refused);
    }
    let row = envelope
        .data
        .into_iter()
        .next()
        .ok_or_else(|| format_error("book snapshot has an empty data array"))?;
    let sequence = row.seq_id.ok_or_else(|| {
        format_error("book snapshot has no seqId, so it cannot be joined to the books channel")
    })?;
    Ok(BookMessage {
        symbol: instrument.symbol.clone(),
        kind: BookMessageKind::Snapshot,
        first_id: sequence,
        last_id: sequence,
        prev_id: Some(-1),
        bids: levels(&row.bids, "bids")?,
        asks: levels(&row.asks, "asks")?,
        checksum: None,
        event_ms: millis(&row.ts, "ts")?,
    })
}

/// One message subscribing `books` and `trades` for every instrument (more when the
/// list is long). Public channels need no login.
pub(super) fn subscribe_messages(instruments: &[Instrument]) -> Vec<String> {
    let args: Vec<serde_json::Value> = instruments
        .iter()
        .flat_map(|instrument| {
            ["books", "trades"]
                .map(|channel| json!({"channel": channel, "instId": instrument.venue_symbol}))
        })
        .collect();
    args.chunks(ARGS_PER_MESSAGE)
        .map(|chunk| json!({"op": "subscribe", "args": chunk}).to_string())
        .collect()
}

pub(super) fn parse_message(text: &str, index: &InstrumentIndex) -> Result<Parsed, ParseError> {
    // The answer to the keep-alive "ping" the runtime sends.
    if text.trim() == "pong" {
        return Ok(Parsed::default());
    }
    let message: StreamMessage = from_json(text, "stream message")?;
    if let Some(event) = message.event.as_deref() {
        return match event {
            "error" => Err(ParseError::Venue {
                code: message.code.unwrap_or_default(),
                message: message.msg.unwrap_or_default(),
            }),
            // Subscribe and unsubscribe acks, notices, connection counts: nothing to publish.
            _ => Ok(Parsed::default()),
        };
    }
    let Some(arg) = message.arg else {
        return Err(format_error("stream message has neither event nor arg"));
    };
    // Messages for instruments outside the index were not asked for: nothing to publish.
    let Some(instrument) = index.by_venue_symbol(&arg.inst_id) else {
        return Ok(Parsed::default());
    };
    let events = match arg.channel.as_str() {
        "books" => {
            let kind = match message.action.as_deref() {
                Some("snapshot") => BookMessageKind::Snapshot,
                Some("update") => BookMessageKind::Delta,
                other => {
                    return Err(format_error(format!(
                        "books push has action {other:?}, expected snapshot or update"
                    )));
                }
            };
            message
                .data
                .iter()
                .map(|row| book_message(&instrument.symbol, kind, row).map(StreamEvent::Book))
                .collect::<Result<_, _>>()?
        }
        "trades" => message
            .data
            .iter()
            .map(|row| trade(&instrument.symbol, row).map(StreamEvent::Trade))
            .collect::<Result<_, _>>()?,
        _ => Vec::new(),
    };
    Ok(Parsed {
        connection_sequence: None,
        events,
        reply: None,
    })
}

fn book_message(
    symbol: &Symbol,
    kind: BookMessageKind,
    row: &DataRow,
) -> Result<BookMessage, ParseError> {
    let sequence = row
        .seq_id
        .ok_or_else(|| format_error("books push has no seqId"))?;
    let previous = row
        .prev_seq_id
        .ok_or_else(|| format_error("books push has no prevSeqId"))?;
    // The venue sends 0 once it stops computing the legacy checksum.
    let checksum = match row.checksum {
        None | Some(0) => None,
        Some(value) => Some(i32::try_from(value).map_err(|_| {
            format_error(format!(
                "checksum {value} does not fit a signed 32-bit integer"
            ))
        })?),
    };
    Ok(BookMessage {
        symbol: symbol.clone(),
        kind,
        first_id: sequence,
        last_id: sequence,
        prev_id: Some(previous),
        bids: levels(&row.bids, "bids")?,
        asks: levels(&row.asks, "asks")?,
        checksum,
        event_ms: millis(&row.ts, "ts")?,
    })
}

/// OKX's `side` is the taker's side.
fn trade(symbol: &Symbol, row: &DataRow) -> Result<Trade, ParseError> {
    let taker_side = match row.side.as_str() {
        "buy" => Side::Buy,
        "sell" => Side::Sell,
        other => {
            return Err(format_error(format!(
                "trade side is {other:?}, expected buy or sell"
            )));
        }
    };
    if row.trade_id.is_empty() {
        return Err(format_error("trade has no tradeId"));
    }
    Ok(Trade {
        venue: Venue::Okx,
        symbol: symbol.clone(),
        trade_id: row.trade_id.clone(),
        price: decimal(&row.px, "px")?,
        quantity: decimal(&row.sz, "sz")?,
        taker_side,
        traded_at_ms: millis(&row.ts, "ts")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn instrument() -> Instrument {
        Instrument {
            venue: Venue::Okx,
            symbol: "BTC-USDT".parse().unwrap(),
            venue_symbol: "BTC-USDT".into(),
            tick_size: Decimal::new(1, 1),
            lot_size: Decimal::new(1, 8),
            min_notional: Decimal::ZERO,
        }
    }

    #[test]
    fn snapshot_depth_is_capped_and_zero_means_deepest() {
        assert_eq!(
            snapshot_request(&instrument(), 50).query,
            "instId=BTC-USDT&sz=50"
        );
        assert_eq!(
            snapshot_request(&instrument(), 5000).query,
            "instId=BTC-USDT&sz=400"
        );
        assert_eq!(
            snapshot_request(&instrument(), 0).query,
            "instId=BTC-USDT&sz=400"
        );
    }

    #[test]
    fn long_instrument_lists_are_split_across_messages() {
        let many: Vec<Instrument> = (0..120).map(|_| instrument()).collect();
        let messages = subscribe_messages(&many);
        assert_eq!(messages.len(), 3);
        let first: serde_json::Value = serde_json::from_str(&messages[0]).unwrap();
        assert_eq!(first["args"].as_array().unwrap().len(), ARGS_PER_MESSAGE);
        assert!(subscribe_messages(&[]).is_empty());
    }

    #[test]
    fn zero_checksum_means_none_and_a_missing_sequence_is_refused() {
        let index = InstrumentIndex::new([instrument()]);
        let update = r#"{"arg":{"channel":"books","instId":"BTC-USDT"},"action":"update","data":[{"asks":[],"bids":[["1.50","0","0","0"]],"ts":"5","checksum":0,"prevSeqId":7,"seqId":8}]}"#;
        let parsed = parse_message(update, &index).unwrap();
        let StreamEvent::Book(book) = &parsed.events[0] else {
            panic!("expected a book message: {parsed:?}");
        };
        assert_eq!(book.checksum, None);
        assert_eq!((book.prev_id, book.first_id, book.last_id), (Some(7), 8, 8));
        assert_eq!(book.bids[0].price.to_string(), "1.50");
        let no_sequence = update.replace(r#","seqId":8"#, "");
        assert!(matches!(
            parse_message(&no_sequence, &index),
            Err(ParseError::Format(_))
        ));
    }
}
