//! GetVoterStats: each voter's answered votes, resolved outcomes, Brier score,
//! calibration, and the weight Decide gives it now.
use std::collections::HashMap;

use quorum_consensus::{Accuracy, BucketTally, Calibration, WeightPolicy};
use quorum_proto::ai::v1 as ai;
use quorum_store::errors::database_status;
use sqlx::PgPool;
use tonic::Status;

use crate::convert;
use crate::voters::{self, Participant};

/// The record of `voter`, or of every voter when it is `None`.
pub async fn voter_stats(
    pool: &PgPool,
    policy: WeightPolicy,
    voter: Option<&str>,
) -> Result<Vec<ai::VoterStats>, Status> {
    let context = "reading voter statistics failed";
    let names: Vec<String> = voter.map(str::to_string).into_iter().collect();
    let participants = voters::participants(pool, &names)
        .await
        .map_err(|error| database_status(context, error))?;
    if let Some(name) = voter
        && participants.is_empty()
    {
        return Err(Status::not_found(format!("voter {name} is not registered")));
    }
    let votes: HashMap<String, i64> = sqlx::query_as::<_, (String, i64)>(
        "SELECT voter, count(*) FROM votes \
         WHERE status = 'ANSWERED' AND (cardinality($1::text[]) = 0 OR voter = ANY($1)) \
         GROUP BY voter",
    )
    .bind(&names)
    .fetch_all(pool)
    .await
    .map_err(|error| database_status(context, error))?
    .into_iter()
    .collect();
    let buckets: Vec<(String, i16, i64, f64, i64)> = sqlx::query_as(
        "SELECT voter, bucket, votes, confidence_sum, hits FROM voter_calibration \
         WHERE cardinality($1::text[]) = 0 OR voter = ANY($1)",
    )
    .bind(&names)
    .fetch_all(pool)
    .await
    .map_err(|error| database_status(context, error))?;
    let mut calibrations: HashMap<String, Calibration> = HashMap::new();
    for (name, bucket, count, confidence_sum, hits) in buckets {
        let tally = BucketTally {
            votes: u64::try_from(count).unwrap_or(0),
            confidence_sum,
            hits: u64::try_from(hits).unwrap_or(0),
        };
        calibrations
            .entry(name)
            .or_default()
            .add_tally(usize::try_from(bucket).unwrap_or(usize::MAX), tally);
    }
    Ok(participants
        .into_iter()
        .map(|participant| {
            let answered = votes.get(&participant.voter.name).copied().unwrap_or(0);
            let calibration = calibrations
                .remove(&participant.voter.name)
                .unwrap_or_default();
            stats(&participant, policy, answered, &calibration)
        })
        .collect())
}

fn stats(
    participant: &Participant,
    policy: WeightPolicy,
    answered: i64,
    calibration: &Calibration,
) -> ai::VoterStats {
    let voter = &participant.voter;
    let accuracy: &Accuracy = &participant.accuracy;
    ai::VoterStats {
        voter: voter.name.clone(),
        votes: u64::try_from(answered).unwrap_or(0),
        resolved: accuracy.resolved,
        correct: accuracy.correct,
        brier_score: accuracy.brier_score(),
        base_weight: voter.weight,
        effective_weight: policy.effective_weight(voter.weight, voter.mode(), accuracy),
        weight_mode: convert::weight_mode_number(voter.mode()),
        calibration: calibration
            .buckets()
            .into_iter()
            .map(|bucket| ai::CalibrationBucket {
                low: bucket.low,
                high: bucket.high,
                votes: bucket.votes,
                mean_confidence: bucket.mean_confidence,
                hit_rate: bucket.hit_rate,
            })
            .collect(),
    }
}
