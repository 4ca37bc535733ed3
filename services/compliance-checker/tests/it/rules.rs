//! Rules: seeded defaults, versions, validation by parameter name, roles and audit.
use quorum_proto::market::v1::Side;
use quorum_proto::security::v1::{ListRulesRequest, PutRuleRequest, Rule, RuleKind};
use tonic::Code;
use tonic_types::StatusExt;

use crate::harness::{Harness, OFFICER, TRADER, failed, intent, rule};

async fn list(harness: &Harness, all_versions: bool) -> Vec<Rule> {
    let request = harness
        .server
        .request(ListRulesRequest { all_versions }, TRADER);
    harness
        .client
        .clone()
        .list_rules(request)
        .await
        .unwrap()
        .into_inner()
        .rules
}

/// The field violations of a PutRule that must fail with INVALID_ARGUMENT.
async fn refused_fields(harness: &Harness, rule: Rule) -> Vec<String> {
    let request = harness
        .server
        .request(PutRuleRequest { rule: Some(rule) }, OFFICER);
    let status = harness.client.clone().put_rule(request).await.unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
    status
        .get_details_bad_request()
        .unwrap()
        .field_violations
        .into_iter()
        .map(|violation| violation.field)
        .collect()
}

#[tokio::test]
async fn default_rules_are_seeded_as_version_one() {
    let harness = Harness::start().await;
    let rules = list(&harness, false).await;
    let summary: Vec<(String, u32, i32)> = rules
        .iter()
        .map(|r| (r.id.clone(), r.version, r.kind))
        .collect();
    assert_eq!(
        summary,
        [
            (
                "account-limits".to_string(),
                1,
                RuleKind::AccountLimits as i32
            ),
            (
                "account-status".to_string(),
                1,
                RuleKind::AccountStatus as i32
            ),
            (
                "restricted-symbols".to_string(),
                1,
                RuleKind::RestrictedSymbols as i32
            ),
            ("spoofing".to_string(), 1, RuleKind::Spoofing as i32),
            ("wash-trade".to_string(), 1, RuleKind::WashTrade as i32),
        ]
    );
    assert!(
        rules
            .iter()
            .all(|rule| rule.enabled && rule.changed_by == "system")
    );
    assert_eq!(rules[2].parameters["symbols"], "");
    assert_eq!(rules[4].parameters["window_ms"], "60000");
    let answer = harness
        .check(intent("alice", "BTC-USDT", Side::Buy, "1", "100"))
        .await;
    assert!(answer.passed, "{:?}", answer.violations);
    assert_eq!(
        answer.evaluated,
        [
            "account-limits@1",
            "account-status@1",
            "restricted-symbols@1",
            "spoofing@1",
            "wash-trade@1",
        ]
    );
    assert!(!answer.check_id.is_empty());
}

#[tokio::test]
async fn a_second_put_is_version_two_which_checks_use_and_version_one_stays_listed() {
    let harness = Harness::start().await;
    let first = harness
        .put_rule(
            "meme-coins",
            RuleKind::RestrictedSymbols,
            &[("symbols", "shib-usdt")],
        )
        .await;
    assert_eq!(
        (first.version, first.parameters["symbols"].as_str()),
        (1, "SHIB-USDT")
    );
    assert_eq!(first.changed_by, "test-user");
    let second = harness
        .put_rule(
            "meme-coins",
            RuleKind::RestrictedSymbols,
            &[("symbols", "DOGE-USDT")],
        )
        .await;
    assert_eq!(second.version, 2);

    let doge = harness
        .check(intent("alice", "DOGE-USDT", Side::Buy, "1", "0.1"))
        .await;
    assert_eq!(failed(&doge), ["meme-coins@2"]);
    assert!(doge.evaluated.contains(&"meme-coins@2".to_string()));
    let shib = harness
        .check(intent("alice", "SHIB-USDT", Side::Buy, "1", "0.1"))
        .await;
    assert!(
        shib.passed,
        "version 1 no longer applies: {:?}",
        shib.violations
    );

    let newest: Vec<(String, u32)> = list(&harness, false)
        .await
        .into_iter()
        .filter(|rule| rule.id == "meme-coins")
        .map(|rule| (rule.parameters["symbols"].clone(), rule.version))
        .collect();
    assert_eq!(newest, [("DOGE-USDT".to_string(), 2)]);
    let every: Vec<(String, u32)> = list(&harness, true)
        .await
        .into_iter()
        .filter(|rule| rule.id == "meme-coins")
        .map(|rule| (rule.parameters["symbols"].clone(), rule.version))
        .collect();
    assert_eq!(
        every,
        [("SHIB-USDT".to_string(), 1), ("DOGE-USDT".to_string(), 2)]
    );
    harness
        .wait_for_audit("compliance.put_rule", "success", "rule:meme-coins")
        .await;
}

#[tokio::test]
async fn bad_rules_are_refused_naming_the_parameter() {
    let harness = Harness::start().await;
    let unknown_kind = Rule {
        kind: 42,
        ..rule("odd", RuleKind::Unspecified, &[])
    };
    assert_eq!(refused_fields(&harness, unknown_kind).await, ["rule.kind"]);
    assert_eq!(
        refused_fields(&harness, rule("odd", RuleKind::Unspecified, &[])).await,
        ["rule.kind"]
    );
    let missing = rule(
        "limits-2",
        RuleKind::AccountLimits,
        &[("max_order_quantity", "1"), ("max_order_notional", "10")],
    );
    assert_eq!(
        refused_fields(&harness, missing).await,
        ["rule.parameters.max_orders_per_day"]
    );
    let invalid = rule("wash-2", RuleKind::WashTrade, &[("window_ms", "-5")]);
    assert_eq!(
        refused_fields(&harness, invalid).await,
        ["rule.parameters.window_ms"]
    );
    let unknown = rule("status-2", RuleKind::AccountStatus, &[("grace_ms", "5")]);
    assert_eq!(
        refused_fields(&harness, unknown).await,
        ["rule.parameters.grace_ms"]
    );
    let bad_id = rule("Bad Id", RuleKind::AccountStatus, &[]);
    assert_eq!(refused_fields(&harness, bad_id).await, ["rule.id"]);
    let new_kind = rule("wash-trade", RuleKind::AccountStatus, &[]);
    assert_eq!(refused_fields(&harness, new_kind).await, ["rule.kind"]);

    // Asking for a version other than the next is a conflict.
    let stale = Rule {
        version: 1,
        ..rule("wash-trade", RuleKind::WashTrade, &[("window_ms", "1000")])
    };
    let request = harness
        .server
        .request(PutRuleRequest { rule: Some(stale) }, OFFICER);
    let status = harness.client.clone().put_rule(request).await.unwrap_err();
    assert_eq!(status.code(), Code::FailedPrecondition);
    assert!(
        status.message().contains("next version is 2"),
        "{}",
        status.message()
    );
    let all = list(&harness, true).await;
    assert_eq!(all.len(), 5, "nothing refused was written: {all:?}");
}

#[tokio::test]
async fn put_rule_needs_the_compliance_officer_role() {
    let harness = Harness::start().await;
    let wanted = rule(
        "restricted-symbols",
        RuleKind::RestrictedSymbols,
        &[("symbols", "XRP-USDT")],
    );
    let request = harness.server.request(
        PutRuleRequest {
            rule: Some(wanted.clone()),
        },
        TRADER,
    );
    let status = harness.client.clone().put_rule(request).await.unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied);
    let status = harness
        .client
        .clone()
        .put_rule(PutRuleRequest {
            rule: Some(wanted.clone()),
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated);
    assert_eq!(list(&harness, true).await.len(), 5);

    let request = harness
        .server
        .request(PutRuleRequest { rule: Some(wanted) }, &["admin"]);
    let written = harness
        .client
        .clone()
        .put_rule(request)
        .await
        .unwrap()
        .into_inner()
        .rule
        .unwrap();
    assert_eq!(written.version, 2);
}
