//! Reading trades back: pages in (time, venue, trade id) order by keyset, and candles
//! aggregated in SQL.
use std::str::FromStr;

use chrono::{DateTime, Utc};
use quorum_domain::{Candle, Decimal, Side, Symbol, Trade, Venue};
use sqlx::{PgPool, Row};

use crate::store::timestamp;
use crate::validate::{CandleQuery, TradeKey, TradeQuery};

/// One page of trades and, when more follow, the key of the last one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TradePage {
    pub trades: Vec<Trade>,
    pub next: Option<TradeKey>,
}

/// Why reading failed.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    /// A stored value this code does not understand (the table was changed by hand).
    #[error("stored row is not valid: {0}")]
    Corrupt(String),
}

/// The page of trades `query` asks for.
pub async fn trades(pool: &PgPool, query: &TradeQuery) -> Result<TradePage, ReadError> {
    // A first page starts after the smallest key at `from`: no venue sorts before ''.
    let (after_ms, after_venue, after_id) = match &query.after {
        Some(key) => (key.traded_at_ms, key.venue.as_str(), key.trade_id.as_str()),
        None => (query.from_ms, "", ""),
    };
    let rows = sqlx::query(
        "SELECT venue, symbol, trade_id, price::text AS price, quantity::text AS quantity, \
                taker_side, traded_at \
         FROM trades \
         WHERE symbol = $1 AND venue = ANY($2) AND traded_at >= $3 AND traded_at < $4 \
           AND (traded_at, venue, trade_id) > ($5, $6, $7) \
         ORDER BY traded_at, venue, trade_id \
         LIMIT $8",
    )
    .bind(query.symbol.as_str())
    .bind(venue_names(query.venue))
    .bind(time(query.from_ms)?)
    .bind(time(query.to_ms)?)
    .bind(time(after_ms)?)
    .bind(after_venue)
    .bind(after_id)
    .bind(i64::from(query.page_size) + 1)
    .fetch_all(pool)
    .await?;
    let mut trades = rows
        .iter()
        .map(trade_from_row)
        .collect::<Result<Vec<_>, _>>()?;
    let next = if trades.len() > query.page_size as usize {
        trades.truncate(query.page_size as usize);
        trades.last().map(|last| TradeKey {
            traded_at_ms: last.traded_at_ms,
            venue: last.venue,
            trade_id: last.trade_id.clone(),
        })
    } else {
        None
    };
    Ok(TradePage { trades, next })
}

/// The candles of `query`, oldest first; intervals without trades are absent. GetCandles
/// and the candle closer (inside its transaction) both use this one query.
pub async fn candles<'e>(
    executor: impl sqlx::PgExecutor<'e>,
    query: &CandleQuery,
) -> Result<Vec<Candle>, ReadError> {
    // open and close are the prices of the first and last trade of each interval in the
    // same (time, venue, trade id) order QueryTrades uses, so ties break the same way.
    let rows = sqlx::query(
        "WITH bucketed AS ( \
             SELECT price, quantity, traded_at, venue, trade_id, \
                    (FLOOR(EXTRACT(EPOCH FROM traded_at) * 1000 / $5) * $5)::bigint AS open_ms \
             FROM trades \
             WHERE symbol = $1 AND venue = ANY($2) AND traded_at >= $3 AND traded_at < $4 \
         ), ranked AS ( \
             SELECT open_ms, price, quantity, \
                    ROW_NUMBER() OVER (PARTITION BY open_ms \
                        ORDER BY traded_at, venue, trade_id) AS from_first, \
                    ROW_NUMBER() OVER (PARTITION BY open_ms \
                        ORDER BY traded_at DESC, venue DESC, trade_id DESC) AS from_last \
             FROM bucketed \
         ) \
         SELECT open_ms, \
                (MAX(price) FILTER (WHERE from_first = 1))::text AS open, \
                MAX(price)::text AS high, \
                MIN(price)::text AS low, \
                (MAX(price) FILTER (WHERE from_last = 1))::text AS close, \
                SUM(quantity)::text AS volume, \
                SUM(price * quantity)::text AS quote_volume, \
                COUNT(*) AS trade_count \
         FROM ranked \
         GROUP BY open_ms \
         ORDER BY open_ms",
    )
    .bind(query.symbol.as_str())
    .bind(venue_names(query.venue))
    .bind(time(query.from_ms)?)
    .bind(time(query.to_ms)?)
    .bind(query.interval.millis())
    .fetch_all(executor)
    .await?;
    rows.iter().map(candle_from_row).collect()
}

/// The venues a filter admits, as stored.
fn venue_names(filter: Option<Venue>) -> Vec<&'static str> {
    match filter {
        Some(venue) => vec![venue.as_str()],
        None => Venue::ALL.iter().map(|venue| venue.as_str()).collect(),
    }
}

fn time(unix_ms: i64) -> Result<DateTime<Utc>, ReadError> {
    // Requests were checked against the same bounds; this only guards the invariant.
    timestamp(unix_ms).ok_or_else(|| ReadError::Corrupt(format!("time {unix_ms} out of range")))
}

fn trade_from_row(row: &sqlx::postgres::PgRow) -> Result<Trade, ReadError> {
    let venue: String = row.try_get("venue")?;
    let symbol: String = row.try_get("symbol")?;
    let side: String = row.try_get("taker_side")?;
    let traded_at: DateTime<Utc> = row.try_get("traded_at")?;
    Ok(Trade {
        venue: Venue::from_str(&venue).map_err(|error| ReadError::Corrupt(error.to_string()))?,
        symbol: Symbol::from_str(&symbol).map_err(|error| ReadError::Corrupt(error.to_string()))?,
        trade_id: row.try_get("trade_id")?,
        price: decimal(row, "price")?,
        quantity: decimal(row, "quantity")?,
        taker_side: match side.as_str() {
            "buy" => Side::Buy,
            "sell" => Side::Sell,
            other => return Err(ReadError::Corrupt(format!("taker_side '{other}'"))),
        },
        traded_at_ms: traded_at.timestamp_millis(),
    })
}

fn candle_from_row(row: &sqlx::postgres::PgRow) -> Result<Candle, ReadError> {
    let trade_count: i64 = row.try_get("trade_count")?;
    Ok(Candle {
        open_time_ms: row.try_get("open_ms")?,
        open: decimal(row, "open")?,
        high: decimal(row, "high")?,
        low: decimal(row, "low")?,
        close: decimal(row, "close")?,
        volume: decimal(row, "volume")?,
        quote_volume: decimal(row, "quote_volume")?,
        trade_count: u64::try_from(trade_count).unwrap_or_default(),
    })
}

fn decimal(row: &sqlx::postgres::PgRow, column: &str) -> Result<Decimal, ReadError> {
    let text: String = row.try_get(column)?;
    parse_numeric(&text)
        .ok_or_else(|| ReadError::Corrupt(format!("{column} '{text}' is not a decimal")))
}

/// A Postgres numeric as text to a Decimal. Sums can carry more fractional digits than a
/// Decimal holds (28 significant digits); those are rounded, never dropped silently
/// from the integer part.
pub fn parse_numeric(text: &str) -> Option<Decimal> {
    Decimal::from_str(text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numerics_parse_exactly_and_long_fractions_round() {
        assert_eq!(
            parse_numeric("42000.10").map(|value| value.to_string()),
            Some("42000.10".to_string())
        );
        // 40 significant digits: more than a Decimal holds; the fraction is rounded.
        let long = parse_numeric("123456789012.1234567890123456789012345678").unwrap();
        assert_eq!(long.trunc(), Decimal::from(123_456_789_012_i64));
        assert!(
            long.to_string().starts_with("123456789012.123456789012345"),
            "{long}"
        );
        assert_eq!(parse_numeric("not a number"), None);
        assert_eq!(venue_names(Some(Venue::Okx)), ["okx"]);
        assert_eq!(venue_names(None).len(), 4);
    }
}
