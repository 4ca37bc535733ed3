//! The outcome resolver: once a DIRECTION decision's horizon has passed (plus a grace),
//! it prices the start and the end from trade-history, stores the outcome, scores each
//! voter's last answered ballot (Brier term, calibration) and adds it to the voter's
//! record, in one transaction. Without prices it tries again later and never guesses.
use std::time::Duration;

use chrono::{DateTime, Utc};
use quorum_consensus::{Decision, FlatBand, brier_term, calibration_bucket, is_correct};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::metrics::ConsensusMetrics;
use crate::prices::{Market, PriceError, TradeHistory, simple_return};
use crate::store::unix_ms;
use crate::validate::interval_millis;

/// Decisions judged per pass.
const BATCH: i64 = 100;
/// Longest wait before trying a decision again.
const MAX_RETRY_DELAY: Duration = Duration::from_secs(3600);

pub struct Resolver {
    pub pool: PgPool,
    pub prices: TradeHistory,
    pub metrics: ConsensusMetrics,
    pub flat_band: FlatBand,
    pub interval: Duration,
}

#[derive(Debug, sqlx::FromRow)]
struct Due {
    decision_id: Uuid,
    symbol: String,
    venue: i32,
    candle_interval: String,
    horizon_ms: i64,
    as_of: DateTime<Utc>,
    resolve_attempts: i32,
}

/// A judged outcome.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Judged {
    pub actual: Decision,
    pub return_fraction: f64,
}

impl Resolver {
    /// Passes every `interval` until shutdown.
    pub async fn run(self, shutdown: quorum_kit::CancellationToken) {
        loop {
            if let Err(error) = self.pass().await {
                tracing::warn!(%error, "outcome resolver pass failed; will retry");
            }
            tokio::select! {
                () = shutdown.cancelled() => return,
                () = tokio::time::sleep(self.interval) => {}
            }
        }
    }

    /// Judges every decision that is due; returns how many were resolved.
    pub async fn pass(&self) -> sqlx::Result<usize> {
        let due: Vec<Due> = sqlx::query_as(
            "SELECT decision_id, symbol, venue, candle_interval, horizon_ms, as_of, \
                    resolve_attempts \
             FROM decisions \
             WHERE resolved_at IS NULL AND resolve_after IS NOT NULL AND resolve_after <= now() \
             ORDER BY resolve_after LIMIT $1",
        )
        .bind(BATCH)
        .fetch_all(&self.pool)
        .await?;
        let mut resolved = 0;
        for decision in due {
            match self.judge(&decision).await {
                Ok(judged) => {
                    if self.resolve(decision.decision_id, judged).await? {
                        resolved += 1;
                    }
                    self.metrics.resolution(true);
                }
                Err(problem) => {
                    tracing::info!(decision_id = %decision.decision_id, %problem,
                        "outcome not resolvable yet; will retry");
                    self.postpone(&decision).await?;
                    self.metrics.resolution(false);
                }
            }
        }
        Ok(resolved)
    }

    async fn judge(&self, decision: &Due) -> Result<Judged, PriceError> {
        let interval_ms = interval_millis(&decision.candle_interval).unwrap_or(60_000);
        let market = Market {
            symbol: decision.symbol.clone(),
            venue: decision.venue,
            interval: decision.candle_interval.clone(),
            interval_ms,
        };
        let as_of = unix_ms(decision.as_of);
        let end = as_of.saturating_add(decision.horizon_ms);
        let start_price = self.prices.last_price(&market, 0, as_of).await?;
        let end_price = self.prices.last_price(&market, as_of, end).await?;
        let return_fraction = simple_return(start_price, end_price)
            .ok_or_else(|| PriceError::BadClose(start_price.to_string()))?;
        let actual = self
            .flat_band
            .classify(return_fraction)
            .ok_or_else(|| PriceError::BadClose(end_price.to_string()))?;
        Ok(Judged {
            actual,
            return_fraction,
        })
    }

    /// Stores the outcome and scores the votes; `false` when another resolver was first.
    async fn resolve(&self, decision_id: Uuid, judged: Judged) -> sqlx::Result<bool> {
        let mut transaction = self.pool.begin().await?;
        let updated = sqlx::query(
            "UPDATE decisions SET outcome = $2, return_fraction = $3, resolved_at = now() \
             WHERE decision_id = $1 AND resolved_at IS NULL",
        )
        .bind(decision_id)
        .bind(judged.actual.name())
        .bind(judged.return_fraction)
        .execute(&mut *transaction)
        .await?
        .rows_affected();
        if updated == 0 {
            return Ok(false);
        }
        score_votes(&mut transaction, decision_id, judged.actual).await?;
        transaction.commit().await?;
        Ok(true)
    }

    async fn postpone(&self, decision: &Due) -> sqlx::Result<()> {
        let attempts = u32::try_from(decision.resolve_attempts).unwrap_or(0);
        let delay = self
            .interval
            .saturating_mul(1 << attempts.min(8))
            .min(MAX_RETRY_DELAY);
        sqlx::query(
            "UPDATE decisions SET resolve_attempts = resolve_attempts + 1, \
                 resolve_after = now() + make_interval(secs => $2) \
             WHERE decision_id = $1",
        )
        .bind(decision.decision_id)
        .bind(delay.as_secs_f64())
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}

/// Scores each voter's last answered ballot of the decision (abstentions are not
/// scored) and adds the scores to the voters' records.
async fn score_votes(
    connection: &mut PgConnection,
    decision_id: Uuid,
    actual: Decision,
) -> sqlx::Result<()> {
    let ballots: Vec<(String, i32, Option<String>, Option<f64>)> = sqlx::query_as(
        "SELECT DISTINCT ON (voter) voter, round, decision, confidence FROM votes \
         WHERE decision_id = $1 AND status = 'ANSWERED' ORDER BY voter, round DESC",
    )
    .bind(decision_id)
    .fetch_all(&mut *connection)
    .await?;
    let mut voters = Vec::new();
    let mut rounds = Vec::new();
    let mut correct = Vec::new();
    let mut briers = Vec::new();
    let mut confidences = Vec::new();
    let mut buckets = Vec::new();
    for (voter, round, decision, confidence) in ballots {
        let (Some(decision), Some(confidence)) =
            (decision.as_deref().and_then(Decision::parse), confidence)
        else {
            continue;
        };
        let Some(right) = is_correct(decision, actual) else {
            continue;
        };
        voters.push(voter);
        rounds.push(round);
        correct.push(right);
        briers.push(brier_term(confidence, right));
        confidences.push(confidence);
        buckets.push(i16::try_from(calibration_bucket(confidence)).unwrap_or(0));
    }
    if voters.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "UPDATE votes SET correct = s.correct, brier = s.brier \
         FROM UNNEST($2::text[], $3::int4[], $4::bool[], $5::float8[]) \
              AS s(voter, round, correct, brier) \
         WHERE votes.decision_id = $1 AND votes.voter = s.voter AND votes.round = s.round",
    )
    .bind(decision_id)
    .bind(&voters)
    .bind(&rounds)
    .bind(&correct)
    .bind(&briers)
    .execute(&mut *connection)
    .await?;
    sqlx::query(
        "INSERT INTO voter_stats AS t (voter, resolved, correct, brier_sum) \
         SELECT voter, 1, correct::int, brier FROM UNNEST($1::text[], $2::bool[], $3::float8[]) \
              AS s(voter, correct, brier) \
         ON CONFLICT (voter) DO UPDATE SET resolved = t.resolved + 1, \
             correct = t.correct + EXCLUDED.correct, brier_sum = t.brier_sum + EXCLUDED.brier_sum",
    )
    .bind(&voters)
    .bind(&correct)
    .bind(&briers)
    .execute(&mut *connection)
    .await?;
    sqlx::query(
        "INSERT INTO voter_calibration AS t (voter, bucket, votes, confidence_sum, hits) \
         SELECT voter, bucket, 1, confidence, correct::int \
         FROM UNNEST($1::text[], $2::int2[], $3::float8[], $4::bool[]) \
              AS s(voter, bucket, confidence, correct) \
         ON CONFLICT (voter, bucket) DO UPDATE SET votes = t.votes + 1, \
             confidence_sum = t.confidence_sum + EXCLUDED.confidence_sum, \
             hits = t.hits + EXCLUDED.hits",
    )
    .bind(&voters)
    .bind(&buckets)
    .bind(&confidences)
    .bind(&correct)
    .execute(&mut *connection)
    .await?;
    Ok(())
}
