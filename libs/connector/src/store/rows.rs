//! The paper tables row by row: decimals go in and out as exact numeric text, orders as
//! the JSON of quorum-domain's `Order`.
use quorum_domain::{Decimal, Order, OrderStatus, Venue};
use sqlx::types::Json;
use sqlx::{PgConnection, PgPool};

use crate::paper::{AccountBalance, StoredOrder};

/// Why the stored state could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("stored paper state is not valid: {0}")]
    Corrupt(String),
}

/// Which orders to read.
#[derive(Debug, Clone, Copy)]
pub enum Which {
    /// Every open order, by number.
    Open,
    /// The most recently closed orders, at most this many, oldest first.
    RecentClosed(i64),
}

type OrderRow = (String, i64, String, String, Json<Order>);

pub async fn balances(pool: &PgPool) -> Result<Vec<AccountBalance>, LoadError> {
    let rows: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT account, asset, free::text, locked::text FROM paper_balances ORDER BY account, asset",
    )
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(|(account, asset, free, locked)| {
            let what = format!("paper_balances ({account}, {asset})");
            Ok(AccountBalance {
                free: numeric(&free, &what)?,
                locked: numeric(&locked, &what)?,
                account,
                asset,
            })
        })
        .collect()
}

pub async fn orders(
    pool: &PgPool,
    venue: Venue,
    which: Which,
) -> Result<Vec<StoredOrder>, LoadError> {
    let columns = "order_id, number, locked_asset, locked::text, body";
    let rows: Vec<OrderRow> = match which {
        Which::Open => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {columns} FROM paper_orders WHERE open ORDER BY number"
            )))
            .fetch_all(pool)
            .await?
        }
        Which::RecentClosed(limit) => {
            let mut rows: Vec<OrderRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {columns} FROM paper_orders WHERE NOT open ORDER BY close_rank DESC LIMIT $1"
            )))
            .bind(limit)
            .fetch_all(pool)
            .await?;
            rows.reverse();
            rows
        }
    };
    rows.into_iter()
        .map(|(order_id, number, locked_asset, locked, Json(order))| {
            let what = format!("paper_orders {order_id}");
            if order.order_id != order_id || order.venue != venue {
                return Err(LoadError::Corrupt(format!(
                    "{what} holds order {} of {}",
                    order.order_id, order.venue
                )));
            }
            let number = u64::try_from(number)
                .map_err(|_| LoadError::Corrupt(format!("{what} has number {number}")))?;
            Ok(StoredOrder {
                order,
                number,
                locked_asset,
                locked: numeric(&locked, &what)?,
            })
        })
        .collect()
}

pub async fn forget(connection: &mut PgConnection, order_ids: &[String]) -> sqlx::Result<()> {
    if !order_ids.is_empty() {
        sqlx::query("DELETE FROM paper_orders WHERE order_id = ANY($1)")
            .bind(order_ids)
            .execute(connection)
            .await?;
    }
    Ok(())
}

pub async fn upsert_order(connection: &mut PgConnection, stored: &StoredOrder) -> sqlx::Result<()> {
    let order = &stored.order;
    // A closed order takes the next close rank once; it never changes after closing.
    sqlx::query(
        "INSERT INTO paper_orders (order_id, number, account, client_order_id, symbol, status,
             open, locked_asset, locked, close_rank, body, updated_at_ms)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::numeric,
             CASE WHEN $7 THEN NULL ELSE nextval('paper_close_rank') END, $10, $11)
         ON CONFLICT (order_id) DO UPDATE SET
             status = EXCLUDED.status,
             open = EXCLUDED.open,
             locked_asset = EXCLUDED.locked_asset,
             locked = EXCLUDED.locked,
             close_rank = COALESCE(paper_orders.close_rank, EXCLUDED.close_rank),
             body = EXCLUDED.body,
             updated_at_ms = EXCLUDED.updated_at_ms",
    )
    .bind(&order.order_id)
    .bind(i64::try_from(stored.number).unwrap_or(i64::MAX))
    .bind(&order.account)
    .bind(&order.client_order_id)
    .bind(order.symbol.to_string())
    .bind(status_name(order.status))
    .bind(order.status.is_open())
    .bind(&stored.locked_asset)
    .bind(stored.locked.to_string())
    .bind(Json(order))
    .bind(order.updated_at_ms)
    .execute(connection)
    .await?;
    Ok(())
}

pub async fn upsert_balance(
    connection: &mut PgConnection,
    balance: &AccountBalance,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO paper_balances (account, asset, free, locked)
         VALUES ($1, $2, $3::numeric, $4::numeric)
         ON CONFLICT (account, asset) DO UPDATE SET free = EXCLUDED.free, locked = EXCLUDED.locked",
    )
    .bind(&balance.account)
    .bind(&balance.asset)
    .bind(balance.free.to_string())
    .bind(balance.locked.to_string())
    .execute(connection)
    .await?;
    Ok(())
}

/// The status as the order's JSON names it.
fn status_name(status: OrderStatus) -> &'static str {
    match status {
        OrderStatus::New => "new",
        OrderStatus::PartiallyFilled => "partially_filled",
        OrderStatus::Filled => "filled",
        OrderStatus::Canceled => "canceled",
        OrderStatus::Rejected => "rejected",
        OrderStatus::Expired => "expired",
    }
}

fn numeric(text: &str, what: &str) -> Result<Decimal, LoadError> {
    text.parse()
        .map_err(|_| LoadError::Corrupt(format!("{what} holds {text:?}, not a decimal")))
}
