//! Audit events written to the outbox in the transaction of the change they describe,
//! so a change is never committed without its audit record (audit-logger chains them).
use sqlx::PgConnection;

use crate::events::{AUDIT_TOPIC, AuditEvent, AuditOutcome};
use crate::outbox::Outbox;

/// One audited action of a service; the event id and time are filled in by [`record`].
#[derive(Debug, Clone)]
pub struct AuditEntry<'a> {
    /// The service recording it (its catalog name).
    pub service: &'a str,
    /// A user name, `svc:<service>`, or `anonymous`.
    pub actor: &'a str,
    /// `<domain>.<verb>`, e.g. `risk.kill_switch`.
    pub action: &'a str,
    /// What it was done to, e.g. `account:alice`.
    pub resource: &'a str,
    pub outcome: AuditOutcome,
    /// Extra detail; never secrets.
    pub details: serde_json::Value,
}

/// Records an audit event inside the caller's transaction. Call [`Outbox::wake`] after
/// the commit so the relay sends it at once.
pub async fn record(connection: &mut PgConnection, entry: AuditEntry<'_>) -> sqlx::Result<()> {
    let event = AuditEvent {
        event_id: uuid::Uuid::now_v7().to_string(),
        actor: entry.actor.to_string(),
        action: entry.action.to_string(),
        resource: entry.resource.to_string(),
        outcome: entry.outcome,
        occurred_at_ms: chrono::Utc::now().timestamp_millis(),
        source_service: entry.service.to_string(),
        source_address: String::new(),
        details: entry.details,
    };
    Outbox::enqueue(connection, AUDIT_TOPIC, &event).await
}
