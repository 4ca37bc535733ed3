//! The service's tables: limits per account, equity peaks, start-of-day equity and the
//! accounts checked lately. The status a database error becomes is
//! `quorum_store::errors::database_status`.
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use sqlx::{PgConnection, PgPool, Row};

use crate::limits::Limits;

/// How long after its last check an account stays watched by the drawdown monitor.
pub const RECENT_CHECK_HOURS: i64 = 24;

/// Start-of-day records older than this many days are removed.
pub const DAY_RECORDS_KEPT: i64 = 7;

/// An account's own limits, if it has any.
pub async fn limits_of(pool: &PgPool, account: &str) -> Result<Option<Limits>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT max_order_notional::text, max_position_notional::text, \
                max_gross_exposure::text, max_net_exposure::text, max_leverage::text, \
                max_daily_loss::text, max_orders_per_minute, price_band_bps, \
                reducing_drawdown, halting_drawdown \
         FROM limits WHERE account = $1",
    )
    .bind(account)
    .fetch_optional(pool)
    .await?;
    row.map(|row| limits_from_row(&row)).transpose()
}

/// Stores an account's limits, replacing any it had.
pub async fn save_limits(
    connection: &mut PgConnection,
    account: &str,
    limits: &Limits,
    updated_by: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO limits (account, max_order_notional, max_position_notional, \
             max_gross_exposure, max_net_exposure, max_leverage, max_daily_loss, \
             max_orders_per_minute, price_band_bps, reducing_drawdown, halting_drawdown, \
             updated_by, updated_at) \
         VALUES ($1, $2::numeric, $3::numeric, $4::numeric, $5::numeric, $6::numeric, \
                 $7::numeric, $8, $9, $10, $11, $12, now()) \
         ON CONFLICT (account) DO UPDATE SET \
             max_order_notional = EXCLUDED.max_order_notional, \
             max_position_notional = EXCLUDED.max_position_notional, \
             max_gross_exposure = EXCLUDED.max_gross_exposure, \
             max_net_exposure = EXCLUDED.max_net_exposure, \
             max_leverage = EXCLUDED.max_leverage, \
             max_daily_loss = EXCLUDED.max_daily_loss, \
             max_orders_per_minute = EXCLUDED.max_orders_per_minute, \
             price_band_bps = EXCLUDED.price_band_bps, \
             reducing_drawdown = EXCLUDED.reducing_drawdown, \
             halting_drawdown = EXCLUDED.halting_drawdown, \
             updated_by = EXCLUDED.updated_by, updated_at = EXCLUDED.updated_at",
    )
    .bind(account)
    .bind(limits.max_order_notional.to_string())
    .bind(limits.max_position_notional.to_string())
    .bind(limits.max_gross_exposure.to_string())
    .bind(limits.max_net_exposure.to_string())
    .bind(limits.max_leverage.to_string())
    .bind(limits.max_daily_loss.to_string())
    .bind(i64::from(limits.max_orders_per_minute))
    .bind(i64::from(limits.price_band_bps))
    .bind(limits.reducing_drawdown)
    .bind(limits.halting_drawdown)
    .bind(updated_by)
    .execute(connection)
    .await?;
    Ok(())
}

/// Records an account's equity now; returns its peak, this equity included.
pub async fn observe_equity(
    pool: &PgPool,
    account: &str,
    equity: Decimal,
) -> Result<Decimal, sqlx::Error> {
    let peak: String = sqlx::query_scalar(
        "INSERT INTO equity_peaks AS peaks (account, peak, peak_at, equity, observed_at) \
         VALUES ($1, $2::numeric, now(), $2::numeric, now()) \
         ON CONFLICT (account) DO UPDATE SET \
             peak = GREATEST(peaks.peak, EXCLUDED.equity), \
             peak_at = CASE WHEN EXCLUDED.equity > peaks.peak THEN now() ELSE peaks.peak_at END, \
             equity = EXCLUDED.equity, observed_at = now() \
         RETURNING peak::text",
    )
    .bind(account)
    .bind(equity.to_string())
    .fetch_one(pool)
    .await?;
    parse_amount("equity_peaks.peak", &peak)
}

/// The first equity recorded for the account on `day`, recording `equity` if none was.
pub async fn day_open_equity(
    pool: &PgPool,
    account: &str,
    day: NaiveDate,
    equity: Decimal,
) -> Result<Decimal, sqlx::Error> {
    // Two statements, so the read sees a row another replica inserted meanwhile.
    sqlx::query(
        "INSERT INTO day_open_equity (account, day, equity) VALUES ($1, $2, $3::numeric) \
         ON CONFLICT (account, day) DO NOTHING",
    )
    .bind(account)
    .bind(day)
    .bind(equity.to_string())
    .execute(pool)
    .await?;
    let opening: String = sqlx::query_scalar(
        "SELECT equity::text FROM day_open_equity WHERE account = $1 AND day = $2",
    )
    .bind(account)
    .bind(day)
    .fetch_one(pool)
    .await?;
    parse_amount("day_open_equity.equity", &opening)
}

/// Notes that an order of `account` was checked, so the drawdown monitor watches it.
pub async fn touch_checked(pool: &PgPool, account: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO checked_accounts (account, last_checked_at) VALUES ($1, now()) \
         ON CONFLICT (account) DO UPDATE SET last_checked_at = now()",
    )
    .bind(account)
    .execute(pool)
    .await?;
    Ok(())
}

/// Accounts with limits of their own or checked in the last [`RECENT_CHECK_HOURS`].
pub async fn watched_accounts(pool: &PgPool) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT account FROM limits \
         UNION \
         SELECT account FROM checked_accounts \
         WHERE last_checked_at > now() - make_interval(hours => $1::int) \
         ORDER BY account",
    )
    .bind(RECENT_CHECK_HOURS as i32)
    .fetch_all(pool)
    .await
}

/// Removes start-of-day records older than [`DAY_RECORDS_KEPT`] days and accounts not
/// checked for as long.
pub async fn prune(pool: &PgPool, today: NaiveDate) -> Result<(), sqlx::Error> {
    let oldest_kept = today - chrono::Duration::days(DAY_RECORDS_KEPT);
    sqlx::query("DELETE FROM day_open_equity WHERE day < $1")
        .bind(oldest_kept)
        .execute(pool)
        .await?;
    sqlx::query(
        "DELETE FROM checked_accounts \
         WHERE last_checked_at < now() - make_interval(days => $1::int)",
    )
    .bind(DAY_RECORDS_KEPT as i32)
    .execute(pool)
    .await?;
    Ok(())
}

/// A timestamp as Unix milliseconds.
pub fn unix_ms(at: DateTime<Utc>) -> i64 {
    at.timestamp_millis()
}

fn limits_from_row(row: &sqlx::postgres::PgRow) -> Result<Limits, sqlx::Error> {
    let amount = |index: usize, name: &str| -> Result<Decimal, sqlx::Error> {
        let text: String = row.try_get(index)?;
        parse_amount(name, &text)
    };
    let count = |index: usize, name: &str| -> Result<u32, sqlx::Error> {
        let value: i64 = row.try_get(index)?;
        u32::try_from(value).map_err(|_| corrupt(name, &value.to_string()))
    };
    Ok(Limits {
        max_order_notional: amount(0, "max_order_notional")?,
        max_position_notional: amount(1, "max_position_notional")?,
        max_gross_exposure: amount(2, "max_gross_exposure")?,
        max_net_exposure: amount(3, "max_net_exposure")?,
        max_leverage: amount(4, "max_leverage")?,
        max_daily_loss: amount(5, "max_daily_loss")?,
        max_orders_per_minute: count(6, "max_orders_per_minute")?,
        price_band_bps: count(7, "price_band_bps")?,
        reducing_drawdown: row.try_get(8)?,
        halting_drawdown: row.try_get(9)?,
    })
}

fn parse_amount(name: &str, text: &str) -> Result<Decimal, sqlx::Error> {
    text.parse::<Decimal>()
        .or_else(|_| Decimal::from_scientific(text))
        .map_err(|_| corrupt(name, text))
}

fn corrupt(name: &str, text: &str) -> sqlx::Error {
    sqlx::Error::Decode(format!("stored {name} '{text}' does not fit a decimal").into())
}
