//! The voter registry: registering (described by the voter itself when it answers,
//! audited in the same transaction), listing, and the voters of a decision with their
//! records.
use std::time::Duration;

use chrono::{DateTime, Utc};
use quorum_bus::audit::{self, AuditEntry};
use quorum_bus::events::AuditOutcome;
use quorum_bus::outbox::Outbox;
use quorum_consensus::{Accuracy, WeightMode};
use quorum_proto::ai::v1 as ai;
use quorum_store::errors::database_status;
use sqlx::PgPool;
use tonic::Status;

use crate::ballots::BallotBox;
use crate::convert;
use crate::store::unix_ms;
use crate::validate::Registration;

/// How long registration waits for DescribeVoter.
pub const DESCRIBE_DEADLINE: Duration = Duration::from_secs(2);

/// A registered voter as stored.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct VoterRow {
    pub name: String,
    pub kind: String,
    pub address: String,
    pub weight: f64,
    pub weight_mode: String,
    pub enabled: bool,
    pub version: String,
    pub registered_at: DateTime<Utc>,
}

impl VoterRow {
    pub fn mode(&self) -> WeightMode {
        WeightMode::parse(&self.weight_mode).unwrap_or(WeightMode::Fixed)
    }

    pub fn info(&self) -> ai::VoterInfo {
        ai::VoterInfo {
            name: self.name.clone(),
            kind: convert::voter_kind_number(&self.kind),
            address: self.address.clone(),
            weight: self.weight,
            weight_mode: convert::weight_mode_number(self.mode()),
            enabled: self.enabled,
            version: self.version.clone(),
            registered_unix_ms: unix_ms(self.registered_at),
        }
    }
}

/// A voter with its resolved record, as a decision or GetVoterStats sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Participant {
    pub voter: VoterRow,
    pub accuracy: Accuracy,
}

const VOTER_COLUMNS: &str =
    "v.name, v.kind, v.address, v.weight, v.weight_mode, v.enabled, v.version, v.registered_at";

/// Every registered voter, by name.
pub async fn list(pool: &PgPool) -> sqlx::Result<Vec<VoterRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {VOTER_COLUMNS} FROM voters v ORDER BY v.name COLLATE \"C\""
    )))
    .fetch_all(pool)
    .await
}

/// The named voters (every voter when `names` is empty) with their records, by name.
/// Names that are not registered are simply absent.
pub async fn participants(pool: &PgPool, names: &[String]) -> sqlx::Result<Vec<Participant>> {
    let rows: Vec<ParticipantRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {VOTER_COLUMNS}, \
                COALESCE(s.resolved, 0) AS resolved, COALESCE(s.correct, 0) AS correct, \
                COALESCE(s.brier_sum, 0) AS brier_sum \
         FROM voters v LEFT JOIN voter_stats s ON s.voter = v.name \
         WHERE cardinality($1::text[]) = 0 OR v.name = ANY($1) \
         ORDER BY v.name COLLATE \"C\""
    )))
    .bind(names)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| Participant {
            voter: row.voter,
            accuracy: Accuracy {
                resolved: u64::try_from(row.resolved).unwrap_or(0),
                correct: u64::try_from(row.correct).unwrap_or(0),
                brier_sum: row.brier_sum,
            },
        })
        .collect())
}

#[derive(sqlx::FromRow)]
struct ParticipantRow {
    #[sqlx(flatten)]
    voter: VoterRow,
    resolved: i64,
    correct: i64,
    brier_sum: f64,
}

/// Registers (or updates) a voter after asking it to describe itself. A voter that
/// cannot be described is registered anyway, and the returned warning says why.
pub async fn register(
    pool: &PgPool,
    outbox: &Outbox,
    ballots: &BallotBox,
    registration: &Registration,
    actor: &str,
) -> Result<(ai::VoterInfo, String), Status> {
    let described = ballots
        .describe(&registration.name, &registration.address, DESCRIBE_DEADLINE)
        .await;
    let (kind, version, warning) = match described {
        Ok(description) => {
            let kind = match (
                registration.kind,
                convert::voter_kind_name(description.kind),
            ) {
                ("UNSPECIFIED", Some(described)) => described,
                (given, _) => given,
            };
            let warning = if !description.name.is_empty() && description.name != registration.name {
                format!(
                    "the voter describes itself as '{}'; registered as '{}'",
                    description.name, registration.name
                )
            } else {
                String::new()
            };
            (kind, description.version, warning)
        }
        Err(problem) => (
            registration.kind,
            String::new(),
            format!(
                "could not describe the voter at {} ({problem}); registered without a version",
                registration.address
            ),
        ),
    };
    let context = "registering a voter failed";
    let mut transaction = pool
        .begin()
        .await
        .map_err(|error| database_status(context, error))?;
    let row: VoterRow = sqlx::query_as(
        "INSERT INTO voters AS v (name, kind, address, weight, weight_mode, enabled, version, \
                                  registered_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, now()) \
         ON CONFLICT (name) DO UPDATE SET kind = EXCLUDED.kind, address = EXCLUDED.address, \
             weight = EXCLUDED.weight, weight_mode = EXCLUDED.weight_mode, \
             enabled = EXCLUDED.enabled, version = EXCLUDED.version, \
             registered_at = EXCLUDED.registered_at \
         RETURNING v.name, v.kind, v.address, v.weight, v.weight_mode, v.enabled, v.version, \
                   v.registered_at",
    )
    .bind(&registration.name)
    .bind(kind)
    .bind(&registration.address)
    .bind(registration.weight)
    .bind(registration.mode.name())
    .bind(registration.enabled)
    .bind(&version)
    .fetch_one(&mut *transaction)
    .await
    .map_err(|error| database_status(context, error))?;
    let entry = AuditEntry {
        service: crate::SERVICE,
        actor,
        action: "consensus.register_voter",
        resource: &format!("voter:{}", row.name),
        outcome: AuditOutcome::Success,
        details: serde_json::json!({
            "address": row.address,
            "kind": row.kind,
            "weight": row.weight,
            "weight_mode": row.weight_mode,
            "enabled": row.enabled,
            "version": row.version,
            "warning": warning,
        }),
    };
    audit::record(&mut transaction, entry)
        .await
        .map_err(|error| database_status(context, error))?;
    transaction
        .commit()
        .await
        .map_err(|error| database_status(context, error))?;
    outbox.wake();
    if !warning.is_empty() {
        tracing::warn!(voter = %row.name, %warning, "voter registered with a warning");
    }
    Ok((row.info(), warning))
}
