//! Trades from the bus (`md.trades`) into the markets. The group starts at the newest
//! message: the windows live in memory, and a new group replaying a long stream would
//! only rebuild what the stream still holds, not 24 hours.
use std::sync::Arc;

use quorum_bus::{BusArgs, ConsumerConfig, HandlerError, Message, StartFrom};
use quorum_domain::Trade;
use quorum_domain::topics::MARKET_TRADES;
use quorum_kit::CancellationToken;

use crate::markets::{Markets, Recorded};

/// Who consumes: the consumer group and this instance's name in it.
#[derive(Debug, Clone)]
pub struct Membership {
    pub group: String,
    pub consumer: String,
}

/// Connects (retrying while Redis is down) and consumes trades until `shutdown`.
pub async fn run(
    bus: BusArgs,
    membership: Membership,
    markets: Arc<Markets>,
    shutdown: CancellationToken,
) {
    let Some(bus) = bus.connect_patiently(&shutdown).await else {
        return;
    };
    let config = ConsumerConfig {
        start: StartFrom::Latest,
        ..ConsumerConfig::default()
    };
    let Membership { group, consumer } = membership;
    tracing::info!(%group, %consumer, "consuming {MARKET_TRADES}");
    bus.consumer(MARKET_TRADES, &group, &consumer, config)
        .run(shutdown, move |message| {
            std::future::ready(handle(&markets, &message, crate::now_ms()))
        })
        .await;
}

/// Counts one `md.trades` message seen at `now_ms`. Malformed trades are poison;
/// trades outside the window are acknowledged and dropped.
pub fn handle(markets: &Markets, message: &Message, now_ms: i64) -> Result<(), HandlerError> {
    let trade: Trade = message.decode()?;
    check(&trade).map_err(|problem| HandlerError::Poison(format!("invalid trade: {problem}")))?;
    match markets.record(&trade, now_ms) {
        Recorded::Added => {}
        Recorded::Overflow => {
            return Err(HandlerError::Poison(format!(
                "trade {} of {} on {}: price x quantity does not fit a decimal",
                trade.trade_id, trade.symbol, trade.venue
            )));
        }
        skipped => {
            tracing::debug!(venue = %trade.venue, symbol = %trade.symbol, trade_id = %trade.trade_id, ?skipped, "trade not counted");
        }
    }
    Ok(())
}

fn check(trade: &Trade) -> Result<(), String> {
    if trade.price <= quorum_domain::Decimal::ZERO {
        return Err(format!("price {} must be positive", trade.price));
    }
    if trade.quantity <= quorum_domain::Decimal::ZERO {
        return Err(format!("quantity {} must be positive", trade.quantity));
    }
    if trade.trade_id.is_empty() {
        return Err("trade_id must not be empty".into());
    }
    Ok(())
}
