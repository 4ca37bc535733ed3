//! The checks before an order: risk-manager's and compliance-checker's CheckOrder on the
//! order intent. A denial or a check that cannot be made ends the pass without an order.
use quorum_domain::convert;
use quorum_proto::security::v1 as security;
use quorum_proto::trading::v1 as trading;

use super::Finish;
use crate::engine::Engine;
use crate::model::{Intent, Outcome, Strategy};
use crate::peers::{CALL_DEADLINE, request};

impl Engine {
    pub(super) async fn check_risk(&self, intent: &trading::OrderIntent) -> Option<Finish> {
        let mut client = self.peers.risk.clone();
        let message = trading::CheckOrderRequest {
            order: Some(intent.clone()),
        };
        match client.check_order(request(message, CALL_DEADLINE)).await {
            Ok(response) => {
                let answer = response.into_inner();
                if answer.approved {
                    return None;
                }
                let failed: Vec<String> = answer
                    .rules
                    .iter()
                    .filter(|rule| !rule.passed)
                    .map(|rule| {
                        format!(
                            "{} (limit {}, order {}): {}",
                            rule.rule, rule.limit, rule.actual, rule.message
                        )
                    })
                    .collect();
                Some(Finish::new(
                    Outcome::RiskDenied,
                    format!("risk-manager denied: {}", failed.join("; ")),
                ))
            }
            Err(status) => Some(Finish::new(
                Outcome::Failed,
                format!(
                    "risk-manager: {} (no order without the check)",
                    status.message()
                ),
            )),
        }
    }

    pub(super) async fn check_compliance(&self, intent: &trading::OrderIntent) -> Option<Finish> {
        let mut client = self.peers.compliance.clone();
        let message = security::CheckOrderRequest {
            order: Some(intent.clone()),
        };
        match client.check_order(request(message, CALL_DEADLINE)).await {
            Ok(response) => {
                let answer = response.into_inner();
                if answer.passed {
                    return None;
                }
                let failed: Vec<String> = answer
                    .violations
                    .iter()
                    .map(|v| format!("{}@{}: {}", v.rule_id, v.rule_version, v.message))
                    .collect();
                Some(Finish::new(
                    Outcome::ComplianceDenied,
                    format!("compliance-checker denied: {}", failed.join("; ")),
                ))
            }
            Err(status) => Some(Finish::new(
                Outcome::Failed,
                format!(
                    "compliance-checker: {} (no order without the check)",
                    status.message()
                ),
            )),
        }
    }
}

/// The order as the checks see it.
pub(super) fn order_intent(strategy: &Strategy, intent: &Intent) -> trading::OrderIntent {
    let spec = &strategy.spec;
    trading::OrderIntent {
        account: spec.account.clone(),
        venue: convert::venue(spec.venue).into(),
        symbol: spec.symbol.to_string(),
        side: convert::side(intent.side).into(),
        quantity: Some(convert::decimal(intent.quantity)),
        price: Some(convert::decimal(intent.price)),
        client_order_id: intent.client_order_id.clone(),
        origin: format!("strategy:{}", strategy.strategy_id),
    }
}
