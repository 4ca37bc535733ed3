//! Market events from the bus: tickers (`md.ticker`) set each venue's top of book, trades
//! (`md.trades`) its last price. The group starts at the newest message: the state is
//! live and in memory, and replaying history would only describe a stale market.
use std::sync::Arc;

use quorum_bus::{BusArgs, ConsumerConfig, HandlerError, Message, StartFrom};
use quorum_domain::topics::{MARKET_TICKER, MARKET_TRADES};
use quorum_domain::{Ticker, Trade};
use quorum_kit::CancellationToken;

use crate::hub::{Applied, Hub};
use crate::ingest;

/// Who consumes: the consumer group and this instance's name in it.
#[derive(Debug, Clone)]
pub struct Membership {
    pub group: String,
    pub consumer: String,
}

/// Connects (retrying while Redis is down) and consumes both topics until `shutdown`.
pub async fn run(bus: BusArgs, membership: Membership, hub: Arc<Hub>, shutdown: CancellationToken) {
    let Some(bus) = bus.connect_patiently(&shutdown).await else {
        return;
    };
    let config = ConsumerConfig {
        start: StartFrom::Latest,
        ..ConsumerConfig::default()
    };
    let Membership { group, consumer } = membership;
    tracing::info!(%group, %consumer, "consuming {MARKET_TICKER} and {MARKET_TRADES}");
    let tickers = bus.consumer(MARKET_TICKER, &group, &consumer, config.clone());
    let trades = bus.consumer(MARKET_TRADES, &group, &consumer, config);
    let ticker_hub = hub.clone();
    tokio::join!(
        tickers.run(shutdown.clone(), move |message| {
            std::future::ready(handle_ticker(&ticker_hub, &message, crate::now_ms()))
        }),
        trades.run(shutdown, move |message| {
            std::future::ready(handle_trade(&hub, &message, crate::now_ms()))
        }),
    );
}

/// Applies one `md.ticker` message received at `now_ms`.
pub fn handle_ticker(hub: &Hub, message: &Message, now_ms: i64) -> Result<(), HandlerError> {
    let ticker: Ticker = message.decode()?;
    ingest::check_ticker(&ticker)
        .map_err(|problem| HandlerError::Poison(format!("invalid ticker: {problem}")))?;
    if hub.apply_ticker(&ticker, now_ms) == Applied::Outdated {
        tracing::debug!(venue = %ticker.venue, symbol = %ticker.symbol, "older ticker ignored");
    }
    Ok(())
}

/// Applies one `md.trades` message.
pub fn handle_trade(hub: &Hub, message: &Message, now_ms: i64) -> Result<(), HandlerError> {
    let trade: Trade = message.decode()?;
    ingest::check_trade(&trade)
        .map_err(|problem| HandlerError::Poison(format!("invalid trade: {problem}")))?;
    let applied = hub.apply_trade(&trade, now_ms);
    if applied != Applied::Updated {
        tracing::debug!(venue = %trade.venue, symbol = %trade.symbol, ?applied, "trade not used as last price");
    }
    Ok(())
}
