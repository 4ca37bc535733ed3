//! Stand-ins for consensus-engine, risk-manager, compliance-checker and trade-history
//! that answer as scripted and keep every request they got.
use std::sync::{Arc, Mutex};

use quorum_proto::ai::v1 as ai;
use quorum_proto::ai::v1::consensus_service_server::{ConsensusService, ConsensusServiceServer};
use quorum_proto::market::v1::Candle;
use quorum_proto::marketdata::v1 as marketdata;
use quorum_proto::marketdata::v1::trade_history_service_server::{
    TradeHistoryService, TradeHistoryServiceServer,
};
use quorum_proto::security::v1 as security;
use quorum_proto::security::v1::compliance_service_server::{
    ComplianceService, ComplianceServiceServer,
};
use quorum_proto::trading::v1 as trading;
use quorum_proto::trading::v1::risk_service_server::{RiskService, RiskServiceServer};
use tonic::{Request, Response, Status};

use super::lock;

fn unscripted<T>() -> Result<Response<T>, Status> {
    Err(Status::unimplemented("not scripted"))
}

/// consensus-engine: Decide answers `answer` (its decision id set from the proposal id)
/// and records each proposal.
#[derive(Debug, Clone)]
pub struct FakeConsensus {
    pub answer: Arc<Mutex<ai::ConsensusDecision>>,
    pub proposals: Arc<Mutex<Vec<ai::DecideRequest>>>,
}

impl FakeConsensus {
    /// Approves `decision` with `agreement`.
    pub fn approving(decision: ai::Decision, agreement: f64) -> Self {
        Self {
            answer: Arc::new(Mutex::new(ai::ConsensusDecision {
                approved: true,
                verdict: ai::Verdict::Approved.into(),
                decision: decision.into(),
                agreement,
                explanation: format!(
                    "approved {} with {agreement} agreement",
                    decision.as_str_name()
                ),
                ..Default::default()
            })),
            proposals: Arc::default(),
        }
    }

    pub async fn serve(&self) -> std::net::SocketAddr {
        super::serve(
            tonic::transport::Server::builder()
                .add_service(ConsensusServiceServer::new(self.clone())),
        )
        .await
    }

    pub fn requests(&self) -> Vec<ai::DecideRequest> {
        lock(&self.proposals).clone()
    }
}

#[tonic::async_trait]
impl ConsensusService for FakeConsensus {
    async fn decide(
        &self,
        request: Request<ai::DecideRequest>,
    ) -> Result<Response<ai::DecideResponse>, Status> {
        let request = request.into_inner();
        let mut decision = lock(&self.answer).clone();
        decision.decision_id = format!(
            "decision-{}",
            request
                .proposal
                .as_ref()
                .map_or("", |p| p.proposal_id.as_str())
        );
        decision.proposal = request.proposal.clone();
        lock(&self.proposals).push(request);
        Ok(Response::new(ai::DecideResponse {
            decision: Some(decision),
        }))
    }

    async fn get_decision(
        &self,
        _r: Request<ai::GetDecisionRequest>,
    ) -> Result<Response<ai::GetDecisionResponse>, Status> {
        unscripted()
    }

    async fn list_decisions(
        &self,
        _r: Request<ai::ListDecisionsRequest>,
    ) -> Result<Response<ai::ListDecisionsResponse>, Status> {
        unscripted()
    }

    async fn register_voter(
        &self,
        _r: Request<ai::RegisterVoterRequest>,
    ) -> Result<Response<ai::RegisterVoterResponse>, Status> {
        unscripted()
    }

    async fn list_voters(
        &self,
        _r: Request<ai::ListVotersRequest>,
    ) -> Result<Response<ai::ListVotersResponse>, Status> {
        unscripted()
    }

    async fn get_voter_stats(
        &self,
        _r: Request<ai::GetVoterStatsRequest>,
    ) -> Result<Response<ai::GetVoterStatsResponse>, Status> {
        unscripted()
    }
}

/// risk-manager: CheckOrder approves unless `deny` names a rule; records each order.
#[derive(Debug, Clone, Default)]
pub struct FakeRisk {
    pub deny: Arc<Mutex<Option<trading::RuleResult>>>,
    pub orders: Arc<Mutex<Vec<trading::OrderIntent>>>,
}

impl FakeRisk {
    pub async fn serve(&self) -> std::net::SocketAddr {
        super::serve(
            tonic::transport::Server::builder().add_service(RiskServiceServer::new(self.clone())),
        )
        .await
    }

    pub fn checked(&self) -> Vec<trading::OrderIntent> {
        lock(&self.orders).clone()
    }
}

#[tonic::async_trait]
impl RiskService for FakeRisk {
    async fn check_order(
        &self,
        request: Request<trading::CheckOrderRequest>,
    ) -> Result<Response<trading::CheckOrderResponse>, Status> {
        if let Some(order) = request.into_inner().order {
            lock(&self.orders).push(order);
        }
        let deny = lock(&self.deny).clone();
        Ok(Response::new(match deny {
            Some(rule) => trading::CheckOrderResponse {
                approved: false,
                state: trading::TradingState::Active.into(),
                denied_by: vec![rule.rule.clone()],
                rules: vec![rule],
                check_id: "check-1".into(),
            },
            None => trading::CheckOrderResponse {
                approved: true,
                state: trading::TradingState::Active.into(),
                denied_by: Vec::new(),
                rules: Vec::new(),
                check_id: "check-1".into(),
            },
        }))
    }

    async fn get_trading_state(
        &self,
        _r: Request<trading::GetTradingStateRequest>,
    ) -> Result<Response<trading::GetTradingStateResponse>, Status> {
        unscripted()
    }

    async fn set_trading_state(
        &self,
        _r: Request<trading::SetTradingStateRequest>,
    ) -> Result<Response<trading::SetTradingStateResponse>, Status> {
        unscripted()
    }

    async fn get_limits(
        &self,
        _r: Request<trading::GetLimitsRequest>,
    ) -> Result<Response<trading::GetLimitsResponse>, Status> {
        unscripted()
    }

    async fn set_limits(
        &self,
        _r: Request<trading::SetLimitsRequest>,
    ) -> Result<Response<trading::SetLimitsResponse>, Status> {
        unscripted()
    }

    async fn get_risk_metrics(
        &self,
        _r: Request<trading::GetRiskMetricsRequest>,
    ) -> Result<Response<trading::GetRiskMetricsResponse>, Status> {
        unscripted()
    }
}

/// compliance-checker: CheckOrder passes unless `violation` is set.
#[derive(Debug, Clone, Default)]
pub struct FakeCompliance {
    pub violation: Arc<Mutex<Option<security::Violation>>>,
}

impl FakeCompliance {
    pub async fn serve(&self) -> std::net::SocketAddr {
        super::serve(
            tonic::transport::Server::builder()
                .add_service(ComplianceServiceServer::new(self.clone())),
        )
        .await
    }
}

#[tonic::async_trait]
impl ComplianceService for FakeCompliance {
    async fn check_order(
        &self,
        _r: Request<security::CheckOrderRequest>,
    ) -> Result<Response<security::CheckOrderResponse>, Status> {
        let violation = lock(&self.violation).clone();
        Ok(Response::new(security::CheckOrderResponse {
            passed: violation.is_none(),
            violations: violation.into_iter().collect(),
            evaluated: vec!["restricted-symbols@1".into()],
            check_id: "compliance-1".into(),
        }))
    }

    async fn list_rules(
        &self,
        _r: Request<security::ListRulesRequest>,
    ) -> Result<Response<security::ListRulesResponse>, Status> {
        unscripted()
    }

    async fn put_rule(
        &self,
        _r: Request<security::PutRuleRequest>,
    ) -> Result<Response<security::PutRuleResponse>, Status> {
        unscripted()
    }

    async fn set_account_status(
        &self,
        _r: Request<security::SetAccountStatusRequest>,
    ) -> Result<Response<security::SetAccountStatusResponse>, Status> {
        unscripted()
    }

    async fn get_account_status(
        &self,
        _r: Request<security::GetAccountStatusRequest>,
    ) -> Result<Response<security::GetAccountStatusResponse>, Status> {
        unscripted()
    }

    async fn get_surveillance_report(
        &self,
        _r: Request<security::GetSurveillanceReportRequest>,
    ) -> Result<Response<security::GetSurveillanceReportResponse>, Status> {
        unscripted()
    }
}

/// trade-history: GetCandles answers `candles` (whatever the range).
#[derive(Debug, Clone, Default)]
pub struct FakeTradeHistory {
    pub candles: Arc<Mutex<Vec<Candle>>>,
}

impl FakeTradeHistory {
    pub async fn serve(&self) -> std::net::SocketAddr {
        super::serve(
            tonic::transport::Server::builder()
                .add_service(TradeHistoryServiceServer::new(self.clone())),
        )
        .await
    }
}

#[tonic::async_trait]
impl TradeHistoryService for FakeTradeHistory {
    async fn query_trades(
        &self,
        _r: Request<marketdata::QueryTradesRequest>,
    ) -> Result<Response<marketdata::QueryTradesResponse>, Status> {
        unscripted()
    }

    async fn get_candles(
        &self,
        _r: Request<marketdata::GetCandlesRequest>,
    ) -> Result<Response<marketdata::GetCandlesResponse>, Status> {
        Ok(Response::new(marketdata::GetCandlesResponse {
            candles: lock(&self.candles).clone(),
        }))
    }

    async fn import_trades(
        &self,
        _r: Request<tonic::Streaming<marketdata::ImportTradesRequest>>,
    ) -> Result<Response<marketdata::ImportTradesResponse>, Status> {
        unscripted()
    }
}
