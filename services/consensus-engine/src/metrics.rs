//! The service's own metrics on /metrics: decisions by verdict, rounds per decision,
//! each voter's latency and answers by status, and outcomes resolved.
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;
use quorum_kit::metrics::Metrics;

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct VerdictLabel {
    verdict: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct VoterLabel {
    voter: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct VoterStatusLabel {
    voter: String,
    status: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ResultLabel {
    result: String,
}

#[derive(Clone)]
pub struct ConsensusMetrics {
    decisions: Family<VerdictLabel, Counter>,
    rounds: Histogram,
    voter_latency: Family<VoterLabel, Histogram>,
    votes: Family<VoterStatusLabel, Counter>,
    resolutions: Family<ResultLabel, Counter>,
}

impl ConsensusMetrics {
    /// Registers the metrics in the service's registry.
    pub fn register(metrics: &Metrics) -> Self {
        let own = Self::unregistered();
        metrics.register(
            "consensus_decisions",
            "Decisions made, by verdict",
            own.decisions.clone(),
        );
        metrics.register(
            "consensus_rounds",
            "Rounds a decision took",
            own.rounds.clone(),
        );
        metrics.register(
            "consensus_voter_latency_seconds",
            "Round trip of one Vote call as consensus-engine measured it, by voter",
            own.voter_latency.clone(),
        );
        metrics.register(
            "consensus_votes",
            "Votes asked, by voter and status (answered, timed_out, failed, unreachable)",
            own.votes.clone(),
        );
        metrics.register(
            "consensus_outcome_resolutions",
            "Outcome resolution attempts, by result (resolved, retry)",
            own.resolutions.clone(),
        );
        own
    }

    /// Metrics that are not exported (unit tests, benchmarks).
    pub fn unregistered() -> Self {
        Self {
            decisions: Family::default(),
            rounds: Histogram::new([1.0, 2.0, 3.0, 5.0, 10.0, 20.0, 50.0]),
            voter_latency: Family::new_with_constructor(|| {
                Histogram::new([
                    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
                    10.0, 30.0, 60.0,
                ])
            }),
            votes: Family::default(),
            resolutions: Family::default(),
        }
    }

    pub fn decision(&self, verdict: &str, rounds: usize) {
        self.decisions
            .get_or_create(&VerdictLabel {
                verdict: verdict.to_ascii_lowercase(),
            })
            .inc();
        self.rounds.observe(rounds as f64);
    }

    pub fn vote(&self, voter: &str, status: &str, latency: Duration) {
        self.voter_latency
            .get_or_create(&VoterLabel {
                voter: voter.to_string(),
            })
            .observe(latency.as_secs_f64());
        self.votes
            .get_or_create(&VoterStatusLabel {
                voter: voter.to_string(),
                status: status.to_ascii_lowercase(),
            })
            .inc();
    }

    pub fn resolution(&self, resolved: bool) {
        let result = if resolved { "resolved" } else { "retry" };
        self.resolutions
            .get_or_create(&ResultLabel {
                result: result.to_string(),
            })
            .inc();
    }

    /// Decisions counted so far with `verdict` (e.g. "approved").
    pub fn decisions(&self, verdict: &str) -> u64 {
        self.decisions
            .get_or_create(&VerdictLabel {
                verdict: verdict.to_string(),
            })
            .get()
    }
}
