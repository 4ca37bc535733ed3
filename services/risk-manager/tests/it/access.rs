//! Tokens and roles, bad requests, a peer that is down, bad configuration, and limits
//! that outlive a restart.
use quorum_kit::{ConfigError, Kit, KitConfig};
use quorum_proto::trading::v1 as pb;
use risk_manager::{Config, SERVICE, start};
use tonic::Code;
use tonic_types::StatusExt;

use crate::fakes::decimal;
use crate::harness::*;

#[tokio::test]
async fn calls_without_a_token_are_unauthenticated() {
    let harness = Harness::start().await;
    let status = harness
        .client
        .clone()
        .check_order(pb::CheckOrderRequest {
            order: Some(buy("1")),
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated);
    let status = harness
        .client
        .clone()
        .get_trading_state(pb::GetTradingStateRequest {})
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated);
}

#[tokio::test]
async fn a_bad_intent_names_every_bad_field() {
    let harness = Harness::start().await;
    let mut intent = buy("0");
    intent.account = String::new();
    intent.symbol = "bitcoin".into();
    intent.side = 0;
    intent.price = decimal("-1");
    let status = harness.check(intent).await.unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    let details = status.get_error_details();
    let mut fields: Vec<String> = details
        .bad_request()
        .unwrap()
        .field_violations
        .iter()
        .map(|violation| violation.field.clone())
        .collect();
    fields.sort();
    assert_eq!(
        fields,
        [
            "order.account",
            "order.price",
            "order.quantity",
            "order.side",
            "order.symbol"
        ]
    );
}

#[tokio::test]
async fn portfolio_manager_down_is_unavailable_naming_it() {
    let harness = Harness::start_with(|config| {
        config.peers.portfolio_manager_addr = Some("http://127.0.0.1:1".into());
    })
    .await;
    let status = harness.check(buy("1")).await.unwrap_err();
    assert_eq!(status.code(), Code::Unavailable);
    assert!(status.message().contains("portfolio-manager"), "{status:?}");
    let status = harness
        .risk_metrics(pb::GetRiskMetricsRequest {
            account: ACCOUNT.into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unavailable);
    assert!(status.message().contains("portfolio-manager"), "{status:?}");
}

#[tokio::test]
async fn a_price_feed_that_is_down_fails_only_the_price_band() {
    let harness = Harness::start_with(|config| {
        config.peers.price_feed_addr = Some("http://127.0.0.1:1".into());
    })
    .await;
    harness.set_limits(roomy_limits()).await.unwrap();
    let denied = harness.checked(buy("1")).await;
    assert_denied_by(&denied, "price_band", "100", "no mark");
    assert!(
        denied.rules[0].message.contains("price-feed"),
        "{denied:#?}"
    );
}

#[tokio::test]
async fn limits_need_the_risk_officer_role_are_checked_and_audited() {
    let harness = Harness::start().await;
    let status = harness
        .set_limits_as(roomy_limits(), &["trader"])
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied);

    let mut bad = roomy_limits();
    bad.max_leverage = decimal("0");
    bad.halting_drawdown = 0.1;
    bad.max_daily_loss = None;
    let status = harness.set_limits(bad).await.unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    for field in [
        "limits.max_leverage",
        "limits.halting_drawdown",
        "limits.max_daily_loss",
    ] {
        assert!(status.message().contains(field), "{field}: {status:?}");
    }

    let saved = harness.set_limits(roomy_limits()).await.unwrap();
    assert_eq!(saved.max_order_notional.unwrap().value, "10000");
    let audit = harness
        .event_where("audit", |event| event["action"] == "risk.set_limits")
        .await;
    assert_eq!(audit["outcome"], "success");
    assert_eq!(audit["resource"], "account:alice");
    assert_eq!(audit["details"]["max_leverage"], "5");
}

#[tokio::test]
async fn limits_persist_across_a_restart() {
    let harness = Harness::start().await;
    let mut limits = roomy_limits();
    limits.max_order_notional = decimal("1234.5");
    limits.max_orders_per_minute = 7;
    limits.reducing_drawdown = 0.15;
    harness.set_limits(limits.clone()).await.unwrap();

    let harness = harness.restart().await;
    let stored = harness.get_limits(ACCOUNT).await.unwrap();
    assert_eq!(stored, limits);
    let denied = harness.checked(buy("12.35")).await;
    assert_denied_by(&denied, "max_order_notional", "1234.5", "1235");
}

#[tokio::test]
async fn bad_configuration_names_its_variable() {
    let mut config = Config::new("postgres://u:p@127.0.0.1/db", "redis://127.0.0.1:6379");
    config.defaults.max_leverage = "-1".parse().unwrap();
    let kit = Kit::new(SERVICE, KitConfig::for_tests());
    let error = start(kit, config).await.err().expect("start must fail");
    let config_error = error.downcast_ref::<ConfigError>().expect("a ConfigError");
    assert_eq!(config_error.variable, "QUORUM_RISK_MAX_LEVERAGE");
}
