//! Asking voters over gRPC: one cached channel per voter, every voter of a round asked
//! at once with its deadline, and each answer checked and classified (answered, timed
//! out, failed, unreachable). Calls carry the caller's token, as every kit client does.
use std::collections::HashMap;
use std::sync::RwLock;
use std::time::{Duration, Instant};

use futures::future::join_all;
use quorum_consensus::{Ballot, ProposalKind, Vote, VoteStatus};
use quorum_domain::Decimal;
use quorum_kit::Kit;
use quorum_kit::client::ServiceChannel;
use quorum_proto::ai::v1 as ai;
use quorum_proto::ai::v1::voter_client::VoterClient;
use tonic::Code;

use crate::convert;

/// A voter taking part in a decision, with the weight it carries.
#[derive(Debug, Clone, PartialEq)]
pub struct Seat {
    pub name: String,
    pub address: String,
    pub weight: f64,
}

/// One voter's answer (or silence) in one round, with what is stored about it.
#[derive(Debug, Clone, PartialEq)]
pub struct Asked {
    pub voter: String,
    pub weight: f64,
    pub status: VoteStatus,
    /// The ballot as received, when the voter answered validly.
    pub ballot: Option<ai::Ballot>,
    /// Why it did not answer, when it did not.
    pub error: String,
    pub latency: Duration,
}

impl Asked {
    /// The vote as the consensus rule counts it.
    pub fn vote(&self) -> Vote {
        Vote::new(self.voter.clone(), self.weight, self.status.clone())
    }

    pub fn recorded(&self) -> ai::RecordedVote {
        ai::RecordedVote {
            voter: self.voter.clone(),
            weight: self.weight,
            status: convert::status_number(&self.status),
            ballot: self.ballot.clone(),
            error: self.error.clone(),
            latency_micros: micros(self.latency),
        }
    }

    fn silent(seat: &Seat, status: VoteStatus, error: String, latency: Duration) -> Self {
        Self {
            voter: seat.name.clone(),
            weight: seat.weight,
            status,
            ballot: None,
            error,
            latency,
        }
    }
}

/// Clients of the registered voters, one channel each, made on first use.
pub struct BallotBox {
    kit: Kit,
    channels: RwLock<HashMap<String, (String, ServiceChannel)>>,
}

impl BallotBox {
    pub fn new(kit: Kit) -> Self {
        Self {
            kit,
            channels: RwLock::new(HashMap::new()),
        }
    }

    /// Asks every seat at once; answers come back in seat order.
    pub async fn ask(
        &self,
        seats: &[Seat],
        kind: ProposalKind,
        request: &ai::VoteRequest,
        deadline: Duration,
    ) -> Vec<Asked> {
        join_all(
            seats
                .iter()
                .map(|seat| self.ask_one(seat, kind, request.clone(), deadline)),
        )
        .await
    }

    /// The voter's own description, or why it could not be had.
    pub async fn describe(
        &self,
        name: &str,
        address: &str,
        deadline: Duration,
    ) -> Result<ai::DescribeVoterResponse, String> {
        let mut client = VoterClient::new(self.channel(name, address)?);
        let mut request = tonic::Request::new(ai::DescribeVoterRequest {});
        request.set_timeout(deadline);
        match tokio::time::timeout(deadline, client.describe_voter(request)).await {
            Err(_) => Err(format!("no answer within {} ms", deadline.as_millis())),
            Ok(Err(status)) => Err(format!("{:?}: {}", status.code(), status.message())),
            Ok(Ok(response)) => Ok(response.into_inner()),
        }
    }

    async fn ask_one(
        &self,
        seat: &Seat,
        kind: ProposalKind,
        request: ai::VoteRequest,
        deadline: Duration,
    ) -> Asked {
        let started = Instant::now();
        let channel = match self.channel(&seat.name, &seat.address) {
            Ok(channel) => channel,
            Err(problem) => {
                return Asked::silent(seat, VoteStatus::Unreachable, problem, started.elapsed());
            }
        };
        let mut client = VoterClient::new(channel);
        let mut request = tonic::Request::new(request);
        request.set_timeout(deadline);
        let answer = tokio::time::timeout(deadline, client.vote(request)).await;
        let latency = started.elapsed();
        let late = format!("no answer within {} ms", deadline.as_millis());
        let response = match answer {
            Err(_) => return Asked::silent(seat, VoteStatus::TimedOut, late, latency),
            Ok(Err(status)) => {
                // The channel ends a call at its grpc-timeout with CANCELLED.
                let timed_out = status.code() == Code::DeadlineExceeded
                    || (status.code() == Code::Cancelled && latency >= deadline);
                if timed_out {
                    return Asked::silent(seat, VoteStatus::TimedOut, late, latency);
                }
                let error = format!("{:?}: {}", status.code(), status.message());
                let kind = match status.code() {
                    Code::Unavailable => VoteStatus::Unreachable,
                    _ => VoteStatus::Failed,
                };
                return Asked::silent(seat, kind, error, latency);
            }
            Ok(Ok(response)) => response.into_inner(),
        };
        match check_ballot(kind, response.ballot) {
            Ok((ballot, received)) => Asked {
                voter: seat.name.clone(),
                weight: seat.weight,
                status: VoteStatus::Answered(ballot),
                ballot: Some(received),
                error: String::new(),
                latency,
            },
            Err(problem) => Asked::silent(
                seat,
                VoteStatus::Failed,
                format!("invalid ballot: {problem}"),
                latency,
            ),
        }
    }

    /// The cached channel of a voter, made again when its address changed.
    fn channel(&self, name: &str, address: &str) -> Result<ServiceChannel, String> {
        if let Ok(channels) = self.channels.read()
            && let Some((known, channel)) = channels.get(name)
            && known == address
        {
            return Ok(channel.clone());
        }
        let channel = if address.starts_with("http://") || address.starts_with("https://") {
            self.kit.client_channel_at(address)
        } else {
            self.kit.client_channel(address)
        }
        .map_err(|error| format!("no channel to {address}: {}", error.problem))?;
        if let Ok(mut channels) = self.channels.write() {
            channels.insert(name.to_string(), (address.to_string(), channel.clone()));
        }
        Ok(channel)
    }
}

/// A ballot the rule can count: a decision valid for the proposal's kind, a confidence
/// in [0, 1], and a cost in money that is a decimal >= 0 when given.
pub fn check_ballot(
    kind: ProposalKind,
    ballot: Option<ai::Ballot>,
) -> Result<(Ballot, ai::Ballot), String> {
    let received = ballot.ok_or_else(|| "the response holds no ballot".to_string())?;
    let decision = convert::decision(received.decision)
        .ok_or_else(|| format!("decision {} is not a decision", received.decision))?;
    let ballot =
        Ballot::for_kind(kind, decision, received.confidence).map_err(|error| error.to_string())?;
    let money = match received
        .cost
        .as_ref()
        .and_then(|cost| cost.money.as_ref())
        .map(|money| money.value.trim())
        .filter(|money| !money.is_empty())
    {
        Some(text) => match text.parse::<Decimal>() {
            Ok(value) if value >= Decimal::ZERO => Some(value),
            _ => return Err(format!("cost.money '{text}' is not a decimal >= 0")),
        },
        None => None,
    };
    Ok((ballot, canonical(received, money)))
}

/// The ballot as it is stored and read back: cost always present, token counts within
/// what Postgres holds, money normalized.
fn canonical(received: ai::Ballot, money: Option<Decimal>) -> ai::Ballot {
    let cost = received.cost.unwrap_or_default();
    ai::Ballot {
        cost: Some(ai::VoteCost {
            compute_micros: cost.compute_micros.max(0),
            prompt_tokens: cost.prompt_tokens.min(i64::MAX as u64),
            completion_tokens: cost.completion_tokens.min(i64::MAX as u64),
            money: money.map(quorum_domain::convert::decimal),
        }),
        ..received
    }
}

pub fn micros(duration: Duration) -> i64 {
    i64::try_from(duration.as_micros()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use quorum_proto::common::v1::Decimal as ProtoDecimal;

    fn ballot(decision: ai::Decision, confidence: f64) -> Option<ai::Ballot> {
        Some(ai::Ballot {
            decision: decision.into(),
            confidence,
            ..Default::default()
        })
    }

    #[test]
    fn valid_ballots_pass_and_keep_what_was_sent() {
        let (checked, received) =
            check_ballot(ProposalKind::Direction, ballot(ai::Decision::Sell, 0.6)).unwrap();
        assert_eq!(checked.decision(), quorum_consensus::Decision::Sell);
        assert_eq!(received.confidence, 0.6);
        assert!(check_ballot(ProposalKind::YesNo, ballot(ai::Decision::Abstain, 0.0)).is_ok());
    }

    #[test]
    fn invalid_ballots_say_what_is_wrong() {
        let cases = [
            (None, "no ballot"),
            (ballot(ai::Decision::Unspecified, 0.5), "not a decision"),
            (
                ballot(ai::Decision::Yes, 0.5),
                "does not answer a DIRECTION proposal",
            ),
            (ballot(ai::Decision::Buy, f64::NAN), "not a probability"),
            (ballot(ai::Decision::Buy, 1.5), "not a probability"),
            (
                Some(ai::Ballot {
                    decision: ai::Decision::Buy.into(),
                    confidence: 0.5,
                    cost: Some(ai::VoteCost {
                        money: Some(ProtoDecimal { value: "-1".into() }),
                        ..Default::default()
                    }),
                    ..Default::default()
                }),
                "cost.money",
            ),
        ];
        for (sent, expected) in cases {
            let problem = check_ballot(ProposalKind::Direction, sent).unwrap_err();
            assert!(problem.contains(expected), "{problem} lacks {expected}");
        }
    }
}
