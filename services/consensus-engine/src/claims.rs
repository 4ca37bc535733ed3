//! One call at a time per proposal: a call claims the proposal id (a primary key) before
//! asking voters; a concurrent or later duplicate finds the claim held and waits for (or
//! finds) the stored decision instead of asking again. The transaction that stores a
//! decision marks its claim decided (it never expires); a call that fails gives its
//! claim back; a claim whose holder died expires and can be taken over. Should a
//! decision still be stored twice, `decisions.proposal_id` is unique.
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

/// How often a waiting duplicate looks for the decision.
const POLL: Duration = Duration::from_millis(20);

/// A held claim on a proposal id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    pub proposal_id: String,
    pub holder: Uuid,
}

/// Takes the claim on `proposal_id` until `expires_at`, unless another live call holds
/// it (`None`). An expired claim is taken over.
pub async fn take(
    pool: &PgPool,
    proposal_id: &str,
    expires_at: DateTime<Utc>,
) -> sqlx::Result<Option<Claim>> {
    let holder = Uuid::now_v7();
    let taken: Option<Uuid> = sqlx::query_scalar(
        "INSERT INTO claims AS c (proposal_id, holder, expires_at) VALUES ($1, $2, $3) \
         ON CONFLICT (proposal_id) DO UPDATE \
             SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at \
             WHERE c.expires_at < now() \
         RETURNING holder",
    )
    .bind(proposal_id)
    .bind(holder)
    .bind(expires_at)
    .fetch_optional(pool)
    .await?;
    Ok(taken.map(|holder| Claim {
        proposal_id: proposal_id.to_string(),
        holder,
    }))
}

/// Marks a claim decided, so it never expires (another call had stored the decision).
pub async fn settle(pool: &PgPool, claim: &Claim) -> sqlx::Result<()> {
    sqlx::query("UPDATE claims SET expires_at = 'infinity' WHERE proposal_id = $1 AND holder = $2")
        .bind(&claim.proposal_id)
        .bind(claim.holder)
        .execute(pool)
        .await?;
    Ok(())
}

/// Gives a claim back (the call failed before storing a decision).
pub async fn release<'e>(executor: impl sqlx::PgExecutor<'e>, claim: &Claim) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM claims WHERE proposal_id = $1 AND holder = $2")
        .bind(&claim.proposal_id)
        .bind(claim.holder)
        .execute(executor)
        .await?;
    Ok(())
}

/// What a duplicate call found while waiting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Waited {
    /// The other call stored its decision.
    Decided(Uuid),
    /// The claim is gone without a decision (the other call failed): try to claim.
    Released,
    /// Still being decided when `until` came.
    StillHeld,
}

/// Waits for the holder of `proposal_id`'s claim to store a decision or give up.
pub async fn wait(pool: &PgPool, proposal_id: &str, until: Instant) -> sqlx::Result<Waited> {
    loop {
        let (decision, claimed): (Option<Uuid>, bool) = sqlx::query_as(
            "SELECT (SELECT decision_id FROM decisions WHERE proposal_id = $1), \
                    EXISTS (SELECT 1 FROM claims WHERE proposal_id = $1 AND expires_at >= now())",
        )
        .bind(proposal_id)
        .fetch_one(pool)
        .await?;
        if let Some(decision_id) = decision {
            return Ok(Waited::Decided(decision_id));
        }
        if !claimed {
            return Ok(Waited::Released);
        }
        if Instant::now() + POLL >= until {
            return Ok(Waited::StillHeld);
        }
        tokio::time::sleep(POLL).await;
    }
}
