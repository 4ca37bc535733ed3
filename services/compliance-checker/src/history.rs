//! Order events and fills from the bus in Postgres: each stored once, the state of each
//! order kept as its most advanced event left it, and the reads that rebuild the views
//! and make the surveillance report.
use std::str::FromStr;

use quorum_domain::{Decimal, Fill, OrderEvent, OrderEventKind, Side, Venue};
use sqlx::PgPool;

use crate::views::{Cancel, OrderState, RecentFill};

/// A half-open time range `[from_ms, to_ms)` in Unix milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    pub from_ms: i64,
    pub to_ms: i64,
}

/// Stores the event (once per venue and event id) and moves its order forward; returns
/// the order as stored afterwards, whether or not this event changed it.
pub async fn store_order_event(
    pool: &PgPool,
    event: &OrderEvent,
) -> Result<OrderState, sqlx::Error> {
    let order = &event.order;
    let venue = order.venue.as_str();
    let kind = kind_name(event.kind);
    let document =
        serde_json::to_value(event).map_err(|error| sqlx::Error::Encode(Box::new(error)))?;
    let mut transaction = pool.begin().await?;
    sqlx::query(
        "INSERT INTO order_events (venue, event_id, kind, order_id, account, symbol, at_ms, event) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (venue, event_id) DO NOTHING",
    )
    .bind(venue)
    .bind(&event.event_id)
    .bind(kind)
    .bind(&order.order_id)
    .bind(&order.account)
    .bind(order.symbol.as_str())
    .bind(event.at_ms)
    .bind(document)
    .execute(&mut *transaction)
    .await?;
    let closed_at_ms = (stage(event.kind) == 2).then_some(event.at_ms);
    // A later stage wins; within a stage, more filled wins: an old event arriving late
    // never takes an order back.
    sqlx::query(
        "INSERT INTO orders (venue, order_id, account, symbol, side, price, quantity, \
             filled_quantity, status, stage, placed_at_ms, closed_at_ms) \
         VALUES ($1, $2, $3, $4, $5, $6::numeric, $7::numeric, $8::numeric, $9, $10, $11, $12) \
         ON CONFLICT (venue, order_id) DO UPDATE SET \
             filled_quantity = EXCLUDED.filled_quantity, status = EXCLUDED.status, \
             stage = EXCLUDED.stage, closed_at_ms = EXCLUDED.closed_at_ms \
         WHERE EXCLUDED.stage > orders.stage \
            OR (EXCLUDED.stage = orders.stage AND EXCLUDED.filled_quantity > orders.filled_quantity)",
    )
    .bind(venue)
    .bind(&order.order_id)
    .bind(&order.account)
    .bind(order.symbol.as_str())
    .bind(side_name(order.side))
    .bind(order.price.map(|price| price.to_string()))
    .bind(order.quantity.to_string())
    .bind(order.filled_quantity.to_string())
    .bind(kind)
    .bind(stage(event.kind))
    .bind(order.created_at_ms)
    .bind(closed_at_ms)
    .execute(&mut *transaction)
    .await?;
    let row: OrderRow = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {ORDER_COLUMNS} FROM orders WHERE venue = $1 AND order_id = $2"
    )))
    .bind(venue)
    .bind(&order.order_id)
    .fetch_one(&mut *transaction)
    .await?;
    transaction.commit().await?;
    order_state(row)
}

/// Stores the fill once per venue and fill id; true when it was new.
pub async fn store_fill(pool: &PgPool, fill: &Fill) -> Result<bool, sqlx::Error> {
    let result = sqlx::query(
        "INSERT INTO fills (venue, fill_id, order_id, account, symbol, side, price, quantity, filled_at_ms) \
         VALUES ($1, $2, $3, $4, $5, $6, $7::numeric, $8::numeric, $9) \
         ON CONFLICT (venue, fill_id) DO NOTHING",
    )
    .bind(fill.venue.as_str())
    .bind(&fill.fill_id)
    .bind(&fill.order_id)
    .bind(&fill.account)
    .bind(fill.symbol.as_str())
    .bind(side_name(fill.side))
    .bind(fill.price.to_string())
    .bind(fill.quantity.to_string())
    .bind(fill.filled_at_ms)
    .execute(pool)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Open orders, and orders cancelled at or after `since_ms` (to rebuild the views).
pub async fn open_and_cancelled_since(
    pool: &PgPool,
    since_ms: i64,
) -> Result<Vec<OrderState>, sqlx::Error> {
    let rows: Vec<OrderRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {ORDER_COLUMNS} FROM orders \
         WHERE stage < 2 OR (status = 'cancelled' AND closed_at_ms >= $1)"
    )))
    .bind(since_ms)
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(order_state).collect()
}

/// Placements (`placed` events) at or after `since_ms`: account, venue, order id, time.
pub async fn placements_since(
    pool: &PgPool,
    since_ms: i64,
) -> Result<Vec<(String, Venue, String, i64)>, sqlx::Error> {
    let rows: Vec<(String, String, String, i64)> = sqlx::query_as(
        "SELECT account, venue, order_id, at_ms FROM order_events \
         WHERE kind = 'placed' AND at_ms >= $1",
    )
    .bind(since_ms)
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(|(account, venue, order_id, at_ms)| {
            Ok((account, parse("venue", &venue)?, order_id, at_ms))
        })
        .collect()
}

/// Fills made at or after `since_ms` (to rebuild the views).
pub async fn fills_since(pool: &PgPool, since_ms: i64) -> Result<Vec<RecentFill>, sqlx::Error> {
    fills_in(
        pool,
        Range {
            from_ms: since_ms,
            to_ms: i64::MAX,
        },
        None,
    )
    .await
}

/// Fills made in `range`, of `account` or of every account, by account, symbol, time.
pub async fn fills_in(
    pool: &PgPool,
    range: Range,
    account: Option<&str>,
) -> Result<Vec<RecentFill>, sqlx::Error> {
    let rows: Vec<FillRow> = sqlx::query_as(
        "SELECT venue, fill_id, order_id, account, symbol, side, price::text, quantity::text, filled_at_ms \
         FROM fills WHERE filled_at_ms >= $1 AND filled_at_ms < $2 AND ($3::text IS NULL OR account = $3) \
         ORDER BY account, symbol, filled_at_ms, venue, fill_id",
    )
    .bind(range.from_ms)
    .bind(range.to_ms)
    .bind(account)
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(recent_fill).collect()
}

/// Orders cancelled in `range`, of `account` or of every account.
pub async fn cancels_in(
    pool: &PgPool,
    range: Range,
    account: Option<&str>,
) -> Result<Vec<Cancel>, sqlx::Error> {
    let rows: Vec<OrderRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {ORDER_COLUMNS} FROM orders WHERE status = 'cancelled' \
         AND closed_at_ms >= $1 AND closed_at_ms < $2 AND ($3::text IS NULL OR account = $3)"
    )))
    .bind(range.from_ms)
    .bind(range.to_ms)
    .bind(account)
    .fetch_all(pool)
    .await?;
    let mut cancels = Vec::with_capacity(rows.len());
    for row in rows {
        let order = order_state(row)?;
        let notional = order.notional();
        cancels.push(Cancel {
            venue: order.venue,
            order_id: order.order_id,
            account: order.account,
            symbol: order.symbol,
            notional,
            placed_at_ms: order.placed_at_ms,
            cancelled_at_ms: order.closed_at_ms.unwrap_or(order.placed_at_ms),
        });
    }
    Ok(cancels)
}

/// Orders with at least one event in `range`, of `account` or of every account.
pub async fn orders_examined(
    pool: &PgPool,
    range: Range,
    account: Option<&str>,
) -> Result<u64, sqlx::Error> {
    let count: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM (SELECT DISTINCT venue, order_id FROM order_events \
         WHERE at_ms >= $1 AND at_ms < $2 AND ($3::text IS NULL OR account = $3)) AS examined",
    )
    .bind(range.from_ms)
    .bind(range.to_ms)
    .bind(account)
    .fetch_one(pool)
    .await?;
    Ok(u64::try_from(count).unwrap_or(0))
}

/// The name an event kind has on the bus and in storage.
pub fn kind_name(kind: OrderEventKind) -> &'static str {
    match kind {
        OrderEventKind::Placed => "placed",
        OrderEventKind::PartiallyFilled => "partially_filled",
        OrderEventKind::Filled => "filled",
        OrderEventKind::Cancelled => "cancelled",
        OrderEventKind::Rejected => "rejected",
        OrderEventKind::Expired => "expired",
    }
}

/// 0 placed, 1 partially filled, 2 ended.
fn stage(kind: OrderEventKind) -> i16 {
    match kind {
        OrderEventKind::Placed => 0,
        OrderEventKind::PartiallyFilled => 1,
        OrderEventKind::Filled
        | OrderEventKind::Cancelled
        | OrderEventKind::Rejected
        | OrderEventKind::Expired => 2,
    }
}

fn side_name(side: Side) -> &'static str {
    match side {
        Side::Buy => "buy",
        Side::Sell => "sell",
    }
}

const ORDER_COLUMNS: &str = "venue, order_id, account, symbol, side, price::text, quantity::text, \
     filled_quantity::text, status, placed_at_ms, closed_at_ms";

type OrderRow = (
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    String,
    String,
    String,
    i64,
    Option<i64>,
);

type FillRow = (
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    i64,
);

fn order_state(row: OrderRow) -> Result<OrderState, sqlx::Error> {
    let (
        venue,
        order_id,
        account,
        symbol,
        side,
        price,
        quantity,
        filled,
        status,
        placed_at_ms,
        closed_at_ms,
    ) = row;
    Ok(OrderState {
        venue: parse("venue", &venue)?,
        order_id,
        account,
        symbol: parse("symbol", &symbol)?,
        side: parse_side(&side)?,
        price: price
            .map(|price| parse::<Decimal>("price", &price))
            .transpose()?,
        quantity: parse("quantity", &quantity)?,
        filled_quantity: parse("filled_quantity", &filled)?,
        status,
        placed_at_ms,
        closed_at_ms,
    })
}

fn recent_fill(row: FillRow) -> Result<RecentFill, sqlx::Error> {
    let (venue, fill_id, order_id, account, symbol, side, price, quantity, filled_at_ms) = row;
    Ok(RecentFill {
        venue: parse("venue", &venue)?,
        fill_id,
        order_id,
        account,
        symbol: parse("symbol", &symbol)?,
        side: parse_side(&side)?,
        price: parse("price", &price)?,
        quantity: parse("quantity", &quantity)?,
        filled_at_ms,
    })
}

fn parse<T: FromStr>(column: &str, text: &str) -> Result<T, sqlx::Error> {
    text.parse()
        .map_err(|_| sqlx::Error::Decode(format!("stored {column} '{text}' does not parse").into()))
}

fn parse_side(text: &str) -> Result<Side, sqlx::Error> {
    match text {
        "buy" => Ok(Side::Buy),
        "sell" => Ok(Side::Sell),
        other => Err(sqlx::Error::Decode(
            format!("stored side '{other}' is not buy or sell").into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stages_only_move_forward_through_the_lifecycle() {
        assert_eq!(stage(OrderEventKind::Placed), 0);
        assert_eq!(stage(OrderEventKind::PartiallyFilled), 1);
        for ended in [
            OrderEventKind::Filled,
            OrderEventKind::Cancelled,
            OrderEventKind::Rejected,
            OrderEventKind::Expired,
        ] {
            assert_eq!(stage(ended), 2);
        }
    }

    #[test]
    fn kind_names_match_the_bus_names() {
        for kind in [
            OrderEventKind::Placed,
            OrderEventKind::PartiallyFilled,
            OrderEventKind::Cancelled,
        ] {
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind_name(kind)));
        }
        assert!(parse_side("hold").is_err());
        assert!(parse::<Decimal>("price", "NaN").is_err());
    }
}
