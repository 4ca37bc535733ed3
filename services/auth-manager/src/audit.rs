//! Audit events of auth-manager, written to the outbox in the transaction of the change.
use quorum_bus::audit::AuditEntry;
use quorum_bus::events::AuditOutcome;
use sqlx::PgConnection;

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
