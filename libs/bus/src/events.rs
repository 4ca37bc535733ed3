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

/// Topic of trading state changes; risk-manager publishes it.
pub const RISK_STATE_TOPIC: &str = "risk.state";

/// Which orders may go out: every order, only those that shrink a position, or none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TradingState {
    Active,
    Reducing,
    Halted,
}

/// The trading state changed, by a risk officer or by risk-manager's drawdown monitor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TradingStateChanged {
    pub state: TradingState,
    pub previous: TradingState,
    pub reason: String,
    /// A user name, or `drawdown-monitor`.
    pub changed_by: String,
    pub changed_at_ms: i64,
}

/// Topic of consensus decisions; consensus-engine publishes one event per decision.
pub const DECISIONS_TOPIC: &str = "ai.decisions";

/// A consensus decision was made (published once it is stored; at least once).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecisionMade {
    pub decision_id: String,
    /// The caller's idempotency key; consumers deduplicate on it or on decision_id.
    pub proposal_id: String,
    /// Empty for proposals about no symbol.
    #[serde(default)]
    pub symbol: String,
    pub approved: bool,
    /// The contract's Verdict name without its prefix: APPROVED, NO_QUORUM,
    /// BELOW_THRESHOLD, STALEMATE or TIE.
    pub verdict: String,
    /// The leading decision of the last round (BUY, SELL, HOLD, YES, NO); none when
    /// nobody answered one.
    #[serde(default)]
    pub decision: Option<String>,
    /// Weighted share of the leading decision among the voters that answered.
    pub agreement: f64,
    pub decided_at_ms: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decision_made_json_shape_is_stable() {
        let event = DecisionMade {
            decision_id: "d1".into(),
            proposal_id: "p1".into(),
            symbol: "BTC-USDT".into(),
            approved: true,
            verdict: "APPROVED".into(),
            decision: Some("BUY".into()),
            agreement: 0.9,
            decided_at_ms: 7,
        };
        let value = serde_json::to_value(&event).unwrap();
        assert_eq!(value["verdict"], "APPROVED");
        assert_eq!(value["decision"], "BUY");
        assert_eq!(value["decided_at_ms"], 7);
        let back: DecisionMade = serde_json::from_value(value).unwrap();
        assert_eq!(back, event);
    }

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
