//! Paper state in Postgres, in the connector service's own schema: loaded once before the
//! service serves, then changed by one writer (`writer`) in the order the engine changed.
//! Each change set is stored in one transaction with its order events and fills in the
//! outbox, which relays them to `exec.orders` and `exec.fills`.
mod rows;
pub mod writer;

use quorum_bus::outbox::Outbox;
use quorum_domain::Venue;
use quorum_domain::topics::{EXECUTION_FILLS, EXECUTION_ORDERS};
use quorum_store::DatabaseArgs;
use sqlx::PgPool;
use sqlx::migrate::Migrator;

use crate::paper::{ChangeSet, MAX_CLOSED_ORDERS, PaperState};

pub use rows::LoadError;

/// The connector's migrations: unqualified tables, run in whichever schema the service
/// owns (`binance_api`, `coinbase_api`, `okx_api`, `gate_io_api`).
pub static MIGRATOR: Migrator = sqlx::migrate!();

/// The paper state tables and the outbox of one connector.
#[derive(Clone)]
pub struct PaperStore {
    pool: PgPool,
    outbox: Outbox,
}

/// What a start finds: the order id prefix (made on the first start) and the state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loaded {
    pub id_prefix: String,
    pub state: PaperState,
}

impl PaperStore {
    /// Connects to `service`'s schema (waiting while the database starts), migrates, and
    /// opens the outbox.
    pub async fn open(database: &DatabaseArgs, service: &str) -> anyhow::Result<Self> {
        let pool = database.connect(service, &MIGRATOR).await?;
        let outbox = Outbox::open(pool.clone()).await?;
        Ok(Self { pool, outbox })
    }

    pub fn outbox(&self) -> Outbox {
        self.outbox.clone()
    }

    /// The stored state; on the first start, records `new_prefix` as the id prefix.
    pub async fn load(&self, venue: Venue, new_prefix: &str) -> Result<Loaded, LoadError> {
        sqlx::query(
            "INSERT INTO paper_state (id_prefix, next_id) VALUES ($1, 0) ON CONFLICT DO NOTHING",
        )
        .bind(new_prefix)
        .execute(&self.pool)
        .await?;
        let (id_prefix, next_id): (String, i64) =
            sqlx::query_as("SELECT id_prefix, next_id FROM paper_state")
                .fetch_one(&self.pool)
                .await?;
        let balances = rows::balances(&self.pool).await?;
        let open = rows::orders(&self.pool, venue, rows::Which::Open).await?;
        let limit = i64::try_from(MAX_CLOSED_ORDERS).unwrap_or(i64::MAX);
        let closed = rows::orders(&self.pool, venue, rows::Which::RecentClosed(limit)).await?;
        let next_id = u64::try_from(next_id)
            .map_err(|_| LoadError::Corrupt(format!("paper_state.next_id is {next_id}")))?;
        Ok(Loaded {
            id_prefix,
            state: PaperState {
                next_id,
                balances,
                open,
                closed,
            },
        })
    }

    /// Stores change sets in one transaction, in order, with their events and fills in
    /// the outbox; wakes the relay once committed.
    pub async fn write(&self, batch: &[ChangeSet]) -> Result<(), sqlx::Error> {
        let mut transaction = self.pool.begin().await?;
        let mut next_id = 0;
        for changes in batch {
            next_id = next_id.max(changes.next_id);
            rows::forget(&mut transaction, &changes.forgotten).await?;
            for stored in &changes.orders {
                rows::upsert_order(&mut transaction, stored).await?;
            }
            for balance in &changes.balances {
                rows::upsert_balance(&mut transaction, balance).await?;
            }
            for event in &changes.events {
                Outbox::enqueue(&mut transaction, EXECUTION_ORDERS, event).await?;
            }
            for fill in &changes.fills {
                Outbox::enqueue(&mut transaction, EXECUTION_FILLS, fill).await?;
            }
        }
        if next_id > 0 {
            let next_id = i64::try_from(next_id).unwrap_or(i64::MAX);
            sqlx::query("UPDATE paper_state SET next_id = GREATEST(next_id, $1)")
                .bind(next_id)
                .execute(&mut *transaction)
                .await?;
        }
        transaction.commit().await?;
        self.outbox.wake();
        Ok(())
    }
}
