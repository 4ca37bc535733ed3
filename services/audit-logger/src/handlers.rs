//! The gRPC handlers of quorum.audit.v1.AuditService.
use quorum_proto::audit::v1 as pb;
use quorum_proto::audit::v1::audit_service_server::AuditService;
use quorum_store::errors::database_status;
use tonic::{Request, Response, Status};

use crate::chain::{Outcome, Record};
use crate::ledger::{Ledger, now_ms};
use crate::store::{self, CheckpointRow};
use crate::validate;
use crate::verify::{self, Problem};

#[derive(Debug, Clone)]
pub struct AuditHandler {
    ledger: Ledger,
}

impl AuditHandler {
    pub fn new(ledger: Ledger) -> Self {
        Self { ledger }
    }
}

#[tonic::async_trait]
impl AuditService for AuditHandler {
    async fn append(
        &self,
        request: Request<pb::AppendRequest>,
    ) -> Result<Response<pb::AppendResponse>, Status> {
        let event = validate::event(request.get_ref().event.as_ref(), now_ms())?;
        let appended = self
            .ledger
            .append(event)
            .await
            .map_err(|error| database_status("appending an audit record failed", error))?;
        Ok(Response::new(pb::AppendResponse {
            record: Some(to_proto(appended.record)),
            duplicate: appended.duplicate,
        }))
    }

    async fn query(
        &self,
        request: Request<pb::QueryRequest>,
    ) -> Result<Response<pb::QueryResponse>, Status> {
        let filter = validate::query(request.get_ref())?;
        let mut records = store::query(self.ledger.pool(), &filter)
            .await
            .map_err(|error| database_status("querying audit records failed", error))?;
        let page_size = filter.page_size as usize;
        let next_page_token = if records.len() > page_size {
            records.truncate(page_size);
            records
                .last()
                .map(|record| validate::encode_page_token(record.sequence))
                .unwrap_or_default()
        } else {
            String::new()
        };
        Ok(Response::new(pb::QueryResponse {
            records: records.into_iter().map(to_proto).collect(),
            next_page_token,
        }))
    }

    async fn verify_chain(
        &self,
        request: Request<pb::VerifyChainRequest>,
    ) -> Result<Response<pb::VerifyChainResponse>, Status> {
        let (from, to) = validate::verify_range(request.get_ref())?;
        let verification = verify::verify(self.ledger.pool(), from, to)
            .await
            .map_err(|error| database_status("verifying the audit chain failed", error))?;
        let mut response = pb::VerifyChainResponse {
            valid: verification.finding.is_none(),
            checked_records: verification.checked_records,
            head_sequence: verification.head_sequence,
            head_hash: verification.head_hash,
            ..Default::default()
        };
        match verification.finding {
            Some(finding) => {
                tracing::warn!(sequence = finding.sequence, problem = ?finding.problem, message = %finding.message, "audit chain verification failed");
                response.first_bad_sequence = finding.sequence;
                response.problem = match finding.problem {
                    Problem::Tampered => pb::ChainProblem::Tampered,
                    Problem::Missing => pb::ChainProblem::Missing,
                    Problem::BrokenLink => pb::ChainProblem::BrokenLink,
                } as i32;
                response.message = finding.message;
            }
            None => {
                response.message = format!(
                    "{} records checked; the chain is intact",
                    response.checked_records
                );
            }
        }
        Ok(Response::new(response))
    }

    async fn list_checkpoints(
        &self,
        request: Request<pb::ListCheckpointsRequest>,
    ) -> Result<Response<pb::ListCheckpointsResponse>, Status> {
        let limit = validate::checkpoint_limit(request.get_ref().limit)?;
        let checkpoints = store::list_checkpoints(self.ledger.pool(), limit)
            .await
            .map_err(|error| database_status("listing checkpoints failed", error))?;
        Ok(Response::new(pb::ListCheckpointsResponse {
            checkpoints: checkpoints.into_iter().map(checkpoint_to_proto).collect(),
        }))
    }
}

/// The wire form of a stored record.
pub fn to_proto(record: Record) -> pb::AuditRecord {
    let outcome = match record.event.outcome {
        Outcome::Success => pb::Outcome::Success,
        Outcome::Failure => pb::Outcome::Failure,
        Outcome::Denied => pb::Outcome::Denied,
    };
    pb::AuditRecord {
        sequence: record.sequence,
        event: Some(pb::AuditEvent {
            event_id: record.event.event_id,
            actor: record.event.actor,
            action: record.event.action,
            resource: record.event.resource,
            outcome: outcome as i32,
            occurred_at_unix_ms: record.event.occurred_at_ms,
            source_service: record.event.source_service,
            source_address: record.event.source_address,
            details_json: record.event.details_json,
        }),
        recorded_at_unix_ms: record.recorded_at_ms,
        prev_hash: record.prev_hash,
        hash: record.hash,
    }
}

fn checkpoint_to_proto(checkpoint: CheckpointRow) -> pb::Checkpoint {
    pb::Checkpoint {
        sequence: checkpoint.sequence,
        hash: checkpoint.hash,
        created_at_unix_ms: checkpoint.created_at_ms,
        signature: checkpoint.signature,
        public_key: checkpoint.public_key,
    }
}
