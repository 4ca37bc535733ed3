//! Restricted symbols, account limits and account status: each denies exactly what it
//! should, naming its id and version, and lets the neighbouring case pass.
use quorum_domain::OrderEventKind;
use quorum_domain::Side as DomainSide;
use quorum_proto::market::v1::Side;
use quorum_proto::security::v1::{
    AccountStatus, CheckOrderRequest, GetAccountStatusRequest, RuleKind, SetAccountStatusRequest,
};
use quorum_proto::trading::v1::OrderIntent;
use tonic::Code;
use tonic_types::StatusExt;

use compliance_checker::now_ms;

use crate::harness::{Harness, OFFICER, TRADER, event, failed, intent, order};

#[tokio::test]
async fn restricted_symbols_deny_listed_symbols_only() {
    let harness = Harness::start().await;
    harness
        .put_rule(
            "restricted-symbols",
            RuleKind::RestrictedSymbols,
            &[("symbols", "LUNA-USDT,FTT-USDT")],
        )
        .await;
    let denied = harness
        .check(intent("alice", "ftt-usdt", Side::Sell, "1", "2"))
        .await;
    assert!(!denied.passed);
    assert_eq!(failed(&denied), ["restricted-symbols@2"]);
    assert_eq!(
        denied.violations[0].kind,
        RuleKind::RestrictedSymbols as i32
    );
    assert!(
        denied.violations[0].message.contains("FTT-USDT"),
        "{}",
        denied.violations[0].message
    );
    let neighbour = harness
        .check(intent("alice", "FTM-USDT", Side::Sell, "1", "2"))
        .await;
    assert!(neighbour.passed, "{:?}", neighbour.violations);
    harness
        .wait_for_audit("compliance.check_order", "denied", "account:alice")
        .await;
}

#[tokio::test]
async fn account_limits_deny_size_notional_and_the_day_count_at_their_limits() {
    let harness = Harness::start().await;
    harness
        .put_rule(
            "account-limits",
            RuleKind::AccountLimits,
            &[
                ("max_order_quantity", "10"),
                ("max_order_notional", "1000"),
                ("max_orders_per_day", "2"),
            ],
        )
        .await;
    let at_limits = harness
        .check(intent("alice", "BTC-USDT", Side::Buy, "10", "100"))
        .await;
    assert!(at_limits.passed, "{:?}", at_limits.violations);
    let too_many = harness
        .check(intent("alice", "BTC-USDT", Side::Buy, "10.5", "10"))
        .await;
    assert_eq!(failed(&too_many), ["account-limits@2"]);
    assert_eq!(
        too_many.violations[0].message,
        "quantity 10.5 exceeds max_order_quantity 10"
    );
    let too_dear = harness
        .check(intent("alice", "BTC-USDT", Side::Buy, "5", "200.01"))
        .await;
    assert_eq!(failed(&too_dear), ["account-limits@2"]);
    assert_eq!(
        too_dear.violations[0].message,
        "notional 1000.05 (5 x 200.01) exceeds max_order_notional 1000"
    );

    // Orders per day count the account's `placed` events; checks do not count.
    let now = now_ms();
    for id in ["d-1", "d-2"] {
        let placed = order(id, "alice", "ETH-USDT", DomainSide::Buy, 1, 10, 0);
        harness
            .publish_event(&event(OrderEventKind::Placed, &placed, now))
            .await;
    }
    let rejected = order("d-3", "alice", "ETH-USDT", DomainSide::Buy, 1, 10, 0);
    harness
        .publish_event(&event(OrderEventKind::Rejected, &rejected, now))
        .await;
    let day_full = harness
        .check_until(
            "the day's orders to count",
            intent("alice", "BTC-USDT", Side::Buy, "1", "1"),
            |answer| !answer.passed,
        )
        .await;
    assert_eq!(failed(&day_full), ["account-limits@2"]);
    assert_eq!(
        day_full.violations[0].message,
        "account alice placed 2 orders today (UTC); max_orders_per_day is 2"
    );
    let other_account = harness
        .check(intent("bob", "BTC-USDT", Side::Buy, "1", "1"))
        .await;
    assert!(other_account.passed, "{:?}", other_account.violations);
}

#[tokio::test]
async fn account_status_denies_suspended_and_closed_accounts_only() {
    let harness = Harness::start().await;
    let get = |account: &str| {
        let request = harness.server.request(
            GetAccountStatusRequest {
                account: account.into(),
            },
            OFFICER,
        );
        let mut client = harness.client.clone();
        async move {
            client
                .get_account_status(request)
                .await
                .unwrap()
                .into_inner()
        }
    };
    assert_eq!(
        get("carol").await.status,
        AccountStatus::Active as i32,
        "unknown accounts are ACTIVE"
    );

    let set = SetAccountStatusRequest {
        account: "carol".into(),
        status: AccountStatus::Suspended as i32,
        reason: "KYC documents expired".into(),
    };
    let request = harness.server.request(set, OFFICER);
    let changed = harness
        .client
        .clone()
        .set_account_status(request)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(changed.status, AccountStatus::Suspended as i32);
    assert_eq!(changed.previous, AccountStatus::Active as i32);
    let now = get("carol").await;
    assert_eq!(
        (now.status, now.reason.as_str()),
        (AccountStatus::Suspended as i32, "KYC documents expired")
    );

    let denied = harness
        .check(intent("carol", "BTC-USDT", Side::Buy, "1", "100"))
        .await;
    assert_eq!(failed(&denied), ["account-status@1"]);
    assert_eq!(
        denied.violations[0].message,
        "account carol is SUSPENDED: KYC documents expired"
    );
    let neighbour = harness
        .check(intent("dave", "BTC-USDT", Side::Buy, "1", "100"))
        .await;
    assert!(neighbour.passed, "{:?}", neighbour.violations);
    harness
        .wait_for_audit("compliance.set_account_status", "success", "account:carol")
        .await;

    let reopen = SetAccountStatusRequest {
        account: "carol".into(),
        status: AccountStatus::Active as i32,
        reason: String::new(),
    };
    let request = harness.server.request(reopen, &["admin"]);
    let changed = harness
        .client
        .clone()
        .set_account_status(request)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(changed.previous, AccountStatus::Suspended as i32);
    assert!(
        harness
            .check(intent("carol", "BTC-USDT", Side::Buy, "1", "100"))
            .await
            .passed
    );
}

#[tokio::test]
async fn account_status_changes_need_the_role_and_a_reason_to_suspend_or_close() {
    let harness = Harness::start().await;
    let close = SetAccountStatusRequest {
        account: "erin".into(),
        status: AccountStatus::Closed as i32,
        reason: " ".into(),
    };
    let request = harness.server.request(close.clone(), OFFICER);
    let status = harness
        .client
        .clone()
        .set_account_status(request)
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    let fields: Vec<String> = status
        .get_details_bad_request()
        .unwrap()
        .field_violations
        .into_iter()
        .map(|violation| violation.field)
        .collect();
    assert_eq!(fields, ["reason"]);
    let request = harness.server.request(close, TRADER);
    let status = harness
        .client
        .clone()
        .set_account_status(request)
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied);
    let request = harness.server.request(
        GetAccountStatusRequest {
            account: "erin".into(),
        },
        TRADER,
    );
    let status = harness
        .client
        .clone()
        .get_account_status(request)
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied);
    let unspecified = SetAccountStatusRequest {
        account: String::new(),
        status: AccountStatus::Unspecified as i32,
        reason: String::new(),
    };
    let request = harness.server.request(unspecified, OFFICER);
    let status = harness
        .client
        .clone()
        .set_account_status(request)
        .await
        .unwrap_err();
    let fields: Vec<String> = status
        .get_details_bad_request()
        .unwrap()
        .field_violations
        .into_iter()
        .map(|violation| violation.field)
        .collect();
    assert_eq!(fields, ["account", "status"]);
}

#[tokio::test]
async fn bad_intents_are_refused_naming_the_field() {
    let harness = Harness::start().await;
    let bad = OrderIntent {
        symbol: "BTCUSDT".into(),
        side: Side::Unspecified as i32,
        ..intent("", "BTC-USDT", Side::Buy, "-1", "abc")
    };
    let request = harness
        .server
        .request(CheckOrderRequest { order: Some(bad) }, TRADER);
    let status = harness
        .client
        .clone()
        .check_order(request)
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    let mut fields: Vec<String> = status
        .get_details_bad_request()
        .unwrap()
        .field_violations
        .into_iter()
        .map(|violation| violation.field)
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
    let request = harness
        .server
        .request(CheckOrderRequest { order: None }, TRADER);
    let status = harness
        .client
        .clone()
        .check_order(request)
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert!(status.message().contains("order"), "{}", status.message());
}
