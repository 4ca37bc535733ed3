//! Decide: claim the proposal (or return its stored decision) while seating the voters
//! with their weights, run rounds until the rule says stop or the call's deadline leaves no
//! time for another round, then store everything in one transaction.
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use quorum_bus::outbox::Outbox;
use quorum_consensus::{Conclusion, Deliberation, Next, ProposalKind};
use quorum_kit::errors::internal;
use quorum_proto::ai::v1 as ai;
use quorum_store::errors::database_status;
use sqlx::PgPool;
use tonic::Status;
use uuid::Uuid;

use crate::assemble::{self, Made};
use crate::ballots::{Asked, BallotBox, Seat};
use crate::claims::{self, Claim, Waited};
use crate::config::Policy;
use crate::metrics::ConsensusMetrics;
use crate::read::{self, ReadError};
use crate::record::{self, Record, Stored};
use crate::store::timestamp;
use crate::validate::DecideInput;
use crate::voters;

/// Time kept back from the call's deadline for storing the decision.
pub const STORE_RESERVE: Duration = Duration::from_millis(250);
/// How long a claim outlives the call that took it, should that call's process die.
const CLAIM_MARGIN: Duration = Duration::from_secs(5);

/// Everything Decide needs.
pub struct Engine {
    pub pool: PgPool,
    pub outbox: Outbox,
    pub ballots: BallotBox,
    pub metrics: ConsensusMetrics,
    pub policy: Policy,
}

enum Claimed {
    Decided(Box<ai::ConsensusDecision>),
    Held(Claim),
}

impl Engine {
    /// Decides `input` on behalf of `actor`, finishing before `call_deadline`.
    pub async fn decide(
        &self,
        input: DecideInput,
        actor: &str,
        call_deadline: Instant,
    ) -> Result<ai::ConsensusDecision, Status> {
        // Claiming and seating touch different tables: one round trip instead of two.
        let (claimed, seats) = futures::join!(
            self.claim(&input.proposal.proposal_id, call_deadline),
            self.seats(&input)
        );
        let claim = match claimed? {
            Claimed::Decided(decision) => return Ok(*decision),
            Claimed::Held(claim) => claim,
        };
        let outcome = match seats {
            Ok(seats) => {
                self.decide_claimed(&input, &seats, &claim, actor, call_deadline)
                    .await
            }
            Err(status) => Err(status),
        };
        if outcome.is_err()
            && let Err(error) = claims::release(&self.pool, &claim).await
        {
            tracing::warn!(%error, proposal_id = %claim.proposal_id, "claim left to expire");
        }
        outcome
    }

    async fn decide_claimed(
        &self,
        input: &DecideInput,
        seats: &[Seat],
        claim: &Claim,
        actor: &str,
        call_deadline: Instant,
    ) -> Result<ai::ConsensusDecision, Status> {
        let (conclusion, rounds) = self.deliberate(input, seats, call_deadline).await?;
        let decision_id = Uuid::now_v7();
        let decided_at = now_micros();
        let decision = assemble::decision_proto(Made {
            decision_id: &decision_id.to_string(),
            proposal: &input.proposal,
            conclusion: &conclusion,
            settings: &input.settings,
            rounds: &rounds,
            decided_unix_ms: decided_at.timestamp_millis(),
        });
        let record = Record {
            decision: &decision,
            decision_id,
            kind: input.kind,
            max_rounds: input.settings.max_rounds,
            voter_deadline_ms: u32::try_from(input.voter_deadline.as_millis()).unwrap_or(u32::MAX),
            decided_at,
            decided_by: actor,
            resolve_after: self.resolve_after(input),
        };
        let context = "storing the decision failed";
        match record::store(&self.pool, claim, record)
            .await
            .map_err(|error| database_status(context, error))?
        {
            Stored::Saved => {
                self.outbox.wake();
                self.metrics
                    .decision(conclusion.verdict.name(), conclusion.rounds.len());
                Ok(decision)
            }
            Stored::AlreadyDecided => {
                claims::settle(&self.pool, claim)
                    .await
                    .map_err(|error| database_status(context, error))?;
                self.stored(&input.proposal.proposal_id).await
            }
        }
    }

    /// The claim on the proposal, or its decision when one is stored (its claim is then
    /// held for good) or another call stores one while this one waits.
    async fn claim(&self, proposal_id: &str, call_deadline: Instant) -> Result<Claimed, Status> {
        let context = "claiming the proposal failed";
        loop {
            let lifetime = call_deadline.saturating_duration_since(Instant::now()) + CLAIM_MARGIN;
            let expires_at = Utc::now() + lifetime;
            let taken = claims::take(&self.pool, proposal_id, expires_at)
                .await
                .map_err(|error| database_status(context, error))?;
            if let Some(claim) = taken {
                return Ok(Claimed::Held(claim));
            }
            let waited = claims::wait(&self.pool, proposal_id, call_deadline)
                .await
                .map_err(|error| database_status(context, error))?;
            match waited {
                Waited::Decided(_) => {
                    return Ok(Claimed::Decided(Box::new(self.stored(proposal_id).await?)));
                }
                Waited::Released => continue,
                Waited::StillHeld => {
                    return Err(Status::aborted(format!(
                        "proposal {proposal_id} is being decided by another call; call Decide \
                         again with the same proposal_id to get its decision"
                    )));
                }
            }
        }
    }

    /// The voters of the decision with their weights now, in name order.
    async fn seats(&self, input: &DecideInput) -> Result<Vec<Seat>, Status> {
        let participants = voters::participants(&self.pool, &input.voters)
            .await
            .map_err(|error| database_status("loading voters failed", error))?;
        let unknown: Vec<&str> = input
            .voters
            .iter()
            .filter(|name| !participants.iter().any(|seat| seat.voter.name == **name))
            .map(String::as_str)
            .collect();
        if !unknown.is_empty() {
            return Err(Status::not_found(format!(
                "voters not registered: {}; register them with RegisterVoter",
                unknown.join(", ")
            )));
        }
        let disabled: Vec<&str> = participants
            .iter()
            .filter(|seat| !seat.voter.enabled && !input.voters.is_empty())
            .map(|seat| seat.voter.name.as_str())
            .collect();
        if !disabled.is_empty() {
            return Err(Status::failed_precondition(format!(
                "voters disabled: {}; enable them with RegisterVoter or leave them out",
                disabled.join(", ")
            )));
        }
        let seats: Vec<Seat> = participants
            .into_iter()
            .filter(|seat| seat.voter.enabled)
            .map(|seat| Seat {
                weight: self.policy.weights.effective_weight(
                    seat.voter.weight,
                    seat.voter.mode(),
                    &seat.accuracy,
                ),
                name: seat.voter.name,
                address: seat.voter.address,
            })
            .collect();
        if seats.is_empty() {
            return Err(Status::failed_precondition(
                "no enabled voter is registered: register voters with RegisterVoter",
            ));
        }
        Ok(seats)
    }

    async fn deliberate(
        &self,
        input: &DecideInput,
        seats: &[Seat],
        call_deadline: Instant,
    ) -> Result<(Conclusion, Vec<ai::RoundSummary>), Status> {
        let rule_broken = |error| internal("the consensus rule refused a round", error);
        let names = seats.iter().map(|seat| seat.name.clone());
        let mut deliberation = Deliberation::new(input.settings, names).map_err(rule_broken)?;
        let mut rounds: Vec<ai::RoundSummary> = Vec::new();
        loop {
            let round = deliberation.next_round();
            let remaining = call_deadline
                .saturating_duration_since(Instant::now())
                .saturating_sub(STORE_RESERVE);
            if round > 1 && remaining < input.voter_deadline {
                let conclusion = deliberation.conclude().map_err(rule_broken)?;
                return Ok((conclusion, rounds));
            }
            let deadline = input
                .voter_deadline
                .min(remaining)
                .max(Duration::from_millis(1));
            let request = ai::VoteRequest {
                proposal: Some(input.proposal.clone()),
                round,
                previous_round: rounds.last().cloned(),
                deadline_unix_ms: Utc::now().timestamp_millis()
                    + i64::try_from(deadline.as_millis()).unwrap_or(i64::MAX / 2),
            };
            let asked = self
                .ballots
                .ask(seats, input.kind, &request, deadline)
                .await;
            for answer in &asked {
                self.metrics
                    .vote(&answer.voter, answer.status.name(), answer.latency);
            }
            let next = deliberation
                .record_round(asked.iter().map(Asked::vote).collect())
                .map_err(rule_broken)?;
            if let Some(summary) = deliberation.rounds().last() {
                rounds.push(assemble::round_proto(summary, &asked));
            }
            if let Next::Done(conclusion) = next {
                return Ok((conclusion, rounds));
            }
        }
    }

    /// When a DIRECTION proposal's outcome can first be judged.
    fn resolve_after(&self, input: &DecideInput) -> Option<DateTime<Utc>> {
        (input.kind == ProposalKind::Direction).then(|| {
            let grace = i64::try_from(self.policy.resolver_grace.as_millis()).unwrap_or(0);
            timestamp(
                input
                    .proposal
                    .as_of_unix_ms
                    .saturating_add(input.proposal.horizon_ms)
                    .saturating_add(grace),
            )
        })
    }

    async fn find(&self, proposal_id: &str) -> Result<Option<ai::ConsensusDecision>, Status> {
        read::by_proposal(&self.pool, proposal_id)
            .await
            .map_err(|error| read_status("reading the decision failed", error))
    }

    async fn stored(&self, proposal_id: &str) -> Result<ai::ConsensusDecision, Status> {
        self.find(proposal_id)
            .await?
            .ok_or_else(|| Status::internal("the stored decision vanished"))
    }
}

/// The gRPC status for a failed read.
pub fn read_status(context: &str, error: ReadError) -> Status {
    match error {
        ReadError::Database(error) => database_status(context, error),
        corrupt @ ReadError::Corrupt(_) => internal(context, corrupt),
    }
}

/// Now, to the microsecond Postgres keeps.
fn now_micros() -> DateTime<Utc> {
    let now = Utc::now();
    DateTime::from_timestamp_micros(now.timestamp_micros()).unwrap_or(now)
}
