//! Equity history: a point per account after every fill and transfer and every
//! interval, stored when the equity is known (every held asset has a mark), read back
//! oldest first in pages.
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use chrono::{DateTime, Utc};
use quorum_domain::Decimal;
use quorum_kit::CancellationToken;
use quorum_ledger::PortfolioView;
use sqlx::{PgPool, Row};

use crate::portfolios::Portfolios;
use crate::store::{ReadError, parse};

/// One stored point.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EquityPoint {
    pub at_ms: i64,
    pub equity: Decimal,
    pub cash: Decimal,
    pub positions_value: Decimal,
}

/// Where a page starts: after this (time, id).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PointKey {
    pub at_ms: i64,
    pub id: i64,
}

/// A page of points of one account in `[from_ms, to_ms)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PointQuery {
    pub account: String,
    pub from_ms: i64,
    pub to_ms: i64,
    pub after: Option<PointKey>,
    pub page_size: u32,
}

/// A page and, when more follow, the key to continue after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PointPage {
    pub points: Vec<EquityPoint>,
    pub next: Option<PointKey>,
}

/// Stores the view's equity at `at_ms`; `false` when the equity is not known.
pub async fn insert_point(
    pool: &PgPool,
    view: &PortfolioView,
    at_ms: i64,
) -> Result<bool, sqlx::Error> {
    let (Some(equity), Some(positions_value)) = (view.equity, view.positions_value()) else {
        return Ok(false);
    };
    let Some(at) = DateTime::<Utc>::from_timestamp_millis(at_ms) else {
        return Ok(false);
    };
    sqlx::query(
        "INSERT INTO equity_points (account, at, equity, cash, positions_value) \
         VALUES ($1, $2, $3::numeric, $4::numeric, $5::numeric)",
    )
    .bind(&view.account)
    .bind(at)
    .bind(equity.to_string())
    .bind(view.cash.to_string())
    .bind(positions_value.to_string())
    .execute(pool)
    .await?;
    Ok(true)
}

/// The page of points `query` asks for, oldest first.
pub async fn points(pool: &PgPool, query: &PointQuery) -> Result<PointPage, ReadError> {
    let time = |ms: i64| {
        DateTime::<Utc>::from_timestamp_millis(ms)
            .ok_or_else(|| ReadError::Corrupt(format!("time {ms} out of range")))
    };
    let (after_at, after_id) = match query.after {
        Some(key) => (time(key.at_ms)?, key.id),
        None => (time(query.from_ms)?, 0),
    };
    let rows = sqlx::query(
        "SELECT id, at, equity::text AS equity, cash::text AS cash, \
                positions_value::text AS positions_value \
         FROM equity_points \
         WHERE account = $1 AND at >= $2 AND at < $3 AND (at, id) > ($4, $5) \
         ORDER BY at, id LIMIT $6",
    )
    .bind(&query.account)
    .bind(time(query.from_ms)?)
    .bind(time(query.to_ms)?)
    .bind(after_at)
    .bind(after_id)
    .bind(i64::from(query.page_size) + 1)
    .fetch_all(pool)
    .await?;
    let mut points = Vec::with_capacity(rows.len());
    let mut keys = Vec::with_capacity(rows.len());
    for row in &rows {
        let at: DateTime<Utc> = row.try_get("at")?;
        keys.push(PointKey {
            at_ms: at.timestamp_millis(),
            id: row.try_get("id")?,
        });
        points.push(EquityPoint {
            at_ms: at.timestamp_millis(),
            equity: parse(row, "equity")?,
            cash: parse(row, "cash")?,
            positions_value: parse(row, "positions_value")?,
        });
    }
    let page_size = query.page_size as usize;
    let next = if points.len() > page_size {
        points.truncate(page_size);
        keys.get(page_size - 1).copied()
    } else {
        None
    };
    Ok(PointPage { points, next })
}

/// Records a point for every account every `interval` until `shutdown`.
pub async fn run(portfolios: Arc<Portfolios>, interval: Duration, shutdown: CancellationToken) {
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // The first tick is immediate; the first point is one interval after start.
    ticker.tick().await;
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            _ = ticker.tick() => {}
        }
        let accounts = portfolios.read(|ledger| ledger.accounts());
        for account in accounts {
            portfolios.record_equity(&account).await;
        }
    }
}

/// The token that continues a listing after `key`.
pub fn encode_page_token(key: PointKey) -> String {
    B64.encode(format!("{}:{}", key.at_ms, key.id))
}

/// The key a token continues after; `None` when it is not one of ours.
pub fn decode_page_token(token: &str) -> Option<PointKey> {
    let text = String::from_utf8(B64.decode(token).ok()?).ok()?;
    let (at_ms, id) = text.split_once(':')?;
    let key = PointKey {
        at_ms: at_ms.parse().ok()?,
        id: id.parse().ok()?,
    };
    (key.at_ms >= 0 && key.id > 0).then_some(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_tokens_round_trip_and_refuse_what_is_not_ours() {
        let key = PointKey {
            at_ms: 1_700_000_000_123,
            id: 42,
        };
        assert_eq!(decode_page_token(&encode_page_token(key)), Some(key));
        for bad in [
            "",
            "nope",
            &B64.encode("1:0"),
            &B64.encode("-1:3"),
            &B64.encode("x:1"),
        ] {
            assert_eq!(decode_page_token(bad), None, "{bad:?}");
        }
    }
}
