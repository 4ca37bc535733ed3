//! A leader lease in Postgres with a fencing token, for work that one replica at a time
//! may do (a venue session, paper execution, a scheduler).
//!
//! - One row per lease name in `leader_leases` (in the pool's schema): the holder, its
//!   fencing token and when the lease expires, all by the database's clock, so replicas'
//!   clocks do not matter.
//! - `try_acquire` takes a free or expired lease and bumps the token: every new term of
//!   leadership has a larger token than any before it, even for the same holder name.
//! - `renew` extends the holder's term only while its token is still the current one;
//!   a holder that paused past its expiry and was replaced learns it there.
//! - `is_current` is the fence: a leader checks it inside the transaction of a write
//!   (with `FOR SHARE`, so a takeover waits for the write to commit), and a replaced
//!   leader's write is refused instead of racing its successor's.
//!
//! A standby that calls `try_acquire` every `ttl / 3` takes over within `ttl` of the
//! leader's last renewal.
use std::time::Duration;

use sqlx::{PgConnection, PgPool, Row};

/// One named lease as seen by one would-be holder.
#[derive(Debug, Clone)]
pub struct LeaderLease {
    pool: PgPool,
    name: String,
    holder: String,
    ttl: Duration,
}

/// Who holds a lease now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaseHolder {
    pub holder: String,
    pub token: i64,
}

impl LeaderLease {
    /// Makes the lease table when missing (under an advisory lock, so replicas starting
    /// together do not race on it).
    pub async fn open(
        pool: PgPool,
        name: &str,
        holder: &str,
        ttl: Duration,
    ) -> Result<Self, sqlx::Error> {
        let mut connection = pool.acquire().await?;
        sqlx::query("SELECT pg_advisory_lock(hashtext('quorum-leader-leases'))")
            .execute(&mut *connection)
            .await?;
        let created = sqlx::query(
            "CREATE TABLE IF NOT EXISTS leader_leases (\
                 name TEXT PRIMARY KEY, holder TEXT NOT NULL, token BIGINT NOT NULL, \
                 expires_at TIMESTAMPTZ NOT NULL)",
        )
        .execute(&mut *connection)
        .await;
        let unlocked = sqlx::query("SELECT pg_advisory_unlock(hashtext('quorum-leader-leases'))")
            .execute(&mut *connection)
            .await;
        created?;
        unlocked?;
        Ok(Self {
            pool,
            name: name.to_string(),
            holder: holder.to_string(),
            ttl,
        })
    }

    fn ttl_millis(&self) -> i64 {
        i64::try_from(self.ttl.as_millis()).unwrap_or(i64::MAX)
    }

    /// Takes the lease when it is free or expired; the new term's fencing token, or
    /// `None` while another holder's term runs.
    pub async fn try_acquire(&self) -> Result<Option<i64>, sqlx::Error> {
        let row = sqlx::query(
            "INSERT INTO leader_leases AS lease (name, holder, token, expires_at) \
             VALUES ($1, $2, 1, now() + make_interval(secs => $3::float8 / 1000)) \
             ON CONFLICT (name) DO UPDATE \
                 SET holder = EXCLUDED.holder, token = lease.token + 1, \
                     expires_at = EXCLUDED.expires_at \
                 WHERE lease.expires_at <= now() \
             RETURNING token",
        )
        .bind(&self.name)
        .bind(&self.holder)
        .bind(self.ttl_millis())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| row.try_get::<i64, _>("token")).transpose()
    }

    /// Extends the term of `token`; `false` when that term has ended (expired and taken,
    /// or released): the caller is no longer the leader.
    pub async fn renew(&self, token: i64) -> Result<bool, sqlx::Error> {
        let renewed = sqlx::query(
            "UPDATE leader_leases \
             SET expires_at = now() + make_interval(secs => $4::float8 / 1000) \
             WHERE name = $1 AND holder = $2 AND token = $3 AND expires_at > now()",
        )
        .bind(&self.name)
        .bind(&self.holder)
        .bind(token)
        .bind(self.ttl_millis())
        .execute(&self.pool)
        .await?;
        Ok(renewed.rows_affected() == 1)
    }

    /// Ends the term of `token` now, so a standby can take over at once.
    pub async fn release(&self, token: i64) -> Result<(), sqlx::Error> {
        sqlx::query(
            "UPDATE leader_leases SET expires_at = now() \
             WHERE name = $1 AND holder = $2 AND token = $3",
        )
        .bind(&self.name)
        .bind(&self.holder)
        .bind(token)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The holder of an unexpired term, if any.
    pub async fn current(&self) -> Result<Option<LeaseHolder>, sqlx::Error> {
        let row = sqlx::query(
            "SELECT holder, token FROM leader_leases WHERE name = $1 AND expires_at > now()",
        )
        .bind(&self.name)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok(LeaseHolder {
                holder: row.try_get("holder")?,
                token: row.try_get("token")?,
            })
        })
        .transpose()
    }

    /// The fence, inside the caller's transaction: whether `token` is still the lease's
    /// token. The row stays share-locked until the transaction ends, so no takeover
    /// commits in between.
    pub async fn is_current(
        &self,
        transaction: &mut PgConnection,
        token: i64,
    ) -> Result<bool, sqlx::Error> {
        let row = sqlx::query("SELECT token FROM leader_leases WHERE name = $1 FOR SHARE")
            .bind(&self.name)
            .fetch_optional(&mut *transaction)
            .await?;
        Ok(match row {
            Some(row) => row.try_get::<i64, _>("token")? == token,
            None => false,
        })
    }
}
