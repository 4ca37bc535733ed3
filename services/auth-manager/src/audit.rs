//! Audit events of auth-manager, written to the outbox in the transaction of the change.
use quorum_bus::events::{AUDIT_TOPIC, AuditEvent, AuditOutcome};
use quorum_bus::outbox::Outbox;
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
    let event = AuditEvent {
        event_id: uuid::Uuid::now_v7().to_string(),
        actor: actor.to_string(),
        action: action.to_string(),
        resource: resource.to_string(),
        outcome,
        occurred_at_ms: chrono::Utc::now().timestamp_millis(),
        source_service: crate::SERVICE.to_string(),
        source_address: String::new(),
        details,
    };
    Outbox::enqueue(connection, AUDIT_TOPIC, &event).await
}
