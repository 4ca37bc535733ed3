//! Reading decisions back: by id, by proposal id, and pages of ListDecisions, rebuilt
//! into the very message Decide answered (plus the outcome once resolved).
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use prost::Message;
use quorum_domain::Decimal;
use quorum_domain::convert::decimal;
use quorum_proto::ai::v1 as ai;
use sqlx::PgPool;
use uuid::Uuid;

use crate::assemble::{dissenters, total_cost};
use crate::convert;
use crate::listing::{DecisionFilter, PageKey};
use crate::store::unix_ms;

/// Why reading failed.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    /// A stored value this code does not understand (the table was changed by hand).
    #[error("stored row is not valid: {0}")]
    Corrupt(String),
}

/// A page of decisions, newest first, and where the next page starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub decisions: Vec<ai::ConsensusDecision>,
    pub next: Option<PageKey>,
}

const DECISION_COLUMNS: &str = "d.decision_id, d.proposal, d.approved, d.verdict, d.decision, \
     d.agreement, d.threshold, d.quorum, d.dissenters, d.explanation, d.decided_at, d.outcome, \
     d.return_fraction, d.resolved_at";

#[derive(sqlx::FromRow)]
struct DecisionRow {
    decision_id: Uuid,
    proposal: Vec<u8>,
    approved: bool,
    verdict: String,
    decision: Option<String>,
    agreement: f64,
    threshold: f64,
    quorum: f64,
    dissenters: Vec<String>,
    explanation: String,
    decided_at: DateTime<Utc>,
    outcome: Option<String>,
    return_fraction: Option<f64>,
    resolved_at: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct RoundRow {
    decision_id: Uuid,
    round: i32,
    leading_decision: Option<String>,
    agreement: f64,
    tally: sqlx::types::Json<Vec<TallyRow>>,
}

#[derive(serde::Deserialize)]
struct TallyRow {
    decision: Option<String>,
    weight: f64,
    voters: u32,
}

#[derive(sqlx::FromRow)]
struct VoteRow {
    decision_id: Uuid,
    round: i32,
    voter: String,
    weight: f64,
    status: String,
    decision: Option<String>,
    confidence: Option<f64>,
    rationale: String,
    evidence: Option<Vec<u8>>,
    voter_version: String,
    compute_micros: i64,
    prompt_tokens: i64,
    completion_tokens: i64,
    cost: Option<String>,
    error: String,
    latency_micros: i64,
}

/// The decision with this id.
pub async fn by_id(pool: &PgPool, id: Uuid) -> Result<Option<ai::ConsensusDecision>, ReadError> {
    let rows: Vec<DecisionRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {DECISION_COLUMNS} FROM decisions d WHERE d.decision_id = $1"
    )))
    .bind(id)
    .fetch_all(pool)
    .await?;
    Ok(assemble(pool, rows).await?.into_iter().next())
}

/// The decision made for this proposal id.
pub async fn by_proposal(
    pool: &PgPool,
    proposal_id: &str,
) -> Result<Option<ai::ConsensusDecision>, ReadError> {
    let rows: Vec<DecisionRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {DECISION_COLUMNS} FROM decisions d WHERE d.proposal_id = $1"
    )))
    .bind(proposal_id)
    .fetch_all(pool)
    .await?;
    Ok(assemble(pool, rows).await?.into_iter().next())
}

/// The page of decisions `filter` asks for.
pub async fn list(pool: &PgPool, filter: &DecisionFilter) -> Result<Page, ReadError> {
    let time = |millis: Option<i64>| millis.and_then(DateTime::<Utc>::from_timestamp_millis);
    let after_time = filter
        .after
        .and_then(|key| DateTime::<Utc>::from_timestamp_micros(key.decided_at_micros));
    let rows: Vec<DecisionRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {DECISION_COLUMNS} FROM decisions d \
         WHERE ($1::text IS NULL OR d.symbol = $1) \
           AND ($2::bool IS NULL OR d.approved = $2) \
           AND ($3::text IS NULL OR d.verdict = $3) \
           AND ($4::text IS NULL OR EXISTS (SELECT 1 FROM votes v \
                WHERE v.decision_id = d.decision_id AND v.voter = $4 \
                  AND v.status = 'ANSWERED')) \
           AND ($5::timestamptz IS NULL OR d.decided_at >= $5) \
           AND ($6::timestamptz IS NULL OR d.decided_at < $6) \
           AND ($7::timestamptz IS NULL OR (d.decided_at, d.decision_id) < ($7, $8)) \
         ORDER BY d.decided_at DESC, d.decision_id DESC \
         LIMIT $9"
    )))
    .bind(filter.symbol.as_deref())
    .bind(filter.approved)
    .bind(filter.verdict.map(|verdict| verdict.name()))
    .bind(filter.voter.as_deref())
    .bind(time(filter.from_ms))
    .bind(time(filter.to_ms))
    .bind(after_time)
    .bind(filter.after.map(|key| key.decision_id))
    .bind(i64::from(filter.page_size) + 1)
    .fetch_all(pool)
    .await?;
    let more = rows.len() > filter.page_size as usize;
    let mut rows = rows;
    rows.truncate(filter.page_size as usize);
    let next = if more {
        rows.last().map(|last| PageKey {
            decided_at_micros: last.decided_at.timestamp_micros(),
            decision_id: last.decision_id,
        })
    } else {
        None
    };
    Ok(Page {
        decisions: assemble(pool, rows).await?,
        next,
    })
}

/// Rebuilds decisions with their rounds and votes, in the order of `rows`.
async fn assemble(
    pool: &PgPool,
    rows: Vec<DecisionRow>,
) -> Result<Vec<ai::ConsensusDecision>, ReadError> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<Uuid> = rows.iter().map(|row| row.decision_id).collect();
    let round_rows: Vec<RoundRow> = sqlx::query_as(
        "SELECT decision_id, round, leading_decision, agreement, tally FROM rounds \
         WHERE decision_id = ANY($1) ORDER BY decision_id, round",
    )
    .bind(&ids)
    .fetch_all(pool)
    .await?;
    let vote_rows: Vec<VoteRow> = sqlx::query_as(
        "SELECT decision_id, round, voter, weight, status, decision, confidence, rationale, \
                evidence, voter_version, compute_micros, prompt_tokens, completion_tokens, \
                cost::text AS cost, error, latency_micros \
         FROM votes WHERE decision_id = ANY($1) ORDER BY decision_id, round, voter COLLATE \"C\"",
    )
    .bind(&ids)
    .fetch_all(pool)
    .await?;
    let mut votes: HashMap<(Uuid, i32), Vec<ai::RecordedVote>> = HashMap::new();
    for row in vote_rows {
        let key = (row.decision_id, row.round);
        votes.entry(key).or_default().push(recorded_vote(row)?);
    }
    let mut rounds: HashMap<Uuid, Vec<ai::RoundSummary>> = HashMap::new();
    for row in round_rows {
        let summary = ai::RoundSummary {
            round: u32::try_from(row.round).unwrap_or(0),
            tally: row
                .tally
                .0
                .iter()
                .map(|entry| ai::TallyEntry {
                    decision: convert::decision_name_number(entry.decision.as_deref()),
                    weight: entry.weight,
                    voters: entry.voters,
                })
                .collect(),
            agreement: row.agreement,
            leading: convert::decision_name_number(row.leading_decision.as_deref()),
            votes: votes
                .remove(&(row.decision_id, row.round))
                .unwrap_or_default(),
        };
        rounds.entry(row.decision_id).or_default().push(summary);
    }
    rows.into_iter()
        .map(|row| {
            let decision_rounds = rounds.remove(&row.decision_id).unwrap_or_default();
            decision(row, decision_rounds)
        })
        .collect()
}

fn decision(
    row: DecisionRow,
    rounds: Vec<ai::RoundSummary>,
) -> Result<ai::ConsensusDecision, ReadError> {
    let proposal = ai::Proposal::decode(row.proposal.as_slice())
        .map_err(|error| ReadError::Corrupt(format!("proposal: {error}")))?;
    let verdict = quorum_consensus::Verdict::parse(&row.verdict)
        .ok_or_else(|| ReadError::Corrupt(format!("verdict '{}'", row.verdict)))?;
    let outcome = match (row.outcome, row.resolved_at) {
        (Some(actual), Some(resolved_at)) => Some(ai::Outcome {
            actual: convert::decision_name_number(Some(&actual)),
            return_fraction: row.return_fraction.unwrap_or(0.0),
            resolved_unix_ms: unix_ms(resolved_at),
        }),
        _ => None,
    };
    Ok(ai::ConsensusDecision {
        decision_id: row.decision_id.to_string(),
        proposal: Some(proposal),
        approved: row.approved,
        verdict: convert::verdict_number(verdict),
        decision: convert::decision_name_number(row.decision.as_deref()),
        agreement: row.agreement,
        threshold: row.threshold,
        quorum: row.quorum,
        dissenters: dissenters(&rounds, &row.dissenters),
        total_cost: Some(total_cost(&rounds)),
        rounds,
        explanation: row.explanation,
        decided_unix_ms: unix_ms(row.decided_at),
        outcome,
    })
}

fn recorded_vote(row: VoteRow) -> Result<ai::RecordedVote, ReadError> {
    let status = convert::status_name_number(&row.status);
    let ballot = if row.status == "ANSWERED" {
        let evidence = match &row.evidence {
            Some(bytes) => Some(
                ai::Evidence::decode(bytes.as_slice())
                    .map_err(|error| ReadError::Corrupt(format!("evidence: {error}")))?,
            ),
            None => None,
        };
        let money = match &row.cost {
            Some(text) => Some(decimal(text.parse::<Decimal>().map_err(|_| {
                ReadError::Corrupt(format!("cost '{text}' is not a decimal"))
            })?)),
            None => None,
        };
        Some(ai::Ballot {
            decision: convert::decision_name_number(row.decision.as_deref()),
            confidence: row.confidence.unwrap_or(0.0),
            rationale: row.rationale,
            evidence,
            voter_version: row.voter_version,
            cost: Some(ai::VoteCost {
                compute_micros: row.compute_micros,
                prompt_tokens: u64::try_from(row.prompt_tokens).unwrap_or(0),
                completion_tokens: u64::try_from(row.completion_tokens).unwrap_or(0),
                money,
            }),
        })
    } else {
        None
    };
    Ok(ai::RecordedVote {
        voter: row.voter,
        weight: row.weight,
        status,
        ballot,
        error: row.error,
        latency_micros: row.latency_micros,
    })
}
