//! Registering this service as a voter with consensus-engine: a background task that
//! retries with backoff until RegisterVoter succeeds. It never holds up serving: until
//! it succeeds the service simply is not asked to vote.
use std::sync::Arc;
use std::time::Duration;

use quorum_kit::CancellationToken;
use quorum_kit::client::{ServiceChannel, backoff};
use quorum_proto::ai::v1::consensus_service_client::ConsensusServiceClient;
use quorum_proto::ai::v1::{RegisterVoterRequest, VoterInfo, VoterKind, WeightMode};

use crate::params_store::ParamsStore;
use crate::voter::voter_version;

/// The peer's catalog name.
pub const CONSENSUS_ENGINE: &str = "consensus-engine";

/// How long one RegisterVoter call may take.
const CALL_TIMEOUT: Duration = Duration::from_secs(5);

/// Who registers and how it should be weighed.
#[derive(Debug, Clone)]
pub struct Registration {
    pub name: &'static str,
    /// Where consensus-engine calls Vote.
    pub address: String,
    pub weight: f64,
    pub weight_mode: WeightMode,
}

/// Calls RegisterVoter until it succeeds or the service shuts down; returns whether it
/// registered.
pub async fn register(
    channel: ServiceChannel,
    registration: Registration,
    store: Arc<ParamsStore>,
    shutdown: CancellationToken,
) -> bool {
    let mut client = ConsensusServiceClient::new(channel);
    let mut attempt = 0u32;
    loop {
        let request = RegisterVoterRequest {
            voter: Some(VoterInfo {
                name: registration.name.to_string(),
                kind: VoterKind::Strategy.into(),
                address: registration.address.clone(),
                weight: registration.weight,
                weight_mode: registration.weight_mode.into(),
                enabled: true,
                version: voter_version(store.strategy(), store.current().version()),
                registered_unix_ms: 0,
            }),
        };
        let outcome = tokio::select! {
            () = shutdown.cancelled() => return false,
            outcome = tokio::time::timeout(CALL_TIMEOUT, client.register_voter(request)) => outcome,
        };
        match outcome {
            Ok(Ok(response)) => {
                let warning = response.into_inner().warning;
                if warning.is_empty() {
                    tracing::info!(address = %registration.address, "registered as a voter with {CONSENSUS_ENGINE}");
                } else {
                    tracing::warn!(address = %registration.address, %warning, "registered as a voter with {CONSENSUS_ENGINE}, with a warning");
                }
                return true;
            }
            Ok(Err(status)) => {
                attempt = attempt.saturating_add(1);
                tracing::warn!(code = ?status.code(), message = status.message(), attempt, "{CONSENSUS_ENGINE} did not register this voter yet; retrying");
            }
            Err(_) => {
                attempt = attempt.saturating_add(1);
                tracing::warn!(
                    attempt,
                    "{CONSENSUS_ENGINE} did not answer RegisterVoter in time; retrying"
                );
            }
        }
        let wait = backoff(attempt).min(Duration::from_secs(30));
        tokio::select! {
            () = shutdown.cancelled() => return false,
            () = tokio::time::sleep(wait) => {}
        }
    }
}
