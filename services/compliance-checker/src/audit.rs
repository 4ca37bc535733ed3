//! Audit events of compliance-checker, written to the outbox in the transaction of the
//! change (or, for a denied check, in a transaction of their own).
use quorum_bus::audit::AuditEntry;
use quorum_bus::events::AuditOutcome;
use sqlx::PgConnection;

/// Rules written with PutRule.
pub const PUT_RULE: &str = "compliance.put_rule";
/// Order checks that failed.
pub const CHECK_ORDER: &str = "compliance.check_order";
/// Account statuses set.
pub const SET_ACCOUNT_STATUS: &str = "compliance.set_account_status";

/// Records an audit event in the caller's transaction.
pub async fn record(
    connection: &mut PgConnection,
    actor: &str,
    action: &str,
    resource: &str,
    outcome: AuditOutcome,
    details: serde_json::Value,
) -> sqlx::Result<()> {
    let entry = AuditEntry {
        service: crate::SERVICE,
        actor,
        action,
        resource,
        outcome,
        details,
    };
    quorum_bus::audit::record(connection, entry).await
}
