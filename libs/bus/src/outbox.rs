//! The transactional outbox: events written in the same Postgres transaction as the
//! change they describe, then relayed to the bus. A crash or a Redis outage delays them;
//! nothing loses them. Relaying is at-least-once, like the bus itself.
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use sqlx::{PgConnection, PgPool};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::{Bus, BusError};

const BATCH: i64 = 200;
const IDLE_POLL: Duration = Duration::from_secs(1);

/// The outbox table of one service (in the service's own schema).
#[derive(Clone)]
pub struct Outbox {
    pool: PgPool,
    wake: Arc<Notify>,
}

impl Outbox {
    /// Creates the `outbox` table in the pool's schema if it is missing.
    pub async fn open(pool: PgPool) -> Result<Self, sqlx::Error> {
        sqlx::query(
            "CREATE TABLE IF NOT EXISTS outbox (
                id BIGSERIAL PRIMARY KEY,
                topic TEXT NOT NULL,
                data TEXT NOT NULL,
                created_at TIMESTAMPTZ NOT NULL DEFAULT now()
            )",
        )
        .execute(&pool)
        .await?;
        Ok(Self {
            pool,
            wake: Arc::new(Notify::new()),
        })
    }

    /// Records an event inside the caller's transaction. Call [`Outbox::wake`] after commit.
    pub async fn enqueue<T: Serialize>(
        connection: &mut PgConnection,
        topic: &str,
        event: &T,
    ) -> Result<(), sqlx::Error> {
        let data =
            serde_json::to_string(event).map_err(|error| sqlx::Error::Encode(Box::new(error)))?;
        sqlx::query("INSERT INTO outbox (topic, data) VALUES ($1, $2)")
            .bind(topic)
            .bind(data)
            .execute(connection)
            .await?;
        Ok(())
    }

    /// Tells the relay there is something to send.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Events not yet relayed.
    pub async fn backlog(&self) -> Result<i64, sqlx::Error> {
        sqlx::query_scalar("SELECT count(*) FROM outbox")
            .fetch_one(&self.pool)
            .await
    }

    /// Connects to the bus (waiting while Redis is unreachable; events wait in the
    /// outbox meanwhile), then relays until `shutdown`. The task a service spawns.
    pub async fn relay_when_connected(self, bus: crate::BusArgs, shutdown: CancellationToken) {
        if let Some(bus) = bus.connect_patiently(&shutdown).await {
            self.relay(bus, shutdown).await;
        }
    }

    /// Sends outbox events to the bus until `shutdown`, oldest first; a row is deleted
    /// only after the bus accepted it.
    pub async fn relay(self, bus: Bus, shutdown: CancellationToken) {
        let mut failures = 0u32;
        loop {
            let outcome = self.relay_batch(&bus).await;
            let wait = match outcome {
                Ok(sent) if sent as i64 == BATCH => {
                    failures = 0;
                    continue;
                }
                Ok(_) => {
                    failures = 0;
                    IDLE_POLL
                }
                Err(error) => {
                    failures = failures.saturating_add(1);
                    tracing::warn!(%error, "outbox relay failed; will retry");
                    quorum_kit::client::backoff(failures)
                }
            };
            tokio::select! {
                () = shutdown.cancelled() => {
                    // One last attempt so a clean shutdown leaves nothing behind.
                    if let Err(error) = self.relay_batch(&bus).await {
                        tracing::warn!(%error, "outbox left events for the next start");
                    }
                    return;
                }
                () = self.wake.notified() => {}
                () = tokio::time::sleep(wait) => {}
            }
        }
    }

    async fn relay_batch(&self, bus: &Bus) -> Result<usize, RelayError> {
        let mut transaction = self.pool.begin().await?;
        let rows: Vec<(i64, String, String)> = sqlx::query_as(
            "SELECT id, topic, data FROM outbox ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED",
        )
        .bind(BATCH)
        .fetch_all(&mut *transaction)
        .await?;
        let mut sent = Vec::with_capacity(rows.len());
        for (id, topic, data) in &rows {
            bus.publish_raw(topic, data).await?;
            sent.push(*id);
        }
        sqlx::query("DELETE FROM outbox WHERE id = ANY($1)")
            .bind(&sent)
            .execute(&mut *transaction)
            .await?;
        transaction.commit().await?;
        Ok(sent.len())
    }
}

#[derive(Debug, thiserror::Error)]
enum RelayError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("bus: {0}")]
    Bus(#[from] BusError),
}
