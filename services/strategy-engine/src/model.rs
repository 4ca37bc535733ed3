//! A strategy instance and a run of its loop, as stored and as answered.
use std::collections::BTreeMap;

use quorum_domain::convert;
use quorum_domain::{Decimal, Side};
use quorum_proto::market::v1 as market;
use quorum_proto::trading::v1 as pb;

use crate::spec::Spec;

/// Where a strategy instance stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Created,
    Running,
    /// Running, but not trading until a precondition holds.
    Waiting,
    Stopped,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Created => "created",
            State::Running => "running",
            State::Waiting => "waiting",
            State::Stopped => "stopped",
        }
    }

    pub fn parse(text: &str) -> Option<State> {
        [
            State::Created,
            State::Running,
            State::Waiting,
            State::Stopped,
        ]
        .into_iter()
        .find(|state| state.as_str() == text)
    }

    /// Started and not stopped: the loop looks at its candles.
    pub fn is_live(self) -> bool {
        matches!(self, State::Running | State::Waiting)
    }

    fn to_proto(self) -> pb::StrategyState {
        match self {
            State::Created => pb::StrategyState::Created,
            State::Running => pb::StrategyState::Running,
            State::Waiting => pb::StrategyState::Waiting,
            State::Stopped => pb::StrategyState::Stopped,
        }
    }
}

/// A stored strategy instance.
#[derive(Debug, Clone, PartialEq)]
pub struct Strategy {
    pub strategy_id: String,
    pub spec: Spec,
    pub state: State,
    pub status_reason: String,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
    pub runs: u64,
    pub orders: u64,
}

impl Strategy {
    pub fn to_proto(&self) -> pb::Strategy {
        pb::Strategy {
            strategy_id: self.strategy_id.clone(),
            spec: Some(self.spec.to_proto()),
            state: self.state.to_proto().into(),
            status_reason: self.status_reason.clone(),
            created_unix_ms: self.created_at_ms,
            updated_unix_ms: self.updated_at_ms,
            runs: self.runs,
            orders: self.orders,
        }
    }
}

/// How a run ended, or that it is still in flight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// In flight: deciding and checking.
    Started,
    /// In flight: the order intent is written; PlaceOrder may have been sent.
    Ordering,
    OrderPlaced,
    NotApproved,
    Hold,
    RiskDenied,
    ComplianceDenied,
    SizeZero,
    Waiting,
    OrderRejected,
    Failed,
}

impl Outcome {
    const ALL: [Outcome; 11] = [
        Outcome::Started,
        Outcome::Ordering,
        Outcome::OrderPlaced,
        Outcome::NotApproved,
        Outcome::Hold,
        Outcome::RiskDenied,
        Outcome::ComplianceDenied,
        Outcome::SizeZero,
        Outcome::Waiting,
        Outcome::OrderRejected,
        Outcome::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Started => "started",
            Outcome::Ordering => "ordering",
            Outcome::OrderPlaced => "order_placed",
            Outcome::NotApproved => "not_approved",
            Outcome::Hold => "hold",
            Outcome::RiskDenied => "risk_denied",
            Outcome::ComplianceDenied => "compliance_denied",
            Outcome::SizeZero => "size_zero",
            Outcome::Waiting => "waiting",
            Outcome::OrderRejected => "order_rejected",
            Outcome::Failed => "failed",
        }
    }

    pub fn parse(text: &str) -> Option<Outcome> {
        Outcome::ALL
            .into_iter()
            .find(|outcome| outcome.as_str() == text)
    }

    fn to_proto(self) -> pb::RunOutcome {
        match self {
            Outcome::Started | Outcome::Ordering => pb::RunOutcome::Unspecified,
            Outcome::OrderPlaced => pb::RunOutcome::OrderPlaced,
            Outcome::NotApproved => pb::RunOutcome::NotApproved,
            Outcome::Hold => pb::RunOutcome::Hold,
            Outcome::RiskDenied => pb::RunOutcome::RiskDenied,
            Outcome::ComplianceDenied => pb::RunOutcome::ComplianceDenied,
            Outcome::SizeZero => pb::RunOutcome::SizeZero,
            Outcome::Waiting => pb::RunOutcome::Waiting,
            Outcome::OrderRejected => pb::RunOutcome::OrderRejected,
            Outcome::Failed => pb::RunOutcome::Failed,
        }
    }
}

/// The order a run means to place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Intent {
    pub client_order_id: String,
    pub side: Side,
    pub quantity: Decimal,
    pub price: Decimal,
}

/// One pass of the loop for one closed candle.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    pub run_id: String,
    pub strategy_id: String,
    pub candle_open_ms: i64,
    pub decision_id: String,
    pub outcome: Outcome,
    pub detail: String,
    pub intent: Option<Intent>,
    pub order_id: String,
    pub started_at_ms: i64,
    pub finished_at_ms: Option<i64>,
    pub hop_micros: BTreeMap<String, i64>,
}

impl Run {
    pub fn to_proto(&self) -> pb::StrategyRun {
        let intent = self.intent.as_ref();
        pb::StrategyRun {
            run_id: self.run_id.clone(),
            strategy_id: self.strategy_id.clone(),
            candle_open_unix_ms: self.candle_open_ms,
            decision_id: self.decision_id.clone(),
            outcome: self.outcome.to_proto().into(),
            detail: self.detail.clone(),
            client_order_id: intent
                .map(|i| i.client_order_id.clone())
                .unwrap_or_default(),
            order_id: self.order_id.clone(),
            side: intent
                .map_or(market::Side::Unspecified, |i| convert::side(i.side))
                .into(),
            quantity: intent.map(|i| convert::decimal(i.quantity)),
            price: intent.map(|i| convert::decimal(i.price)),
            started_unix_ms: self.started_at_ms,
            finished_unix_ms: self.finished_at_ms.unwrap_or(0),
            hop_micros: self.hop_micros.clone().into_iter().collect(),
        }
    }
}

/// The run id of a strategy's candle: the same inputs give the same id, so a
/// redelivered candle or a restart finds the run it made before. It doubles as the
/// consensus proposal id, and its prefix as the client order id.
pub fn run_id(strategy_id: &str, candle_open_ms: i64) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("{strategy_id}/{candle_open_ms}").as_bytes());
    format!("run-{}", &hex::encode(digest)[..32])
}

/// The client order id of a run: derived from the decision's run, so a retried
/// PlaceOrder is recognized by the venue connector and never makes a second order.
pub fn client_order_id(run_id: &str) -> String {
    format!("se-{}", run_id.trim_start_matches("run-"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable_and_distinct() {
        let first = run_id("s1", 1_000);
        assert_eq!(first, run_id("s1", 1_000));
        assert_ne!(first, run_id("s1", 2_000));
        assert_ne!(first, run_id("s2", 1_000));
        let order = client_order_id(&first);
        assert!(order.starts_with("se-") && order.len() == 35, "{order}");
    }

    #[test]
    fn names_round_trip() {
        for outcome in Outcome::ALL {
            assert_eq!(Outcome::parse(outcome.as_str()), Some(outcome));
        }
        for state in [
            State::Created,
            State::Running,
            State::Waiting,
            State::Stopped,
        ] {
            assert_eq!(State::parse(state.as_str()), Some(state));
        }
    }
}
