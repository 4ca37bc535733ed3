//! Event types that travel on the bus, shared by their producers and consumers.
use serde::{Deserialize, Serialize};

/// Topic of audit events; audit-logger consumes it.
pub const AUDIT_TOPIC: &str = "audit";

/// How an audited action ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditOutcome {
    Success,
    Failure,
    Denied,
}

/// One auditable action, as any service reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEvent {
    /// Unique per event (a UUID); audit-logger stores each id once.
    pub event_id: String,
    /// Who acted: a user name, `svc:<service>`, or `anonymous`.
    pub actor: String,
    /// What was done, `<domain>.<verb>`, e.g. `auth.login`.
    pub action: String,
    /// What it was done to, e.g. `user:alice`.
    pub resource: String,
    pub outcome: AuditOutcome,
    pub occurred_at_ms: i64,
    pub source_service: String,
    /// Client address when known.
    #[serde(default)]
    pub source_address: String,
    /// Extra detail; never secrets.
    #[serde(default)]
    pub details: serde_json::Value,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_shape_is_stable() {
        let event = AuditEvent {
            event_id: "e1".into(),
            actor: "alice".into(),
            action: "auth.login".into(),
            resource: "user:alice".into(),
            outcome: AuditOutcome::Denied,
            occurred_at_ms: 5,
            source_service: "auth-manager".into(),
            source_address: String::new(),
            details: serde_json::json!({"reason": "bad password"}),
        };
        let text = serde_json::to_string(&event).unwrap();
        assert!(text.contains(r#""outcome":"denied""#), "{text}");
        let back: AuditEvent = serde_json::from_str(&text).unwrap();
        assert_eq!(back, event);
    }
}
