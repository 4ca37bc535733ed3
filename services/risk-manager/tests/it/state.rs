//! The trading state and its kill switch: who may set it, what HALTED and REDUCING let
//! through, and the audit and bus events a change leaves.
use quorum_proto::trading::v1::TradingState;
use tonic::Code;

use crate::harness::*;

async fn started() -> Harness {
    let harness = Harness::start().await;
    harness.set_limits(roomy_limits()).await.unwrap();
    harness
}

#[tokio::test]
async fn the_state_starts_active() {
    let harness = Harness::start().await;
    let state = harness.get_state().await;
    assert_eq!(state.state(), TradingState::Active);
    assert_eq!(state.changed_by, "risk-manager");
    assert!(state.changed_unix_ms > 0);
}

#[tokio::test]
async fn halted_denies_everything() {
    let harness = started().await;
    harness
        .set_state(TradingState::Halted, "exchange outage", &["risk-officer"])
        .await
        .unwrap();
    // Even orders that would shrink or close the position; `actual` is the position after.
    for (intent, position_after) in [(buy("1"), "2"), (sell("0.5"), "0.5"), (sell("1"), "0")] {
        let denied = harness.checked(intent).await;
        assert_eq!(denied.state(), TradingState::Halted);
        assert_denied_by(&denied, "trading_state", "HALTED", position_after);
    }
}

#[tokio::test]
async fn reducing_lets_only_shrinking_orders_through() {
    let harness = started().await;
    harness
        .set_state(TradingState::Reducing, "drawdown review", &["risk-officer"])
        .await
        .unwrap();
    let shrink = harness.checked(sell("0.5")).await;
    assert_approved(&shrink);
    assert_eq!(shrink.state(), TradingState::Reducing);
    let grow = harness.checked(buy("0.5")).await;
    assert_denied_by(&grow, "trading_state", "REDUCING", "1.5");
    // Selling more than the position would open a short.
    let flip = harness.checked(sell("1.5")).await;
    assert_denied_by(&flip, "trading_state", "REDUCING", "-0.5");
}

#[tokio::test]
async fn setting_the_state_needs_the_risk_officer_role() {
    let harness = started().await;
    let status = harness
        .set_state(TradingState::Halted, "I want to", &["trader"])
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied);
    assert_eq!(harness.get_state().await.state(), TradingState::Active);

    let response = harness
        .set_state(TradingState::Halted, "admin drill", &["admin"])
        .await
        .unwrap();
    assert_eq!(response.state(), TradingState::Halted);
    assert_eq!(response.previous(), TradingState::Active);
}

#[tokio::test]
async fn a_state_change_is_audited_and_published() {
    let harness = started().await;
    let response = harness
        .set_state(
            TradingState::Halted,
            "kill switch: runaway strategy",
            &["risk-officer"],
        )
        .await
        .unwrap();
    assert_eq!(response.previous(), TradingState::Active);

    let state = harness.get_state().await;
    assert_eq!(state.state(), TradingState::Halted);
    assert_eq!(state.reason, "kill switch: runaway strategy");
    assert_eq!(state.changed_by, "test-user");

    let audit = harness
        .event_where("audit", |event| event["action"] == "risk.trading_state")
        .await;
    assert_eq!(audit["outcome"], "success");
    assert_eq!(audit["actor"], "test-user");
    assert_eq!(audit["source_service"], "risk-manager");
    assert_eq!(audit["details"]["state"], "HALTED");
    assert_eq!(audit["details"]["previous"], "ACTIVE");

    let published = harness.event_where("risk.state", |_| true).await;
    assert_eq!(published["state"], "halted");
    assert_eq!(published["previous"], "active");
    assert_eq!(published["changed_by"], "test-user");
    assert_eq!(published["reason"], "kill switch: runaway strategy");

    let pool = harness.sql().await;
    let history: Vec<(String, String)> = sqlx::query_as(
        "SELECT state, previous FROM risk_manager.trading_state_history ORDER BY id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(history, [("halted".to_string(), "active".to_string())]);
}

#[tokio::test]
async fn a_state_change_needs_a_state_and_a_reason() {
    let harness = started().await;
    let status = harness
        .set_state(TradingState::Unspecified, "  ", &["risk-officer"])
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert!(status.message().contains("state:"), "{status:?}");
    assert!(status.message().contains("reason:"), "{status:?}");
    assert_eq!(harness.get_state().await.state(), TradingState::Active);
}

#[tokio::test]
async fn a_denied_order_is_audited_with_its_failed_rules() {
    let harness = started().await;
    let denied = harness.checked(buy("500")).await;
    assert!(denied.denied_by.contains(&"max_order_notional".to_string()));
    let audit = harness
        .event_where("audit", |event| event["action"] == "risk.check_order")
        .await;
    assert_eq!(audit["outcome"], "denied");
    assert_eq!(audit["resource"], "account:alice");
    assert_eq!(audit["details"]["check_id"], denied.check_id.as_str());
    assert_eq!(audit["details"]["quantity"], "500");
    let failed = audit["details"]["failed"].as_array().unwrap();
    let notional = failed
        .iter()
        .find(|rule| rule["rule"] == "max_order_notional")
        .unwrap();
    assert_eq!(notional["limit"], "10000");
    assert_eq!(notional["actual"], "50000");

    // Approved checks leave no audit event.
    assert_approved(&harness.checked(buy("1")).await);
    let checks = harness
        .events("audit")
        .await
        .into_iter()
        .filter(|event| event["action"] == "risk.check_order")
        .count();
    assert_eq!(checks, 1);
}
