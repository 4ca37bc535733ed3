//! Storing a decision: the proposal, every round, every vote, the verdict and its
//! explanation, the `ai.decisions` event and the audit event, all in one transaction
//! that also marks the proposal's claim decided.
use chrono::{DateTime, Utc};
use prost::Message;
use quorum_bus::audit::{self, AuditEntry};
use quorum_bus::events::{AuditOutcome, DECISIONS_TOPIC, DecisionMade};
use quorum_bus::outbox::Outbox;
use quorum_consensus::{ProposalKind, Verdict};
use quorum_proto::ai::v1 as ai;
use quorum_store::errors::is_unique_violation;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::claims::Claim;
use crate::convert;

/// A finished decision and what is stored beside it.
#[derive(Debug, Clone, Copy)]
pub struct Record<'a> {
    pub decision: &'a ai::ConsensusDecision,
    pub decision_id: Uuid,
    pub kind: ProposalKind,
    pub max_rounds: u32,
    pub voter_deadline_ms: u32,
    pub decided_at: DateTime<Utc>,
    pub decided_by: &'a str,
    /// When the outcome may first be judged; `None` when it never is.
    pub resolve_after: Option<DateTime<Utc>>,
}

/// Whether the decision was stored, or another call had stored one for the proposal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    Saved,
    AlreadyDecided,
}

/// Stores the decision and its events, and marks the claim decided, atomically. The
/// caller wakes the outbox relay after.
pub async fn store(pool: &PgPool, claim: &Claim, record: Record<'_>) -> sqlx::Result<Stored> {
    let mut transaction = pool.begin().await?;
    match insert_decision(&mut transaction, claim, record).await {
        Ok(()) => {}
        Err(error) if is_unique_violation(&error) => return Ok(Stored::AlreadyDecided),
        Err(error) => return Err(error),
    }
    enqueue_events(&mut transaction, record).await?;
    transaction.commit().await?;
    Ok(Stored::Saved)
}

/// The decision, its rounds and votes, and the claim marked decided, in one statement
/// (one round trip: a decision is on the path of every trade).
async fn insert_decision(
    connection: &mut PgConnection,
    claim: &Claim,
    record: Record<'_>,
) -> sqlx::Result<()> {
    let decision = record.decision;
    let proposal = decision.proposal.clone().unwrap_or_default();
    let dissenters: Vec<&str> = decision
        .dissenters
        .iter()
        .map(|vote| vote.voter.as_str())
        .collect();
    let rounds = RoundColumns::of(&decision.rounds);
    let mut votes = VoteColumns::default();
    for round in &decision.rounds {
        for vote in &round.votes {
            votes.push(round.round, vote);
        }
    }
    sqlx::query(
        "WITH decision AS ( \
             INSERT INTO decisions (decision_id, proposal_id, kind, symbol, venue, \
                 candle_interval, horizon_ms, as_of, proposal, approved, verdict, decision, \
                 agreement, threshold, quorum, max_rounds, voter_deadline_ms, rounds, \
                 dissenters, explanation, decided_by, decided_at, resolve_after) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, \
                 $17, $18, $19, $20, $21, $22, $23) \
         ), round_rows AS ( \
             INSERT INTO rounds (decision_id, round, leading_decision, agreement, tally) \
             SELECT $1, * FROM UNNEST($24::int4[], $25::text[], $26::float8[], $27::jsonb[]) \
         ), vote_rows AS ( \
             INSERT INTO votes (decision_id, round, voter, weight, status, decision, \
                 confidence, rationale, evidence, voter_version, compute_micros, \
                 prompt_tokens, completion_tokens, cost, error, latency_micros) \
             SELECT $1, round, voter, weight, status, decision, confidence, rationale, \
                    evidence, voter_version, compute_micros, prompt_tokens, \
                    completion_tokens, cost::numeric, error, latency_micros \
             FROM UNNEST($28::int4[], $29::text[], $30::float8[], $31::text[], $32::text[], \
                         $33::float8[], $34::text[], $35::bytea[], $36::text[], $37::int8[], \
                         $38::int8[], $39::int8[], $40::text[], $41::text[], $42::int8[]) \
                  AS v(round, voter, weight, status, decision, confidence, rationale, \
                       evidence, voter_version, compute_micros, prompt_tokens, \
                       completion_tokens, cost, error, latency_micros) \
         ) \
         UPDATE claims SET expires_at = 'infinity' WHERE proposal_id = $2 AND holder = $43",
    )
    .bind(record.decision_id)
    .bind(&proposal.proposal_id)
    .bind(record.kind.name())
    .bind(&proposal.symbol)
    .bind(proposal.venue)
    .bind(&proposal.interval)
    .bind(proposal.horizon_ms)
    .bind(crate::store::timestamp(proposal.as_of_unix_ms))
    .bind(proposal.encode_to_vec())
    .bind(decision.approved)
    .bind(verdict_name(decision.verdict))
    .bind(convert::decision_name(decision.decision))
    .bind(decision.agreement)
    .bind(decision.threshold)
    .bind(decision.quorum)
    .bind(i32::try_from(record.max_rounds).unwrap_or(i32::MAX))
    .bind(i32::try_from(record.voter_deadline_ms).unwrap_or(i32::MAX))
    .bind(i32::try_from(decision.rounds.len()).unwrap_or(i32::MAX))
    .bind(&dissenters)
    .bind(&decision.explanation)
    .bind(record.decided_by)
    .bind(record.decided_at)
    .bind(record.resolve_after)
    .bind(&rounds.numbers)
    .bind(&rounds.leading)
    .bind(&rounds.agreements)
    .bind(&rounds.tallies)
    .bind(&votes.rounds)
    .bind(&votes.voters)
    .bind(&votes.weights)
    .bind(&votes.statuses)
    .bind(&votes.decisions)
    .bind(&votes.confidences)
    .bind(&votes.rationales)
    .bind(&votes.evidence)
    .bind(&votes.versions)
    .bind(&votes.compute)
    .bind(&votes.prompt_tokens)
    .bind(&votes.completion_tokens)
    .bind(&votes.costs)
    .bind(&votes.errors)
    .bind(&votes.latencies)
    .bind(claim.holder)
    .execute(connection)
    .await?;
    Ok(())
}

/// The rounds, one array per column.
struct RoundColumns {
    numbers: Vec<i32>,
    leading: Vec<Option<&'static str>>,
    agreements: Vec<f64>,
    tallies: Vec<serde_json::Value>,
}

impl RoundColumns {
    fn of(rounds: &[ai::RoundSummary]) -> Self {
        Self {
            numbers: rounds.iter().map(|round| round.round as i32).collect(),
            leading: rounds
                .iter()
                .map(|round| convert::decision_name(round.leading))
                .collect(),
            agreements: rounds.iter().map(|round| round.agreement).collect(),
            tallies: rounds.iter().map(tally_json).collect(),
        }
    }
}

/// `[{"decision": "BUY", "weight": 2.5, "voters": 2}, ...]`, heaviest first.
fn tally_json(round: &ai::RoundSummary) -> serde_json::Value {
    serde_json::Value::Array(
        round
            .tally
            .iter()
            .map(|entry| {
                serde_json::json!({
                    "decision": convert::decision_name(entry.decision),
                    "weight": entry.weight,
                    "voters": entry.voters,
                })
            })
            .collect(),
    )
}

/// One array per column, the shape UNNEST takes.
#[derive(Default)]
struct VoteColumns {
    rounds: Vec<i32>,
    voters: Vec<String>,
    weights: Vec<f64>,
    statuses: Vec<&'static str>,
    decisions: Vec<Option<&'static str>>,
    confidences: Vec<Option<f64>>,
    rationales: Vec<String>,
    evidence: Vec<Option<Vec<u8>>>,
    versions: Vec<String>,
    compute: Vec<i64>,
    prompt_tokens: Vec<i64>,
    completion_tokens: Vec<i64>,
    costs: Vec<Option<String>>,
    errors: Vec<String>,
    latencies: Vec<i64>,
}

impl VoteColumns {
    fn push(&mut self, round: u32, vote: &ai::RecordedVote) {
        let ballot = vote.ballot.clone().unwrap_or_default();
        let cost = ballot.cost.clone().unwrap_or_default();
        let answered = vote.ballot.is_some();
        self.rounds.push(round as i32);
        self.voters.push(vote.voter.clone());
        self.weights.push(vote.weight);
        self.statuses.push(convert::status_name(vote.status));
        self.decisions.push(
            answered
                .then(|| convert::decision_name(ballot.decision))
                .flatten(),
        );
        self.confidences.push(answered.then_some(ballot.confidence));
        self.rationales.push(ballot.rationale);
        self.evidence
            .push(ballot.evidence.map(|evidence| evidence.encode_to_vec()));
        self.versions.push(ballot.voter_version);
        self.compute.push(cost.compute_micros);
        self.prompt_tokens
            .push(i64::try_from(cost.prompt_tokens).unwrap_or(i64::MAX));
        self.completion_tokens
            .push(i64::try_from(cost.completion_tokens).unwrap_or(i64::MAX));
        self.costs.push(cost.money.map(|money| money.value));
        self.errors.push(vote.error.clone());
        self.latencies.push(vote.latency_micros);
    }
}

async fn enqueue_events(connection: &mut PgConnection, record: Record<'_>) -> sqlx::Result<()> {
    let decision = record.decision;
    let proposal = decision.proposal.clone().unwrap_or_default();
    let verdict = verdict_name(decision.verdict);
    let event = DecisionMade {
        decision_id: record.decision_id.to_string(),
        proposal_id: proposal.proposal_id.clone(),
        symbol: proposal.symbol.clone(),
        approved: decision.approved,
        verdict: verdict.to_string(),
        decision: convert::decision_name(decision.decision).map(str::to_string),
        agreement: decision.agreement,
        decided_at_ms: decision.decided_unix_ms,
    };
    Outbox::enqueue(&mut *connection, DECISIONS_TOPIC, &event).await?;
    let voters: Vec<&str> = decision
        .rounds
        .first()
        .map(|round| round.votes.iter().map(|vote| vote.voter.as_str()).collect())
        .unwrap_or_default();
    let entry = AuditEntry {
        service: crate::SERVICE,
        actor: record.decided_by,
        action: "consensus.decide",
        resource: &format!("decision:{}", record.decision_id),
        outcome: AuditOutcome::Success,
        details: serde_json::json!({
            "proposal_id": proposal.proposal_id,
            "symbol": proposal.symbol,
            "approved": decision.approved,
            "verdict": verdict,
            "decision": convert::decision_name(decision.decision),
            "agreement": decision.agreement,
            "rounds": decision.rounds.len(),
            "voters": voters,
        }),
    };
    audit::record(connection, entry).await
}

fn verdict_name(number: i32) -> &'static str {
    convert::verdict(number).map_or("UNSPECIFIED", Verdict::name)
}
