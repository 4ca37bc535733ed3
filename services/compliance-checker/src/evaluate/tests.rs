//! Each rule denies what it should, names itself, and lets its neighbours pass.
use std::collections::BTreeSet;

use super::*;
use crate::views::{DAY_MS, OrderState, RecentFill};

const NOW: i64 = 1_700_000_000_000;

fn rule(id: &str, version: u32, spec: Spec) -> Rule {
    Rule {
        id: id.into(),
        version,
        enabled: true,
        spec,
        description: String::new(),
        changed_by: "test".into(),
        changed_at_ms: 0,
    }
}

fn intent(side: Side, quantity: i64, price: i64) -> Intent {
    Intent {
        account: "alice".into(),
        venue: Venue::Binance,
        symbol: "BTC-USDT".parse().unwrap(),
        side,
        quantity: Decimal::from(quantity),
        price: Decimal::from(price),
        notional: Decimal::from(quantity * price),
        client_order_id: "c-1".into(),
        origin: "test".into(),
    }
}

fn active() -> Standing {
    Standing::default_active()
}

fn check(intent: &Intent, rules: &[Rule], views: &Views) -> Evaluation {
    evaluate(intent, rules, views, &active(), NOW)
}

fn resting(
    order_id: &str,
    side: Side,
    price: i64,
    status: &str,
    placed_at_ms: i64,
    closed_at_ms: Option<i64>,
) -> OrderState {
    OrderState {
        venue: Venue::Binance,
        order_id: order_id.into(),
        account: "alice".into(),
        symbol: "BTC-USDT".parse().unwrap(),
        side,
        price: Some(Decimal::from(price)),
        quantity: Decimal::from(10),
        filled_quantity: Decimal::ZERO,
        status: status.into(),
        placed_at_ms,
        closed_at_ms,
    }
}

#[test]
fn disabled_rules_are_not_evaluated_and_enabled_ones_are_listed() {
    let mut off = rule(
        "restricted-symbols",
        3,
        Spec::RestrictedSymbols {
            symbols: BTreeSet::from(["BTC-USDT".parse().unwrap()]),
        },
    );
    off.enabled = false;
    let on = rule("wash-trade", 1, Spec::WashTrade { window_ms: 1000 });
    let evaluation = check(&intent(Side::Buy, 1, 100), &[off, on], &Views::new());
    assert!(evaluation.passed());
    assert_eq!(evaluation.evaluated, ["wash-trade@1"]);
}

#[test]
fn restricted_symbols_deny_only_listed_symbols() {
    let rules = [rule(
        "restricted-symbols",
        2,
        Spec::RestrictedSymbols {
            symbols: BTreeSet::from(["BTC-USDT".parse().unwrap()]),
        },
    )];
    let denied = check(&intent(Side::Buy, 1, 100), &rules, &Views::new());
    assert_eq!(denied.violations.len(), 1);
    assert_eq!(denied.violations[0].rule_id, "restricted-symbols");
    assert_eq!(denied.violations[0].rule_version, 2);
    assert_eq!(denied.violations[0].kind, Kind::RestrictedSymbols);
    let mut other = intent(Side::Buy, 1, 100);
    other.symbol = "ETH-USDT".parse().unwrap();
    assert!(check(&other, &rules, &Views::new()).passed());
}

#[test]
fn account_limits_deny_at_the_limit_with_the_numbers() {
    let rules = [rule(
        "account-limits",
        1,
        Spec::AccountLimits(AccountLimits {
            max_order_quantity: Decimal::from(5),
            max_order_notional: Decimal::from(500),
            max_orders_per_day: 2,
        }),
    )];
    let mut views = Views::new();
    assert!(check(&intent(Side::Buy, 5, 100), &rules, &views).passed());
    let too_big = check(&intent(Side::Buy, 6, 100), &rules, &views);
    let messages: Vec<&str> = too_big
        .violations
        .iter()
        .map(|v| v.message.as_str())
        .collect();
    assert_eq!(
        messages,
        [
            "quantity 6 exceeds max_order_quantity 5",
            "notional 600 (6 x 100) exceeds max_order_notional 500",
        ]
    );
    views.apply_placement("alice", Venue::Binance, "o-1", NOW - 10);
    assert!(check(&intent(Side::Buy, 1, 100), &rules, &views).passed());
    views.apply_placement("alice", Venue::Okx, "o-2", NOW - 5);
    // Yesterday's orders do not count today.
    views.apply_placement("bob", Venue::Okx, "o-3", NOW - DAY_MS);
    let full = check(&intent(Side::Buy, 1, 100), &rules, &views);
    assert_eq!(full.violations.len(), 1);
    assert!(
        full.violations[0].message.contains("placed 2 orders today"),
        "{:?}",
        full.violations
    );
}

#[test]
fn wash_trade_denies_crossing_own_resting_orders_and_reversing_recent_fills() {
    let rules = [rule("wash-trade", 4, Spec::WashTrade { window_ms: 60_000 })];
    let mut views = Views::new();
    views.apply_order(&resting(
        "ask-1",
        Side::Sell,
        101,
        "placed",
        NOW - 1_000,
        None,
    ));
    assert!(
        check(&intent(Side::Buy, 1, 100), &rules, &views).passed(),
        "a bid below the ask does not cross"
    );
    let crossing = check(&intent(Side::Buy, 1, 101), &rules, &views);
    assert_eq!(crossing.violations.len(), 1);
    assert_eq!(crossing.violations[0].rule_version, 4);
    assert!(
        crossing.violations[0].message.contains("ask-1 at 101"),
        "{:?}",
        crossing.violations
    );
    let mut elsewhere = intent(Side::Buy, 1, 105);
    elsewhere.venue = Venue::Okx;
    assert!(
        check(&elsewhere, &rules, &views).passed(),
        "another venue's book"
    );
    assert!(
        check(&intent(Side::Sell, 1, 90), &rules, &views).passed(),
        "same side never crosses"
    );

    views.apply_fill(RecentFill {
        venue: Venue::Okx,
        fill_id: "f-1".into(),
        order_id: "bid-9".into(),
        account: "alice".into(),
        symbol: "BTC-USDT".parse().unwrap(),
        side: Side::Buy,
        price: Decimal::from(99),
        quantity: Decimal::ONE,
        filled_at_ms: NOW - 59_000,
    });
    let reversal = check(&intent(Side::Sell, 1, 120), &rules, &views);
    assert_eq!(reversal.violations.len(), 1);
    assert!(
        reversal.violations[0]
            .message
            .contains("f-1 of order bid-9"),
        "{:?}",
        reversal.violations
    );
    assert!(reversal.violations[0].message.contains("59000 ms ago"));
    let later = evaluate(
        &intent(Side::Sell, 1, 120),
        &rules,
        &views,
        &active(),
        NOW + 1_001,
    );
    assert!(later.passed(), "the fill left the window");
}

#[test]
fn spoofing_denies_more_fast_large_cancels_than_allowed() {
    let rules = [rule(
        "spoofing",
        1,
        Spec::Spoofing(SpoofingLimits {
            min_notional: Decimal::from(1_000),
            cancel_within_ms: 500,
            max_fast_cancels: 2,
            window_ms: 60_000,
        }),
    )];
    let mut views = Views::new();
    // 10 x 100 = 1000 notional, cancelled 400 ms after placement: fast and large.
    for index in 0..2 {
        let at = NOW - 10_000 + index;
        views.apply_order(&resting(
            &format!("s-{index}"),
            Side::Buy,
            100,
            "cancelled",
            at - 400,
            Some(at),
        ));
    }
    // Slow, small, and old cancels do not count.
    views.apply_order(&resting(
        "slow",
        Side::Buy,
        100,
        "cancelled",
        NOW - 5_000,
        Some(NOW - 4_000),
    ));
    views.apply_order(&resting(
        "small",
        Side::Buy,
        99,
        "cancelled",
        NOW - 300,
        Some(NOW - 200),
    ));
    views.apply_order(&resting(
        "old",
        Side::Buy,
        100,
        "cancelled",
        NOW - 70_400,
        Some(NOW - 70_000),
    ));
    assert!(check(&intent(Side::Buy, 1, 100), &rules, &views).passed());
    views.apply_order(&resting(
        "s-2",
        Side::Sell,
        100,
        "cancelled",
        NOW - 1_500,
        Some(NOW - 1_000),
    ));
    let denied = check(&intent(Side::Buy, 1, 100), &rules, &views);
    assert_eq!(denied.violations.len(), 1);
    assert!(
        denied.violations[0]
            .message
            .contains("cancelled 3 large orders"),
        "{:?}",
        denied.violations
    );
    assert!(denied.violations[0].message.contains("s-0, s-1, s-2"));
}

#[test]
fn account_status_denies_all_but_active() {
    let rules = [rule("account-status", 1, Spec::AccountStatus)];
    let order = intent(Side::Buy, 1, 100);
    assert!(check(&order, &rules, &Views::new()).passed());
    let suspended = Standing {
        status: AccountStatus::Suspended,
        reason: "KYC review".into(),
    };
    let denied = evaluate(&order, &rules, &Views::new(), &suspended, NOW);
    assert_eq!(
        denied.violations[0].message,
        "account alice is SUSPENDED: KYC review"
    );
}
