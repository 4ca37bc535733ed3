//! The gRPC handlers of quorum.trading.v1.RiskService.
use std::sync::Arc;

use quorum_bus::audit::AuditEntry;
use quorum_bus::events::AuditOutcome;
use quorum_kit::auth::{Caller, caller};
use quorum_kit::errors::{FieldErrors, invalid_field};
use quorum_proto::trading::v1 as pb;
use quorum_proto::trading::v1::risk_service_server::RiskService;
use quorum_store::errors::database_status;
use tonic::{Request, Response, Status};

use crate::check::{self, account_problem};
use crate::limits::Limits;
use crate::state::{self, Change};
use crate::store;
use crate::{Shared, risk_metrics};

/// The audit action of limit changes.
pub const SET_LIMITS_ACTION: &str = "risk.set_limits";

/// Longest reason accepted for a state change.
pub const MAX_REASON_LENGTH: usize = 1000;

pub struct RiskHandlers {
    shared: Arc<Shared>,
}

impl RiskHandlers {
    pub fn new(shared: Arc<Shared>) -> Self {
        Self { shared }
    }
}

#[tonic::async_trait]
impl RiskService for RiskHandlers {
    async fn check_order(
        &self,
        request: Request<pb::CheckOrderRequest>,
    ) -> Result<Response<pb::CheckOrderResponse>, Status> {
        let actor = actor_of(caller(&request)?);
        let intent = check::validate(request.get_ref())?;
        let response = check::check_order(&self.shared, &actor, &intent).await?;
        Ok(Response::new(response))
    }

    async fn get_trading_state(
        &self,
        _request: Request<pb::GetTradingStateRequest>,
    ) -> Result<Response<pb::GetTradingStateResponse>, Status> {
        let record = state::current(&self.shared.pool)
            .await
            .map_err(|error| database_status("reading the trading state failed", error))?;
        Ok(Response::new(pb::GetTradingStateResponse {
            state: state::to_proto(record.state).into(),
            reason: record.reason,
            changed_by: record.changed_by,
            changed_unix_ms: record.changed_unix_ms,
        }))
    }

    async fn set_trading_state(
        &self,
        request: Request<pb::SetTradingStateRequest>,
    ) -> Result<Response<pb::SetTradingStateResponse>, Status> {
        let actor = actor_of(caller(&request)?);
        let message = request.into_inner();
        let mut errors = FieldErrors::new();
        let target = state::from_proto(message.state);
        errors.check(
            target.is_some(),
            "state",
            "is required: TRADING_STATE_ACTIVE, TRADING_STATE_REDUCING or TRADING_STATE_HALTED",
        );
        let reason = message.reason.trim();
        errors.check(!reason.is_empty(), "reason", "is required: say why");
        errors.check(
            reason.chars().count() <= MAX_REASON_LENGTH,
            "reason",
            format!("must be at most {MAX_REASON_LENGTH} characters"),
        );
        errors.into_result()?;
        let Some(target) = target else {
            return Err(invalid_field("state", "is required"));
        };
        let change = Change {
            state: target,
            reason,
            changed_by: &actor,
        };
        let previous = state::set(&self.shared.pool, &self.shared.outbox, &change)
            .await
            .map_err(|error| database_status("changing the trading state failed", error))?;
        tracing::warn!(actor, state = ?target, ?previous, reason, "trading state set");
        Ok(Response::new(pb::SetTradingStateResponse {
            state: state::to_proto(target).into(),
            previous: state::to_proto(previous).into(),
        }))
    }

    async fn get_limits(
        &self,
        request: Request<pb::GetLimitsRequest>,
    ) -> Result<Response<pb::GetLimitsResponse>, Status> {
        let account = request.into_inner().account;
        if let Some(problem) = account_problem(&account) {
            return Err(invalid_field("account", problem));
        }
        let account = account.trim();
        let limits = self.shared.limits_of(account).await?;
        Ok(Response::new(pb::GetLimitsResponse {
            limits: Some(limits.to_proto(account)),
        }))
    }

    async fn set_limits(
        &self,
        request: Request<pb::SetLimitsRequest>,
    ) -> Result<Response<pb::SetLimitsResponse>, Status> {
        let actor = actor_of(caller(&request)?);
        let Some(proto) = request.into_inner().limits else {
            return Err(invalid_field("limits", "is required"));
        };
        let mut errors = FieldErrors::new();
        if let Some(problem) = account_problem(&proto.account) {
            errors.add("limits.account", problem);
        }
        let limits = Limits::from_proto(&proto, "limits.");
        if let Err(problems) = &limits {
            for (field, problem) in problems {
                errors.add(field, problem.clone());
            }
        }
        errors.into_result()?;
        let Ok(limits) = limits else {
            return Err(invalid_field("limits", "is not valid"));
        };
        let account = proto.account.trim();
        save_limits(&self.shared, account, &limits, &actor).await?;
        Ok(Response::new(pb::SetLimitsResponse {
            limits: Some(limits.to_proto(account)),
        }))
    }

    async fn get_risk_metrics(
        &self,
        request: Request<pb::GetRiskMetricsRequest>,
    ) -> Result<Response<pb::GetRiskMetricsResponse>, Status> {
        let query = risk_metrics::validate(request.get_ref())?;
        let now_ms = chrono::Utc::now().timestamp_millis();
        let response = risk_metrics::risk_metrics(&self.shared, &query, now_ms).await?;
        Ok(Response::new(response))
    }
}

/// Who the caller is, for audit records and `changed_by`.
fn actor_of(caller: &Caller) -> String {
    let claims = &caller.claims;
    if claims.name.trim().is_empty() {
        claims.sub.clone()
    } else {
        claims.name.clone()
    }
}

/// Stores the limits and their audit record in one transaction.
async fn save_limits(
    shared: &Shared,
    account: &str,
    limits: &Limits,
    actor: &str,
) -> Result<(), Status> {
    let resource = format!("account:{account}");
    let details = serde_json::json!({
        "max_order_notional": limits.max_order_notional.normalize().to_string(),
        "max_position_notional": limits.max_position_notional.normalize().to_string(),
        "max_gross_exposure": limits.max_gross_exposure.normalize().to_string(),
        "max_net_exposure": limits.max_net_exposure.normalize().to_string(),
        "max_leverage": limits.max_leverage.normalize().to_string(),
        "max_daily_loss": limits.max_daily_loss.normalize().to_string(),
        "max_orders_per_minute": limits.max_orders_per_minute,
        "price_band_bps": limits.price_band_bps,
        "reducing_drawdown": limits.reducing_drawdown,
        "halting_drawdown": limits.halting_drawdown,
    });
    let outcome = async {
        let mut transaction = shared.pool.begin().await?;
        store::save_limits(&mut transaction, account, limits, actor).await?;
        let entry = AuditEntry {
            service: crate::SERVICE,
            actor,
            action: SET_LIMITS_ACTION,
            resource: &resource,
            outcome: AuditOutcome::Success,
            details,
        };
        quorum_bus::audit::record(&mut transaction, entry).await?;
        transaction.commit().await
    }
    .await;
    outcome.map_err(|error| database_status("saving limits failed", error))?;
    shared.outbox.wake();
    Ok(())
}
