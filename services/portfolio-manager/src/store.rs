//! The journal in Postgres: entries with their postings, the fills and transfers that
//! made them, and reading them back to rebuild the ledger.
use std::collections::BTreeMap;
use std::str::FromStr;

use quorum_domain::{Decimal, Fill, Liquidity, Side, Symbol, Venue};
use quorum_ledger::{FillEffect, JournalEntry, Transfer, TransferEffect};
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, PgPool, Row};

/// Why reading the journal failed.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    /// A stored value this code does not understand (the tables were changed by hand).
    #[error("stored row is not valid: {0}")]
    Corrupt(String),
}

/// A stored fill and the journal entry it made.
#[derive(Debug, Clone)]
pub struct StoredFill {
    pub sequence: u64,
    pub fill: Fill,
}

/// A stored transfer and the journal entry it made.
#[derive(Debug, Clone)]
pub struct StoredTransfer {
    pub sequence: u64,
    pub transfer: Transfer,
}

/// Writes a fill's entry, postings and row. `false` (and nothing written once the
/// caller rolls back) when the (venue, fill id) is already stored.
pub async fn insert_fill(
    connection: &mut PgConnection,
    effect: &FillEffect,
) -> Result<bool, sqlx::Error> {
    insert_entry(connection, &effect.entry, "fill").await?;
    let fill = &effect.fill;
    let inserted = sqlx::query(
        "INSERT INTO fills (venue, fill_id, sequence, order_id, account, symbol, side, price, \
                            quantity, fee, fee_asset, liquidity, filled_at_ms, realized_pnl) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8::numeric, $9::numeric, $10::numeric, $11, $12, \
                 $13, $14::numeric) \
         ON CONFLICT (venue, fill_id) DO NOTHING",
    )
    .bind(fill.venue.as_str())
    .bind(&fill.fill_id)
    .bind(sequence_value(effect.entry.sequence))
    .bind(&fill.order_id)
    .bind(&fill.account)
    .bind(fill.symbol.as_str())
    .bind(side_name(fill.side))
    .bind(fill.price.to_string())
    .bind(fill.quantity.to_string())
    .bind(fill.fee.to_string())
    .bind(&fill.fee_asset)
    .bind(liquidity_name(fill.liquidity))
    .bind(fill.filled_at_ms)
    .bind(effect.realized_pnl.to_string())
    .execute(&mut *connection)
    .await?
    .rows_affected();
    Ok(inserted == 1)
}

/// Writes a transfer's entry, postings and row; `false` when its id is already stored.
pub async fn insert_transfer(
    connection: &mut PgConnection,
    effect: &TransferEffect,
    recorded_by: &str,
) -> Result<bool, sqlx::Error> {
    insert_entry(connection, &effect.entry, "transfer").await?;
    let transfer = &effect.transfer;
    let inserted = sqlx::query(
        "INSERT INTO transfers (transfer_id, sequence, account, venue, asset, amount, memo, \
                                at_ms, recorded_by) \
         VALUES ($1, $2, $3, $4, $5, $6::numeric, $7, $8, $9) \
         ON CONFLICT (transfer_id) DO NOTHING",
    )
    .bind(&transfer.transfer_id)
    .bind(sequence_value(effect.entry.sequence))
    .bind(&transfer.account)
    .bind(transfer.venue.as_str())
    .bind(&transfer.asset)
    .bind(transfer.amount.to_string())
    .bind(&transfer.memo)
    .bind(transfer.at_ms)
    .bind(recorded_by)
    .execute(&mut *connection)
    .await?
    .rows_affected();
    Ok(inserted == 1)
}

/// Every stored fill in journal order.
pub async fn fills(pool: &PgPool) -> Result<Vec<StoredFill>, ReadError> {
    let rows = sqlx::query(
        "SELECT sequence, venue, fill_id, order_id, account, symbol, side, price::text AS price, \
                quantity::text AS quantity, fee::text AS fee, fee_asset, liquidity, filled_at_ms \
         FROM fills ORDER BY sequence",
    )
    .fetch_all(pool)
    .await?;
    rows.iter().map(fill_from_row).collect()
}

/// Every stored transfer in journal order.
pub async fn transfers(pool: &PgPool) -> Result<Vec<StoredTransfer>, ReadError> {
    let rows = sqlx::query(
        "SELECT sequence, transfer_id, account, venue, asset, amount::text AS amount, memo, at_ms \
         FROM transfers ORDER BY sequence",
    )
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(StoredTransfer {
                sequence: sequence_from(row)?,
                transfer: Transfer {
                    transfer_id: row.try_get("transfer_id")?,
                    account: row.try_get("account")?,
                    venue: parse(row, "venue")?,
                    asset: row.try_get("asset")?,
                    amount: parse(row, "amount")?,
                    memo: row.try_get("memo")?,
                    at_ms: row.try_get("at_ms")?,
                },
            })
        })
        .collect()
}

/// The sum of the stored postings per ledger account name and asset.
pub async fn posting_totals(
    pool: &PgPool,
) -> Result<BTreeMap<(String, String), Decimal>, ReadError> {
    let rows = sqlx::query(
        "SELECT ledger_account, asset, sum(amount)::text AS total \
         FROM postings GROUP BY ledger_account, asset",
    )
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| {
            let key = (row.try_get("ledger_account")?, row.try_get("asset")?);
            Ok((key, parse(row, "total")?))
        })
        .collect()
}

/// Realized PnL (net of fees) and fees of an account's fills in `[from_ms, to_ms)`, per
/// quote asset.
pub async fn realized_between(
    pool: &PgPool,
    account: &str,
    venue: Option<Venue>,
    from_ms: i64,
    to_ms: i64,
) -> Result<Vec<(String, Decimal, Decimal)>, ReadError> {
    let venues: Vec<&str> = match venue {
        Some(venue) => vec![venue.as_str()],
        None => Venue::ALL.iter().map(|venue| venue.as_str()).collect(),
    };
    let rows = sqlx::query(
        "SELECT split_part(symbol, '-', 2) AS quote, sum(realized_pnl)::text AS realized, \
                sum(fee)::text AS fees \
         FROM fills \
         WHERE account = $1 AND venue = ANY($2) AND filled_at_ms >= $3 AND filled_at_ms < $4 \
         GROUP BY quote ORDER BY quote",
    )
    .bind(account)
    .bind(venues)
    .bind(from_ms)
    .bind(to_ms)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| {
            Ok((
                row.try_get("quote")?,
                parse(row, "realized")?,
                parse(row, "fees")?,
            ))
        })
        .collect()
}

async fn insert_entry(
    connection: &mut PgConnection,
    entry: &JournalEntry,
    kind: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO journal_entries (sequence, kind, account, at_ms) VALUES ($1, $2, $3, $4)",
    )
    .bind(sequence_value(entry.sequence))
    .bind(kind)
    .bind(&entry.account)
    .bind(entry.at_ms)
    .execute(&mut *connection)
    .await?;
    let lines: Vec<i32> = (1..).take(entry.postings.len()).collect();
    let names: Vec<String> = entry
        .postings
        .iter()
        .map(|posting| posting.name())
        .collect();
    let assets: Vec<&str> = entry
        .postings
        .iter()
        .map(|posting| posting.asset.as_str())
        .collect();
    // Decimal's text form is exact; Postgres parses it into numeric unchanged.
    let amounts: Vec<String> = entry
        .postings
        .iter()
        .map(|posting| posting.amount.to_string())
        .collect();
    sqlx::query(
        "INSERT INTO postings (sequence, line, ledger_account, asset, amount) \
         SELECT $1, line, ledger_account, asset, amount::numeric \
         FROM UNNEST($2::int[], $3::text[], $4::text[], $5::text[]) \
              AS posting (line, ledger_account, asset, amount)",
    )
    .bind(sequence_value(entry.sequence))
    .bind(lines)
    .bind(names)
    .bind(assets)
    .bind(amounts)
    .execute(&mut *connection)
    .await?;
    Ok(())
}

fn fill_from_row(row: &PgRow) -> Result<StoredFill, ReadError> {
    let side: String = row.try_get("side")?;
    let liquidity: String = row.try_get("liquidity")?;
    Ok(StoredFill {
        sequence: sequence_from(row)?,
        fill: Fill {
            fill_id: row.try_get("fill_id")?,
            order_id: row.try_get("order_id")?,
            account: row.try_get("account")?,
            venue: parse(row, "venue")?,
            symbol: parse::<Symbol>(row, "symbol")?,
            side: match side.as_str() {
                "buy" => Side::Buy,
                "sell" => Side::Sell,
                other => return Err(ReadError::Corrupt(format!("side '{other}'"))),
            },
            price: parse(row, "price")?,
            quantity: parse(row, "quantity")?,
            fee: parse(row, "fee")?,
            fee_asset: row.try_get("fee_asset")?,
            liquidity: match liquidity.as_str() {
                "maker" => Liquidity::Maker,
                "taker" => Liquidity::Taker,
                other => return Err(ReadError::Corrupt(format!("liquidity '{other}'"))),
            },
            filled_at_ms: row.try_get("filled_at_ms")?,
        },
    })
}

/// A text column parsed into `T`.
pub fn parse<T: FromStr>(row: &PgRow, column: &str) -> Result<T, ReadError>
where
    T::Err: std::fmt::Display,
{
    let text: String = row.try_get(column)?;
    text.parse::<T>()
        .map_err(|error| ReadError::Corrupt(format!("{column} '{text}': {error}")))
}

fn sequence_from(row: &PgRow) -> Result<u64, ReadError> {
    let sequence: i64 = row.try_get("sequence")?;
    u64::try_from(sequence).map_err(|_| ReadError::Corrupt(format!("sequence {sequence}")))
}

/// Sequences start at 1 and grow by one per entry, far below `i64::MAX`.
fn sequence_value(sequence: u64) -> i64 {
    i64::try_from(sequence).unwrap_or(i64::MAX)
}

pub fn side_name(side: Side) -> &'static str {
    match side {
        Side::Buy => "buy",
        Side::Sell => "sell",
    }
}

fn liquidity_name(liquidity: Liquidity) -> &'static str {
    match liquidity {
        Liquidity::Maker => "maker",
        Liquidity::Taker => "taker",
    }
}
