//! The gRPC handlers of quorum.security.v1.ComplianceService.
use std::sync::Arc;

use quorum_bus::events::AuditOutcome;
use quorum_bus::outbox::Outbox;
use quorum_kit::errors::invalid_field;
use quorum_proto::security::v1 as pb;
use quorum_proto::security::v1::compliance_service_server::ComplianceService;
use quorum_store::errors::database_status;
use serde_json::json;
use tonic::{Request, Response, Status};

use crate::accounts::{self, Standing};
use crate::evaluate::{self, Evaluation, Intent};
use crate::rule_store::{self, PutError};
use crate::rules::Kind;
use crate::tracker::Tracker;
use crate::{audit, convert, now_ms, surveillance};

/// What every handler shares.
pub struct State {
    pub tracker: Tracker,
    pub outbox: Outbox,
    /// Longest range a surveillance report may cover.
    pub max_report_range_ms: i64,
}

#[derive(Clone)]
pub struct ComplianceHandler {
    state: Arc<State>,
}

impl ComplianceHandler {
    pub fn new(state: Arc<State>) -> Self {
        Self { state }
    }

    fn pool(&self) -> &sqlx::PgPool {
        self.state.tracker.pool()
    }
}

#[tonic::async_trait]
impl ComplianceService for ComplianceHandler {
    async fn check_order(
        &self,
        request: Request<pb::CheckOrderRequest>,
    ) -> Result<Response<pb::CheckOrderResponse>, Status> {
        let actor = actor(&request);
        let intent = convert::intent(request.get_ref().order.as_ref())?;
        let rules = rule_store::newest(self.pool())
            .await
            .map_err(|error| database_status("reading the rules failed", error))?;
        let needs_status = rules
            .iter()
            .any(|rule| rule.enabled && rule.spec.kind() == Kind::AccountStatus);
        let standing = if needs_status {
            accounts::get(self.pool(), &intent.account)
                .await
                .map_err(|error| database_status("reading the account status failed", error))?
        } else {
            Standing::default_active()
        };
        let now = now_ms();
        let evaluation = self
            .state
            .tracker
            .read(|views| evaluate::evaluate(&intent, &rules, views, &standing, now));
        let check_id = uuid::Uuid::now_v7().to_string();
        if !evaluation.passed() {
            self.audit_denied_check(&actor, &intent, &evaluation, &check_id)
                .await?;
        }
        Ok(Response::new(convert::check_response(evaluation, check_id)))
    }

    async fn list_rules(
        &self,
        request: Request<pb::ListRulesRequest>,
    ) -> Result<Response<pb::ListRulesResponse>, Status> {
        let rules = if request.get_ref().all_versions {
            rule_store::all(self.pool()).await
        } else {
            rule_store::newest(self.pool()).await
        }
        .map_err(|error| database_status("listing the rules failed", error))?;
        Ok(Response::new(pb::ListRulesResponse {
            rules: rules.iter().map(convert::rule).collect(),
        }))
    }

    async fn put_rule(
        &self,
        request: Request<pb::PutRuleRequest>,
    ) -> Result<Response<pb::PutRuleResponse>, Status> {
        let actor = actor(&request);
        let new = convert::new_rule(request.get_ref().rule.as_ref())?;
        let failed = |error| database_status("writing the rule failed", error);
        let mut transaction = self.pool().begin().await.map_err(failed)?;
        let rule = rule_store::put(&mut transaction, &new, &actor, now_ms())
            .await
            .map_err(|error| match error {
                PutError::KindChanged { .. } => invalid_field("rule.kind", error.to_string()),
                PutError::VersionConflict { .. } => Status::failed_precondition(error.to_string()),
                PutError::Database(error) => database_status("writing the rule failed", error),
            })?;
        let details = json!({
            "version": rule.version,
            "kind": rule.spec.kind().to_proto().as_str_name(),
            "enabled": rule.enabled,
            "parameters": rule.spec.parameters(),
        });
        let resource = format!("rule:{}", rule.id);
        audit::record(
            &mut transaction,
            &actor,
            audit::PUT_RULE,
            &resource,
            AuditOutcome::Success,
            details,
        )
        .await
        .map_err(failed)?;
        transaction.commit().await.map_err(failed)?;
        self.state.outbox.wake();
        tracing::info!(rule = %rule.label(), %actor, "rule version written");
        Ok(Response::new(pb::PutRuleResponse {
            rule: Some(convert::rule(&rule)),
        }))
    }

    async fn set_account_status(
        &self,
        request: Request<pb::SetAccountStatusRequest>,
    ) -> Result<Response<pb::SetAccountStatusResponse>, Status> {
        let actor = actor(&request);
        let (account, standing) = convert::account_status(request.get_ref())?;
        let failed = |error| database_status("setting the account status failed", error);
        let mut transaction = self.pool().begin().await.map_err(failed)?;
        let previous = accounts::set(&mut transaction, &account, &standing, &actor, now_ms())
            .await
            .map_err(failed)?;
        let details = json!({
            "status": standing.status.to_proto().as_str_name(),
            "previous": previous.status.to_proto().as_str_name(),
            "reason": standing.reason,
        });
        let resource = format!("account:{account}");
        audit::record(
            &mut transaction,
            &actor,
            audit::SET_ACCOUNT_STATUS,
            &resource,
            AuditOutcome::Success,
            details,
        )
        .await
        .map_err(failed)?;
        transaction.commit().await.map_err(failed)?;
        self.state.outbox.wake();
        Ok(Response::new(pb::SetAccountStatusResponse {
            status: standing.status.to_proto() as i32,
            previous: previous.status.to_proto() as i32,
        }))
    }

    async fn get_account_status(
        &self,
        request: Request<pb::GetAccountStatusRequest>,
    ) -> Result<Response<pb::GetAccountStatusResponse>, Status> {
        let account = convert::account("account", &request.get_ref().account)?;
        let standing = accounts::get(self.pool(), &account)
            .await
            .map_err(|error| database_status("reading the account status failed", error))?;
        Ok(Response::new(pb::GetAccountStatusResponse {
            status: standing.status.to_proto() as i32,
            reason: standing.reason,
        }))
    }

    async fn get_surveillance_report(
        &self,
        request: Request<pb::GetSurveillanceReportRequest>,
    ) -> Result<Response<pb::GetSurveillanceReportResponse>, Status> {
        let (range, account) =
            convert::report_request(request.get_ref(), self.state.max_report_range_ms)?;
        let report = surveillance::report(self.pool(), range, account.as_deref())
            .await
            .map_err(|error| database_status("making the surveillance report failed", error))?;
        Ok(Response::new(report))
    }
}

impl ComplianceHandler {
    /// Records a failed check; the answer waits for it, so no denial goes unaudited.
    async fn audit_denied_check(
        &self,
        actor: &str,
        intent: &Intent,
        evaluation: &Evaluation,
        check_id: &str,
    ) -> Result<(), Status> {
        let violations: Vec<serde_json::Value> = evaluation
            .violations
            .iter()
            .map(|violation| {
                json!({
                    "rule": format!("{}@{}", violation.rule_id, violation.rule_version),
                    "message": violation.message,
                })
            })
            .collect();
        let details = json!({
            "check_id": check_id,
            "venue": intent.venue.as_str(),
            "symbol": intent.symbol.as_str(),
            "side": intent.side,
            "quantity": intent.quantity.normalize().to_string(),
            "price": intent.price.normalize().to_string(),
            "client_order_id": intent.client_order_id,
            "origin": intent.origin,
            "violations": violations,
        });
        let failed = |error| database_status("auditing the failed check failed", error);
        let mut transaction = self.pool().begin().await.map_err(failed)?;
        let resource = format!("account:{}", intent.account);
        audit::record(
            &mut transaction,
            actor,
            audit::CHECK_ORDER,
            &resource,
            AuditOutcome::Denied,
            details,
        )
        .await
        .map_err(failed)?;
        transaction.commit().await.map_err(failed)?;
        self.state.outbox.wake();
        Ok(())
    }
}

/// The caller's name for audit records; `anonymous` when auth is disabled.
fn actor<T>(request: &Request<T>) -> String {
    quorum_kit::auth::caller(request)
        .map(|caller| caller.claims.name.clone())
        .unwrap_or_else(|_| "anonymous".to_string())
}
