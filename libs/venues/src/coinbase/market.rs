//! Coinbase Advanced Trade public market data: the product list, and the `level2`,
//! `market_trades` and `heartbeats` WebSocket channels. The book snapshot arrives on
//! `level2`; there is no REST snapshot to join.
use quorum_domain::{Decimal, Instrument, Level, Side, Symbol, Trade, Venue};
use serde_json::json;

use super::jwt;
use super::wire::{
    ErrorBody, LevelUpdate, MarketTrade, Product, ProductList, StreamMessage, decimal,
    format_error, from_json, rfc3339_millis,
};
use crate::{
    BookMessage, BookMessageKind, Credentials, InstrumentIndex, ParseError, Parsed, RestRequest,
    SignError, StreamEvent,
};

/// The channels every connection subscribes, one message each as the venue requires.
/// `heartbeats` keeps quiet subscriptions open and its messages advance `sequence_num`.
pub const CHANNELS: [&str; 3] = ["level2", "market_trades", "heartbeats"];

pub(super) fn instruments_request() -> RestRequest {
    RestRequest::get("/api/v3/brokerage/market/products", "product_type=SPOT")
}

/// Online spot products that accept orders.
pub(super) fn parse_instruments(body: &str) -> Result<Vec<Instrument>, ParseError> {
    if let Some(refused) = serde_json::from_str::<ErrorBody>(body)
        .ok()
        .and_then(ErrorBody::refusal)
    {
        return Err(refused);
    }
    let list: ProductList = from_json(body, "product list")?;
    let mut instruments = Vec::new();
    for product in list.products {
        let tradable = product.status.eq_ignore_ascii_case("online")
            && !product.trading_disabled
            && !product.is_disabled
            && (product.product_type.is_empty() || product.product_type == "SPOT");
        if !tradable {
            continue;
        }
        let Ok(symbol) = Symbol::new(&product.base_currency_id, &product.quote_currency_id) else {
            continue;
        };
        instruments.push(instrument(symbol, product)?);
    }
    Ok(instruments)
}

/// One subscribe message per channel, each with a fresh token when credentials are
/// given (public channels also work without one).
pub(super) fn subscribe_messages(
    instruments: &[Instrument],
    credentials: Option<&Credentials>,
    now_ms: i64,
) -> Result<Vec<String>, SignError> {
    if instruments.is_empty() {
        return Ok(Vec::new());
    }
    let product_ids: Vec<&str> = instruments
        .iter()
        .map(|instrument| instrument.venue_symbol.as_str())
        .collect();
    CHANNELS
        .iter()
        .map(|channel| {
            let mut message = json!({
                "type": "subscribe",
                "product_ids": product_ids,
                "channel": channel,
            });
            if let Some(credentials) = credentials {
                message["jwt"] = json!(jwt::websocket_token(credentials, now_ms)?);
            }
            Ok(message.to_string())
        })
        .collect()
}

/// Every envelope reports its `sequence_num` (a gap means a lost message, whatever the
/// channel); `l2_data` and `market_trades` carry events.
pub(super) fn parse_message(text: &str, index: &InstrumentIndex) -> Result<Parsed, ParseError> {
    let message: StreamMessage = from_json(text, "stream message")?;
    if message.kind.as_deref() == Some("error") {
        return Err(ParseError::Venue {
            code: "error".into(),
            message: message.message.unwrap_or_default(),
        });
    }
    let channel = message
        .channel
        .as_deref()
        .ok_or_else(|| format_error("stream message has no channel"))?;
    let sequence = message
        .sequence_num
        .ok_or_else(|| format_error("stream message has no sequence_num"))?;
    let mut events = Vec::new();
    match channel {
        "l2_data" => {
            let id = i64::try_from(sequence)
                .map_err(|_| format_error(format!("sequence_num {sequence} is out of range")))?;
            let event_ms = rfc3339_millis(&message.timestamp, "timestamp")?;
            for event in &message.events {
                let Some(instrument) = index.by_venue_symbol(&event.product_id) else {
                    continue;
                };
                let kind = match event.kind.as_str() {
                    "snapshot" => BookMessageKind::Snapshot,
                    "update" => BookMessageKind::Delta,
                    other => {
                        return Err(format_error(format!(
                            "l2_data event type is {other:?}, expected snapshot or update"
                        )));
                    }
                };
                let (bids, asks) = split_sides(&event.updates)?;
                events.push(StreamEvent::Book(BookMessage {
                    symbol: instrument.symbol.clone(),
                    kind,
                    first_id: id,
                    last_id: id,
                    prev_id: None,
                    bids,
                    asks,
                    checksum: None,
                    event_ms,
                }));
            }
        }
        "market_trades" => {
            for trade in message.events.iter().flat_map(|event| &event.trades) {
                if let Some(instrument) = index.by_venue_symbol(&trade.product_id) {
                    events.push(StreamEvent::Trade(read_trade(&instrument.symbol, trade)?));
                }
            }
        }
        // subscriptions, heartbeats and channels not subscribed: nothing to publish.
        _ => {}
    }
    Ok(Parsed {
        connection_sequence: Some(sequence),
        events,
        reply: None,
    })
}

/// The price tick is `price_increment`; older answers only have `quote_increment`,
/// which is the same step for spot products. The minimum notional is the Exchange-era
/// `min_market_funds` when present, else `quote_min_size`.
fn instrument(symbol: Symbol, product: Product) -> Result<Instrument, ParseError> {
    let id = &product.product_id;
    let (tick_field, tick_text) = if product.price_increment.is_empty() {
        ("quote_increment", &product.quote_increment)
    } else {
        ("price_increment", &product.price_increment)
    };
    let (notional_field, notional_text) = if product.min_market_funds.is_empty() {
        ("quote_min_size", &product.quote_min_size)
    } else {
        ("min_market_funds", &product.min_market_funds)
    };
    let min_notional = if notional_text.is_empty() {
        Decimal::ZERO
    } else {
        decimal(notional_text, &format!("{id}.{notional_field}"))?
    };
    Ok(Instrument {
        venue: Venue::Coinbase,
        symbol,
        tick_size: decimal(tick_text, &format!("{id}.{tick_field}"))?,
        lot_size: decimal(&product.base_increment, &format!("{id}.base_increment"))?,
        min_notional,
        venue_symbol: product.product_id,
    })
}

/// `bid` and `offer` updates into bids and asks, quantities absolute (0 removes).
fn split_sides(updates: &[LevelUpdate]) -> Result<(Vec<Level>, Vec<Level>), ParseError> {
    let mut bids = Vec::new();
    let mut asks = Vec::new();
    for update in updates {
        let level = Level::new(
            decimal(&update.price_level, "price_level")?,
            decimal(&update.new_quantity, "new_quantity")?,
        );
        match update.side.as_str() {
            "bid" => bids.push(level),
            "offer" => asks.push(level),
            other => {
                return Err(format_error(format!(
                    "level side is {other:?}, expected bid or offer"
                )));
            }
        }
    }
    Ok((bids, asks))
}

/// Coinbase's Exchange API documents its trade `side` as the MAKER's side, but the
/// Advanced Trade `market_trades` schema describes `side` ("BUY" | "SELL") as the side
/// of the TAKER, so it is used as the taker side as is.
fn read_trade(symbol: &Symbol, trade: &MarketTrade) -> Result<Trade, ParseError> {
    let taker_side = match trade.side.as_str() {
        "BUY" => Side::Buy,
        "SELL" => Side::Sell,
        other => {
            return Err(format_error(format!(
                "trade side is {other:?}, expected BUY or SELL"
            )));
        }
    };
    Ok(Trade {
        venue: Venue::Coinbase,
        symbol: symbol.clone(),
        trade_id: trade.trade_id.clone(),
        price: decimal(&trade.price, "price")?,
        quantity: decimal(&trade.size, "size")?,
        taker_side,
        traded_at_ms: rfc3339_millis(&trade.time, "time")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index() -> InstrumentIndex {
        InstrumentIndex::new([Instrument {
            venue: Venue::Coinbase,
            symbol: "BTC-USD".parse().unwrap(),
            venue_symbol: "BTC-USD".into(),
            tick_size: Decimal::new(1, 2),
            lot_size: Decimal::new(1, 8),
            min_notional: Decimal::ONE,
        }])
    }

    #[test]
    fn products_of_other_instruments_publish_nothing_but_keep_the_sequence() {
        let text = r#"{"channel":"l2_data","client_id":"","timestamp":"2023-02-09T20:32:50.714964855Z","sequence_num":7,"events":[{"type":"update","product_id":"ETH-USD","updates":[{"side":"bid","event_time":"2023-02-09T20:32:50.714964855Z","price_level":"1.5","new_quantity":"2"}]}]}"#;
        let parsed = parse_message(text, &index()).unwrap();
        assert!(parsed.events.is_empty());
        assert_eq!(parsed.connection_sequence, Some(7));
    }

    #[test]
    fn an_unknown_book_side_is_a_format_error() {
        let text = r#"{"channel":"l2_data","timestamp":"2023-02-09T20:32:50Z","sequence_num":1,"events":[{"type":"update","product_id":"BTC-USD","updates":[{"side":"ask","event_time":"","price_level":"1","new_quantity":"1"}]}]}"#;
        assert!(matches!(
            parse_message(text, &index()),
            Err(ParseError::Format(message)) if message.contains("bid or offer")
        ));
    }

    #[test]
    fn no_instruments_means_no_subscription() {
        assert!(subscribe_messages(&[], None, 0).unwrap().is_empty());
    }
}
