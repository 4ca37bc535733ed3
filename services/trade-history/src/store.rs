//! Writing trades in batches (one multi-row statement per batch, idempotent on the key).
//! What a failed call means (data error, unavailable, its gRPC status) is
//! `quorum_store::errors`.
use chrono::{DateTime, Utc};
use quorum_domain::Trade;
use sqlx::PgPool;
use tokio::task::JoinSet;

/// Rows per statement for callers that have many trades at once (import, benchmark).
/// Large on purpose: each statement costs a round trip and, over TCP, may wait out a
/// delayed acknowledgement (about 40 ms) when its parameters span several segments.
pub const WRITE_CHUNK: usize = 10_000;

/// The latest time a trade or a range may name: the end of year 9999, well inside what
/// both chrono and Postgres represent.
pub const MAX_TIME_MS: i64 = 253_402_300_799_999;

/// Inserts `trades` in one statement; rows already stored (same venue, symbol, trade id
/// and time) are skipped. Returns how many rows were new.
pub async fn insert_trades(pool: &PgPool, trades: &[Trade]) -> Result<u64, sqlx::Error> {
    if trades.is_empty() {
        return Ok(0);
    }
    let columns = Columns::of(trades)?;
    let result = sqlx::query(
        "INSERT INTO trades (venue, symbol, trade_id, price, quantity, taker_side, traded_at) \
         SELECT venue, symbol, trade_id, price::numeric, quantity::numeric, taker_side, traded_at \
         FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], \
                     $7::timestamptz[]) \
              AS batch (venue, symbol, trade_id, price, quantity, taker_side, traded_at) \
         ON CONFLICT (venue, symbol, trade_id, traded_at) DO NOTHING",
    )
    .bind(columns.venues)
    .bind(columns.symbols)
    .bind(columns.trade_ids)
    .bind(columns.prices)
    .bind(columns.quantities)
    .bind(columns.sides)
    .bind(columns.times)
    .execute(pool)
    .await?;
    Ok(result.rows_affected())
}

/// Writes chunks of trades with up to `parallel` statements in flight, so the database
/// can use more than one core for a large import while the caller prepares the next chunk.
pub struct ChunkWriter {
    pool: PgPool,
    parallel: usize,
    in_flight: JoinSet<Result<u64, sqlx::Error>>,
    inserted: u64,
}

impl ChunkWriter {
    pub fn new(pool: PgPool, parallel: usize) -> Self {
        Self {
            pool,
            parallel: parallel.max(1),
            in_flight: JoinSet::new(),
            inserted: 0,
        }
    }

    /// Starts writing `trades` ([`WRITE_CHUNK`] rows per statement); waits first while
    /// `parallel` statements are already running.
    pub async fn write(&mut self, trades: Vec<Trade>) -> Result<(), sqlx::Error> {
        for chunk in trades.chunks(WRITE_CHUNK) {
            while self.in_flight.len() >= self.parallel {
                self.settle_one().await?;
            }
            let pool = self.pool.clone();
            let chunk = chunk.to_vec();
            self.in_flight
                .spawn(async move { insert_trades(&pool, &chunk).await });
        }
        Ok(())
    }

    /// Waits for every statement; returns how many rows were new in all.
    pub async fn finish(mut self) -> Result<u64, sqlx::Error> {
        while !self.in_flight.is_empty() {
            self.settle_one().await?;
        }
        Ok(self.inserted)
    }

    async fn settle_one(&mut self) -> Result<(), sqlx::Error> {
        if let Some(joined) = self.in_flight.join_next().await {
            let inserted = joined.map_err(|error| {
                sqlx::Error::Protocol(format!("a batch insert task failed: {error}"))
            })??;
            self.inserted += inserted;
        }
        Ok(())
    }
}

/// A Unix time in milliseconds as a timestamp, if it is in the supported range.
pub fn timestamp(unix_ms: i64) -> Option<DateTime<Utc>> {
    if !(0..=MAX_TIME_MS).contains(&unix_ms) {
        return None;
    }
    DateTime::from_timestamp_millis(unix_ms)
}

/// The batch as one array per column, the shape UNNEST takes.
struct Columns {
    venues: Vec<&'static str>,
    symbols: Vec<String>,
    trade_ids: Vec<String>,
    prices: Vec<String>,
    quantities: Vec<String>,
    sides: Vec<&'static str>,
    times: Vec<DateTime<Utc>>,
}

impl Columns {
    fn of(trades: &[Trade]) -> Result<Self, sqlx::Error> {
        let mut columns = Self {
            venues: Vec::with_capacity(trades.len()),
            symbols: Vec::with_capacity(trades.len()),
            trade_ids: Vec::with_capacity(trades.len()),
            prices: Vec::with_capacity(trades.len()),
            quantities: Vec::with_capacity(trades.len()),
            sides: Vec::with_capacity(trades.len()),
            times: Vec::with_capacity(trades.len()),
        };
        for trade in trades {
            let time = timestamp(trade.traded_at_ms).ok_or_else(|| {
                sqlx::Error::Encode(
                    format!(
                        "trade {} has traded_at_ms {} outside 0..={MAX_TIME_MS}",
                        trade.trade_id, trade.traded_at_ms
                    )
                    .into(),
                )
            })?;
            columns.venues.push(trade.venue.as_str());
            columns.symbols.push(trade.symbol.to_string());
            columns.trade_ids.push(trade.trade_id.clone());
            // Decimal's text form is exact; Postgres parses it into numeric unchanged.
            columns.prices.push(trade.price.to_string());
            columns.quantities.push(trade.quantity.to_string());
            columns.sides.push(side_name(trade.taker_side));
            columns.times.push(time);
        }
        Ok(columns)
    }
}

/// The stored name of a taker side.
pub fn side_name(side: quorum_domain::Side) -> &'static str {
    match side {
        quorum_domain::Side::Buy => "buy",
        quorum_domain::Side::Sell => "sell",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_outside_the_supported_range_are_refused() {
        assert_eq!(timestamp(0).map(|t| t.timestamp_millis()), Some(0));
        assert_eq!(
            timestamp(1_700_000_000_123).map(|t| t.timestamp_millis()),
            Some(1_700_000_000_123)
        );
        assert!(timestamp(MAX_TIME_MS).is_some());
        assert!(timestamp(MAX_TIME_MS + 1).is_none());
        assert!(timestamp(-1).is_none());
    }
}
