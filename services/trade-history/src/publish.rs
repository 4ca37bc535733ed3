//! Closed candles into the outbox: the candles of the closed intervals, computed from the
//! stored trades by the query GetCandles uses, written as `md.candles` events in the
//! same transaction that moves the market's progress row past them. A crash before the
//! commit leaves both undone, so the intervals are closed again after the restart; after
//! it, the row keeps them from being published twice.
use std::str::FromStr;

use quorum_bus::outbox::Outbox;
use quorum_domain::topics::MARKET_CANDLES;
use quorum_domain::{CandleClosed, Symbol, Venue};
use sqlx::{PgPool, Row};

use crate::closer::CandleSink;
use crate::closing::{Clock, ClosingState, Due, Market};
use crate::interval::Interval;
use crate::query::{self, ReadError};
use crate::store::timestamp;
use crate::validate::CandleQuery;

/// Publishes through the service's outbox.
#[derive(Clone)]
pub struct OutboxSink {
    pub pool: PgPool,
    pub outbox: Outbox,
}

impl CandleSink for OutboxSink {
    async fn close(&self, due: &Due) -> Result<u64, ReadError> {
        let length = due.interval.millis();
        let venue = due.market.venue.as_str();
        let symbol = due.market.symbol.as_str();
        let mut transaction = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO candle_progress (venue, symbol, candle_interval, last_open_ms) \
             VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
        )
        .bind(venue)
        .bind(symbol)
        .bind(due.interval.name())
        .bind(due.first_open_ms - length)
        .execute(&mut *transaction)
        .await?;
        // Locked until commit: whoever closes this market next starts after this close.
        let closed: i64 = sqlx::query_scalar(
            "SELECT last_open_ms FROM candle_progress \
             WHERE venue = $1 AND symbol = $2 AND candle_interval = $3 FOR UPDATE",
        )
        .bind(venue)
        .bind(symbol)
        .bind(due.interval.name())
        .fetch_one(&mut *transaction)
        .await?;
        let first_open_ms = due.first_open_ms.max(closed + length);
        if first_open_ms > due.last_open_ms {
            return Ok(0);
        }
        let candles = query::candles(
            &mut *transaction,
            &CandleQuery {
                symbol: due.market.symbol.clone(),
                venue: Some(due.market.venue),
                interval: due.interval,
                from_ms: first_open_ms,
                to_ms: due.last_open_ms + length,
            },
        )
        .await?;
        for candle in &candles {
            let event = CandleClosed {
                venue: due.market.venue,
                symbol: due.market.symbol.clone(),
                interval: due.interval.name().to_string(),
                closed_at_ms: candle.open_time_ms + length,
                candle: candle.clone(),
            };
            Outbox::enqueue(&mut transaction, MARKET_CANDLES, &event).await?;
        }
        sqlx::query(
            "UPDATE candle_progress SET last_open_ms = $4, updated_at = now() \
             WHERE venue = $1 AND symbol = $2 AND candle_interval = $3",
        )
        .bind(venue)
        .bind(symbol)
        .bind(due.interval.name())
        .bind(due.last_open_ms)
        .execute(&mut *transaction)
        .await?;
        transaction.commit().await?;
        if !candles.is_empty() {
            self.outbox.wake();
        }
        Ok(candles.len() as u64)
    }
}

/// Fills `state` from the database: how far each market was closed, and the markets with
/// trades recent enough to have an interval left to close (read from the trades table
/// since `now_ms` minus the policy's lookback).
pub async fn load(pool: &PgPool, state: &ClosingState, now_ms: i64) -> Result<(), ReadError> {
    let rows = sqlx::query(
        "SELECT venue, symbol, candle_interval, last_open_ms FROM candle_progress \
         ORDER BY venue, symbol, candle_interval",
    )
    .fetch_all(pool)
    .await?;
    for row in &rows {
        let Some(market) = market_from_row(row)? else {
            continue;
        };
        let name: String = row.try_get("candle_interval")?;
        // A length no longer configured is left alone; it resumes if configured again.
        if let Some(interval) = Interval::parse(&name)
            && state.policy().intervals.contains(&interval)
        {
            state.set_closed(&market, interval, row.try_get("last_open_ms")?);
        }
    }
    let since_ms = (now_ms - state.policy().lookback_ms()).max(0);
    let since = timestamp(since_ms)
        .ok_or_else(|| ReadError::Corrupt(format!("time {since_ms} out of range")))?;
    let recent = sqlx::query("SELECT DISTINCT venue, symbol FROM trades WHERE traded_at >= $1")
        .bind(since)
        .fetch_all(pool)
        .await?;
    for row in &recent {
        if let Some(market) = market_from_row(row)? {
            state.add_market(market);
        }
    }
    Ok(())
}

/// The market of a row; `None` (logged) for a venue or symbol this code does not know.
fn market_from_row(row: &sqlx::postgres::PgRow) -> Result<Option<Market>, ReadError> {
    let venue: String = row.try_get("venue")?;
    let symbol: String = row.try_get("symbol")?;
    match (Venue::from_str(&venue), Symbol::from_str(&symbol)) {
        (Ok(venue), Ok(symbol)) => Ok(Some(Market { venue, symbol })),
        _ => {
            tracing::warn!(%venue, %symbol, "skipping a stored market this code does not know");
            Ok(None)
        }
    }
}

/// Loads the state (retrying while Postgres is away), then closes candles on the wall
/// clock until `shutdown`.
pub async fn run(
    sink: OutboxSink,
    state: std::sync::Arc<ClosingState>,
    shutdown: quorum_kit::CancellationToken,
) {
    let clock = crate::closing::SystemClock;
    let mut attempt = 0u32;
    while let Err(error) = load(&sink.pool, &state, clock.now_ms()).await {
        attempt = attempt.saturating_add(1);
        tracing::warn!(%error, attempt, "cannot load candle progress; retrying");
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(quorum_kit::client::backoff(attempt)) => {}
        }
    }
    tracing::info!(intervals = ?state.policy().intervals.iter().map(|interval| interval.name()).collect::<Vec<_>>(),
        grace_ms = state.policy().grace_ms, "closing candles");
    crate::closer::Closer::new(state, clock, sink)
        .run(shutdown)
        .await;
}
