//! The gRPC handlers of quorum.ai.v1.ConsensusService.
use std::sync::Arc;
use std::time::{Duration, Instant};

use quorum_kit::auth::caller;
use quorum_kit::errors::invalid_field;
use quorum_proto::ai::v1 as ai;
use quorum_proto::ai::v1::consensus_service_server::ConsensusService;
use quorum_store::errors::database_status;
use tonic::{Request, Response, Status};
use uuid::Uuid;

use crate::decide::{Engine, read_status};
use crate::validate::valid_name;
use crate::{listing, read, stats, validate, voters};

pub struct ConsensusHandler {
    engine: Arc<Engine>,
    /// The server's upper bound on one call (the kit's request timeout).
    request_timeout: Duration,
}

impl ConsensusHandler {
    pub fn new(engine: Arc<Engine>, request_timeout: Duration) -> Self {
        Self {
            engine,
            request_timeout,
        }
    }
}

#[tonic::async_trait]
impl ConsensusService for ConsensusHandler {
    async fn decide(
        &self,
        request: Request<ai::DecideRequest>,
    ) -> Result<Response<ai::DecideResponse>, Status> {
        let deadline = call_deadline(&request, self.request_timeout);
        let actor = actor(&request);
        let now_ms = chrono::Utc::now().timestamp_millis();
        let input = validate::decide(request.get_ref(), &self.engine.policy, now_ms)?;
        let decision = self.engine.decide(input, &actor, deadline).await?;
        Ok(Response::new(ai::DecideResponse {
            decision: Some(decision),
        }))
    }

    async fn get_decision(
        &self,
        request: Request<ai::GetDecisionRequest>,
    ) -> Result<Response<ai::GetDecisionResponse>, Status> {
        let text = request.get_ref().decision_id.trim();
        let id = Uuid::parse_str(text)
            .map_err(|_| invalid_field("decision_id", format!("'{text}' is not a decision id")))?;
        let decision = read::by_id(&self.engine.pool, id)
            .await
            .map_err(|error| read_status("reading the decision failed", error))?
            .ok_or_else(|| Status::not_found(format!("decision {id} does not exist")))?;
        Ok(Response::new(ai::GetDecisionResponse {
            decision: Some(decision),
        }))
    }

    async fn list_decisions(
        &self,
        request: Request<ai::ListDecisionsRequest>,
    ) -> Result<Response<ai::ListDecisionsResponse>, Status> {
        let filter = listing::filter(request.get_ref())?;
        let page = read::list(&self.engine.pool, &filter)
            .await
            .map_err(|error| read_status("listing decisions failed", error))?;
        Ok(Response::new(ai::ListDecisionsResponse {
            decisions: page.decisions,
            next_page_token: page
                .next
                .map(|key| listing::encode_token(&key))
                .unwrap_or_default(),
        }))
    }

    async fn register_voter(
        &self,
        request: Request<ai::RegisterVoterRequest>,
    ) -> Result<Response<ai::RegisterVoterResponse>, Status> {
        let registration = validate::registration(request.get_ref())?;
        let actor = actor(&request);
        let engine = &self.engine;
        let (voter, warning) = voters::register(
            &engine.pool,
            &engine.outbox,
            &engine.ballots,
            &registration,
            &actor,
        )
        .await?;
        Ok(Response::new(ai::RegisterVoterResponse {
            voter: Some(voter),
            warning,
        }))
    }

    async fn list_voters(
        &self,
        _request: Request<ai::ListVotersRequest>,
    ) -> Result<Response<ai::ListVotersResponse>, Status> {
        let voters = voters::list(&self.engine.pool)
            .await
            .map_err(|error| database_status("listing voters failed", error))?;
        Ok(Response::new(ai::ListVotersResponse {
            voters: voters.iter().map(voters::VoterRow::info).collect(),
        }))
    }

    async fn get_voter_stats(
        &self,
        request: Request<ai::GetVoterStatsRequest>,
    ) -> Result<Response<ai::GetVoterStatsResponse>, Status> {
        let voter = request.get_ref().voter.trim();
        if !voter.is_empty() && !valid_name(voter) {
            return Err(invalid_field(
                "voter",
                format!("'{voter}' is not a voter name"),
            ));
        }
        let voter = (!voter.is_empty()).then_some(voter);
        let stats =
            stats::voter_stats(&self.engine.pool, self.engine.policy.weights, voter).await?;
        Ok(Response::new(ai::GetVoterStatsResponse { stats }))
    }
}

/// Who is calling, for the audit trail.
fn actor<T>(request: &Request<T>) -> String {
    caller(request)
        .map(|caller| caller.claims.name.clone())
        .unwrap_or_else(|_| "anonymous".to_string())
}

/// When the call must be answered by: the sooner of the server's request timeout and
/// the caller's `grpc-timeout`.
fn call_deadline<T>(request: &Request<T>, server_timeout: Duration) -> Instant {
    let client_timeout = request
        .metadata()
        .get("grpc-timeout")
        .and_then(|value| value.to_str().ok())
        .and_then(parse_grpc_timeout);
    let timeout = client_timeout.map_or(server_timeout, |client| client.min(server_timeout));
    Instant::now() + timeout
}

/// A `grpc-timeout` header value: up to 8 digits and a unit (H, M, S, m, u, n).
pub fn parse_grpc_timeout(value: &str) -> Option<Duration> {
    let value = value.trim();
    let split = value.len().checked_sub(1)?;
    let (digits, unit) = value.split_at(split);
    if digits.is_empty() || digits.len() > 8 {
        return None;
    }
    let amount: u64 = digits.parse().ok()?;
    Some(match unit {
        "H" => Duration::from_secs(amount.saturating_mul(3600)),
        "M" => Duration::from_secs(amount.saturating_mul(60)),
        "S" => Duration::from_secs(amount),
        "m" => Duration::from_millis(amount),
        "u" => Duration::from_micros(amount),
        "n" => Duration::from_nanos(amount),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grpc_timeouts_parse_in_every_unit() {
        assert_eq!(
            parse_grpc_timeout("1500m"),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(parse_grpc_timeout("2S"), Some(Duration::from_secs(2)));
        assert_eq!(parse_grpc_timeout("1H"), Some(Duration::from_secs(3600)));
        assert_eq!(parse_grpc_timeout("3M"), Some(Duration::from_secs(180)));
        assert_eq!(parse_grpc_timeout("250u"), Some(Duration::from_micros(250)));
        assert_eq!(parse_grpc_timeout("9n"), Some(Duration::from_nanos(9)));
        assert_eq!(parse_grpc_timeout("m"), None);
        assert_eq!(parse_grpc_timeout("123456789S"), None);
        assert_eq!(parse_grpc_timeout("10x"), None);
        assert_eq!(parse_grpc_timeout(""), None);
    }

    #[test]
    fn the_sooner_deadline_wins() {
        let mut request = Request::new(());
        request
            .metadata_mut()
            .insert("grpc-timeout", "100m".parse().unwrap());
        let deadline = call_deadline(&request, Duration::from_secs(10));
        assert!(deadline <= Instant::now() + Duration::from_millis(100));
        let plain = call_deadline(&Request::new(()), Duration::from_secs(10));
        assert!(plain > Instant::now() + Duration::from_secs(9));
    }
}
