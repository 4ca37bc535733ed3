//! The one way records are appended, shared by the gRPC handler and the bus consumer.
use sqlx::PgPool;

use crate::chain::Event;
use crate::checkpoint::Trigger;
use crate::store::{self, Appended};

#[derive(Debug, Clone)]
pub struct Ledger {
    pool: PgPool,
    trigger: Trigger,
}

impl Ledger {
    pub fn new(pool: PgPool, trigger: Trigger) -> Self {
        Self { pool, trigger }
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Appends `event` (idempotent on its id); returns once the record is committed.
    pub async fn append(&self, event: Event) -> Result<Appended, sqlx::Error> {
        let appended = store::append(&self.pool, event, now_ms()).await?;
        if !appended.duplicate {
            self.trigger.appended(appended.record.sequence);
        }
        Ok(appended)
    }
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}
