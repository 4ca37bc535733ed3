//! Tokens, bad configuration, and malformed events on the bus.
use compliance_checker::{Config, SERVICE, start};
use quorum_domain::topics::EXECUTION_ORDERS;
use quorum_domain::{OrderEventKind, Side as DomainSide};
use quorum_kit::{ConfigError, Kit, KitConfig};
use quorum_proto::market::v1::Side;
use quorum_proto::security::v1::{CheckOrderRequest, ListRulesRequest};
use tonic::Code;

use crate::harness::{Harness, PATIENCE, eventually, intent};

#[tokio::test]
async fn calls_without_a_token_are_unauthenticated() {
    let harness = Harness::start().await;
    let status = harness
        .client
        .clone()
        .check_order(CheckOrderRequest {
            order: Some(intent("alice", "BTC-USDT", Side::Buy, "1", "1")),
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated);
    let status = harness
        .client
        .clone()
        .list_rules(ListRulesRequest::default())
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated);
}

#[tokio::test]
async fn a_database_url_that_is_not_postgres_is_a_config_error() {
    let config = Config::new(
        "mysql://root@localhost/compliance",
        "redis://127.0.0.1:6379",
    );
    let kit = Kit::new(SERVICE, KitConfig::for_tests());
    let error = start(kit, config).await.err().expect("start must fail");
    let config_error = error.downcast_ref::<ConfigError>().expect("a ConfigError");
    assert_eq!(config_error.variable, "DATABASE_URL");
}

#[tokio::test]
async fn a_malformed_event_is_dead_lettered_and_later_events_still_apply() {
    let harness = Harness::start().await;
    harness
        .bus
        .publish_raw(EXECUTION_ORDERS, r#"{"event_id": "broken"}"#)
        .await
        .unwrap();
    let mut negative =
        crate::harness::order("neg-1", "alice", "BTC-USDT", DomainSide::Sell, 1, 100, 0);
    negative.quantity = -negative.quantity;
    let bad = crate::harness::event(OrderEventKind::Placed, &negative, negative.created_at_ms);
    harness.bus.publish(EXECUTION_ORDERS, &bad).await.unwrap();
    harness.sync_orders("alice", "marker-1").await;
    let dead_letters = eventually("two dead letters", PATIENCE, || async {
        let length = harness
            .bus
            .len(&format!("{EXECUTION_ORDERS}:dead"))
            .await
            .ok()?;
        (length == 2).then_some(length)
    })
    .await;
    assert_eq!(dead_letters, 2);
    // The refused order never rests.
    let answer = harness
        .check(intent("alice", "BTC-USDT", Side::Buy, "1", "100"))
        .await;
    assert!(answer.passed, "{:?}", answer.violations);
}
