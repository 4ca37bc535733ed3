//! Trades from the bus (`md.trades`): each is handed to the batch writer and
//! acknowledged only after its batch committed. Each trade's market is noted for the
//! candle closer first, and a trade whose candle already closed is counted as late.
//!
//! The bus consumer awaits one handler at a time, so a single consumer would commit one
//! trade per statement. Several consumers ("lanes") of the same group run side by side
//! instead; their trades meet in the batch writer and commit together.
use std::sync::Arc;

use quorum_bus::{BusArgs, ConsumerConfig, HandlerError, Message, StartFrom};
use quorum_domain::Trade;
use quorum_domain::convert;
use quorum_domain::topics::MARKET_TRADES;
use quorum_kit::CancellationToken;

use crate::batcher::{BatchWriter, WriteError};
use crate::closing::ClosingState;

/// Consumer group of the trades topic.
pub const GROUP: &str = "trade-history";

/// How the service consumes the bus.
#[derive(Debug, Clone)]
pub struct Lanes {
    /// This instance's name; lane `i` consumes as `<name>-<i>`.
    pub consumer_name: String,
    /// Consumers running side by side.
    pub count: usize,
}

/// Connects (retrying while Redis is down) and consumes until `shutdown`.
pub async fn run(
    bus: BusArgs,
    lanes: Lanes,
    writer: BatchWriter,
    closing: Arc<ClosingState>,
    shutdown: CancellationToken,
) {
    let Some(bus) = bus.connect_patiently(&shutdown).await else {
        return;
    };
    tracing::info!(topic = MARKET_TRADES, group = GROUP, consumer = %lanes.consumer_name, lanes = lanes.count, "consuming trades");
    let config = ConsumerConfig {
        start: StartFrom::Beginning,
        ..ConsumerConfig::default()
    };
    let consumers = (0..lanes.count.max(1)).map(|lane| {
        let name = format!("{}-{lane}", lanes.consumer_name);
        let consumer = bus.consumer(MARKET_TRADES, GROUP, &name, config.clone());
        let writer = writer.clone();
        let closing = closing.clone();
        let shutdown = shutdown.clone();
        async move {
            consumer
                .run(shutdown, |message| {
                    let writer = writer.clone();
                    let closing = closing.clone();
                    async move { handle(&writer, &closing, &message).await }
                })
                .await;
        }
    });
    futures::future::join_all(consumers).await;
}

/// Stores one message's trade. Malformed trades are poison; anything else that keeps
/// it from being stored leaves the message pending.
pub async fn handle(
    writer: &BatchWriter,
    closing: &ClosingState,
    message: &Message,
) -> Result<(), HandlerError> {
    let trade: Trade = message.decode()?;
    let trade = check(&trade).map_err(HandlerError::Poison)?;
    // Before the write: a candle closed now cannot hold this trade, so "late" is sure.
    let late = closing.observe(&trade);
    if !late.is_empty() {
        tracing::debug!(trade_id = %trade.trade_id, traded_at_ms = trade.traded_at_ms,
            intervals = ?late.iter().map(|interval| interval.name()).collect::<Vec<_>>(),
            "late trade: its candle already closed");
    }
    let trade_id = trade.trade_id.clone();
    writer.write(trade).await.map_err(|error| match error {
        WriteError::ShuttingDown => HandlerError::Retry(error.to_string()),
        WriteError::Refused(_) => {
            HandlerError::Retry(format!("cannot store trade {trade_id}: {error}"))
        }
    })
}

/// The rules a trade from a client must meet apply to the bus too (a connector bug must
/// not put a zero price or an empty trade id into history).
pub fn check(trade: &Trade) -> Result<Trade, String> {
    let trade = convert::parse_trade("trade", &convert::trade(trade))
        .map_err(|problem| format!("invalid trade: {problem}"))?;
    if trade.traded_at_ms > crate::store::MAX_TIME_MS {
        return Err(format!(
            "invalid trade: trade.traded_at_unix_ms {} is after the year 9999",
            trade.traded_at_ms
        ));
    }
    Ok(trade)
}

#[cfg(test)]
mod tests {
    use super::*;
    use quorum_domain::{Decimal, Side, Venue};

    fn trade() -> Trade {
        Trade {
            venue: Venue::Binance,
            symbol: "BTC-USDT".parse().unwrap(),
            trade_id: " 17 ".into(),
            price: Decimal::new(4200010, 2),
            quantity: Decimal::new(5, 1),
            taker_side: Side::Buy,
            traded_at_ms: 1_700_000_000_000,
        }
    }

    #[test]
    fn good_trades_pass_with_their_id_trimmed() {
        let checked = check(&trade()).unwrap();
        assert_eq!(checked.trade_id, "17");
        assert_eq!(checked.price, trade().price);
    }

    #[test]
    fn bad_trades_are_named() {
        type Edit = fn(&mut Trade);
        let cases: Vec<(Edit, &str)> = vec![
            (|t| t.price = Decimal::ZERO, "trade.price"),
            (|t| t.quantity = Decimal::NEGATIVE_ONE, "trade.quantity"),
            (|t| t.trade_id = "  ".into(), "trade.trade_id"),
            (|t| t.traded_at_ms = 0, "trade.traded_at_unix_ms"),
            (|t| t.traded_at_ms = i64::MAX, "trade.traded_at_unix_ms"),
        ];
        for (edit, field) in cases {
            let mut bad = trade();
            edit(&mut bad);
            let problem = check(&bad).unwrap_err();
            assert!(problem.contains(field), "{field} missing from {problem}");
        }
    }
}
