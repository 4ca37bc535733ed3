//! The SQL: appending under a lock, reading records and checkpoints, the signing key.
use sqlx::postgres::PgRow;
use sqlx::{PgPool, Postgres, QueryBuilder, Row};

use crate::chain::{Event, GENESIS_HASH, Outcome, Record};
use crate::validate::QueryFilter;

/// Key of the transaction-scoped advisory lock that serializes appends.
const APPEND_LOCK: i64 = 0x0061_7564_6974; // "audit"

const RECORD_COLUMNS: &str = "sequence, event_id, actor, action, resource, outcome, occurred_at_ms, \
     source_service, source_address, details_json, recorded_at_ms, prev_hash, hash";

/// What an append did.
#[derive(Debug, Clone)]
pub struct Appended {
    pub record: Record,
    /// The event id was already stored; `record` is the stored one.
    pub duplicate: bool,
}

/// A stored checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckpointRow {
    pub sequence: u64,
    pub hash: String,
    pub created_at_ms: i64,
    pub signature: String,
    pub public_key: String,
}

/// Appends `event` as the next link, or returns the stored record when its event id is
/// known. Appends are serialized by an advisory lock held until commit, so sequences are
/// gapless and each record links to the one committed before it.
pub async fn append(pool: &PgPool, event: Event, now_ms: i64) -> Result<Appended, sqlx::Error> {
    let mut transaction = pool.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(APPEND_LOCK)
        .execute(&mut *transaction)
        .await?;
    let existing = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {RECORD_COLUMNS} FROM audit_records WHERE event_id = $1"
    )))
    .bind(&event.event_id)
    .fetch_optional(&mut *transaction)
    .await?;
    if let Some(row) = existing {
        transaction.rollback().await?;
        return Ok(Appended {
            record: record_from_row(&row)?,
            duplicate: true,
        });
    }
    let head =
        sqlx::query("SELECT sequence, hash FROM audit_records ORDER BY sequence DESC LIMIT 1")
            .fetch_optional(&mut *transaction)
            .await?;
    let (sequence, prev_hash) = match head {
        Some(row) => (
            to_u64(row.try_get("sequence")?) + 1,
            row.try_get::<String, _>("hash")?,
        ),
        None => (1, GENESIS_HASH.to_string()),
    };
    let record = Record::seal(sequence, event, now_ms, prev_hash);
    sqlx::query(
        "INSERT INTO audit_records (sequence, event_id, actor, action, resource, outcome, \
         occurred_at_ms, source_service, source_address, details_json, recorded_at_ms, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(to_i64(record.sequence))
    .bind(&record.event.event_id)
    .bind(&record.event.actor)
    .bind(&record.event.action)
    .bind(&record.event.resource)
    .bind(record.event.outcome.as_str())
    .bind(record.event.occurred_at_ms)
    .bind(&record.event.source_service)
    .bind(&record.event.source_address)
    .bind(&record.event.details_json)
    .bind(record.recorded_at_ms)
    .bind(&record.prev_hash)
    .bind(&record.hash)
    .execute(&mut *transaction)
    .await?;
    transaction.commit().await?;
    Ok(Appended {
        record,
        duplicate: false,
    })
}

/// Records matching `filter`, oldest first; at most `filter.page_size + 1` so the caller
/// can tell whether another page follows.
pub async fn query(pool: &PgPool, filter: &QueryFilter) -> Result<Vec<Record>, sqlx::Error> {
    let mut sql: QueryBuilder<Postgres> = QueryBuilder::new(format!(
        "SELECT {RECORD_COLUMNS} FROM audit_records WHERE sequence > "
    ));
    sql.push_bind(to_i64(filter.after_sequence));
    let texts = [
        ("actor", &filter.actor),
        ("action", &filter.action),
        ("resource", &filter.resource),
    ];
    for (column, value) in texts {
        if let Some(value) = value {
            sql.push(format!(" AND {column} = "))
                .push_bind(value.clone());
        }
    }
    if let Some(outcome) = filter.outcome {
        sql.push(" AND outcome = ").push_bind(outcome.as_str());
    }
    if let Some(from) = filter.from_ms {
        sql.push(" AND occurred_at_ms >= ").push_bind(from);
    }
    if let Some(to) = filter.to_ms {
        sql.push(" AND occurred_at_ms < ").push_bind(to);
    }
    sql.push(" ORDER BY sequence LIMIT ")
        .push_bind(i64::from(filter.page_size) + 1);
    let rows = sql.build().fetch_all(pool).await?;
    rows.iter().map(record_from_row).collect()
}

/// Up to `limit` records with `from <= sequence <= to`, in order.
pub async fn range(
    pool: &PgPool,
    from: u64,
    to: u64,
    limit: u32,
) -> Result<Vec<Record>, sqlx::Error> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {RECORD_COLUMNS} FROM audit_records WHERE sequence >= $1 AND sequence <= $2 \
         ORDER BY sequence LIMIT $3"
    )))
    .bind(to_i64(from))
    .bind(to_i64(to))
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await?;
    rows.iter().map(record_from_row).collect()
}

/// The last record's sequence and hash.
pub async fn head(pool: &PgPool) -> Result<Option<(u64, String)>, sqlx::Error> {
    let row =
        sqlx::query("SELECT sequence, hash FROM audit_records ORDER BY sequence DESC LIMIT 1")
            .fetch_optional(pool)
            .await?;
    row.map(|row| Ok((to_u64(row.try_get("sequence")?), row.try_get("hash")?)))
        .transpose()
}

/// The stored hash of the record at `sequence`.
pub async fn hash_at(pool: &PgPool, sequence: u64) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT hash FROM audit_records WHERE sequence = $1")
        .bind(to_i64(sequence))
        .fetch_optional(pool)
        .await
}

/// Stores a checkpoint; a second one for the same sequence is ignored.
pub async fn insert_checkpoint(
    pool: &PgPool,
    checkpoint: &CheckpointRow,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO checkpoints (sequence, hash, created_at_ms, signature, public_key) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (sequence) DO NOTHING",
    )
    .bind(to_i64(checkpoint.sequence))
    .bind(&checkpoint.hash)
    .bind(checkpoint.created_at_ms)
    .bind(&checkpoint.signature)
    .bind(&checkpoint.public_key)
    .execute(pool)
    .await?;
    Ok(())
}

/// The newest `limit` checkpoints, newest first.
pub async fn list_checkpoints(
    pool: &PgPool,
    limit: u32,
) -> Result<Vec<CheckpointRow>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT sequence, hash, created_at_ms, signature, public_key FROM checkpoints \
         ORDER BY sequence DESC LIMIT $1",
    )
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await?;
    rows.iter().map(checkpoint_from_row).collect()
}

/// Checkpoints with `from <= sequence <= to`, in order.
pub async fn checkpoints_between(
    pool: &PgPool,
    from: u64,
    to: u64,
) -> Result<Vec<CheckpointRow>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT sequence, hash, created_at_ms, signature, public_key FROM checkpoints \
         WHERE sequence >= $1 AND sequence <= $2 ORDER BY sequence",
    )
    .bind(to_i64(from))
    .bind(to_i64(to))
    .fetch_all(pool)
    .await?;
    rows.iter().map(checkpoint_from_row).collect()
}

/// The stored signing key seed (hex), storing `fresh_hex` first if there is none.
pub async fn signing_seed(
    pool: &PgPool,
    fresh_hex: &str,
    now_ms: i64,
) -> Result<String, sqlx::Error> {
    sqlx::query(
        "INSERT INTO signing_key (id, seed_hex, created_at_ms) VALUES (1, $1, $2) \
         ON CONFLICT (id) DO NOTHING",
    )
    .bind(fresh_hex)
    .bind(now_ms)
    .execute(pool)
    .await?;
    sqlx::query_scalar("SELECT seed_hex FROM signing_key WHERE id = 1")
        .fetch_one(pool)
        .await
}

fn record_from_row(row: &PgRow) -> Result<Record, sqlx::Error> {
    let outcome: String = row.try_get("outcome")?;
    let outcome = Outcome::parse(&outcome).ok_or_else(|| {
        sqlx::Error::Decode(format!("unknown outcome {outcome:?} in audit_records").into())
    })?;
    Ok(Record {
        sequence: to_u64(row.try_get("sequence")?),
        event: Event {
            event_id: row.try_get("event_id")?,
            actor: row.try_get("actor")?,
            action: row.try_get("action")?,
            resource: row.try_get("resource")?,
            outcome,
            occurred_at_ms: row.try_get("occurred_at_ms")?,
            source_service: row.try_get("source_service")?,
            source_address: row.try_get("source_address")?,
            details_json: row.try_get("details_json")?,
        },
        recorded_at_ms: row.try_get("recorded_at_ms")?,
        prev_hash: row.try_get("prev_hash")?,
        hash: row.try_get("hash")?,
    })
}

fn checkpoint_from_row(row: &PgRow) -> Result<CheckpointRow, sqlx::Error> {
    Ok(CheckpointRow {
        sequence: to_u64(row.try_get("sequence")?),
        hash: row.try_get("hash")?,
        created_at_ms: row.try_get("created_at_ms")?,
        signature: row.try_get("signature")?,
        public_key: row.try_get("public_key")?,
    })
}

/// Sequences are positive in the table (CHECK constraint).
fn to_u64(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

/// Sequences handled here come from the table or are clamped by the caller.
fn to_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}
