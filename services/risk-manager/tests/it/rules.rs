//! One test per rule over real gRPC: just under the limit passes every rule, just over
//! fails that rule alone, named with its limit and the value the order would reach.
//! The standard account is long 1 BTC-USDT worth 100, gross 10000, net 6000, equity
//! 20000 (also at the start of the day), mark 100.
use quorum_proto::market::v1::Side;
use quorum_proto::trading::v1 as pb;

use crate::fakes::decimal;
use crate::harness::*;

async fn with_limits(change: impl FnOnce(&mut pb::Limits)) -> Harness {
    let harness = Harness::start().await;
    let mut limits = roomy_limits();
    change(&mut limits);
    harness.set_limits(limits).await.unwrap();
    harness
}

#[tokio::test]
async fn max_order_notional() {
    let harness = with_limits(|_| {}).await;
    // 99.99 x 100 = 9999 of 10000.
    assert_approved(&harness.checked(buy("99.99")).await);
    let denied = harness.checked(buy("100.01")).await;
    assert_denied_by(&denied, "max_order_notional", "10000", "10001");
    assert!(denied.rules[0].message.contains("over"), "{denied:#?}");
    assert!(!denied.check_id.is_empty());
}

#[tokio::test]
async fn max_position_notional() {
    let harness = with_limits(|limits| limits.max_order_notional = decimal("1000000")).await;
    // Long 1, buying 198.99 makes 199.99 x 100 = 19999 of 20000.
    assert_approved(&harness.checked(buy("198.99")).await);
    let denied = harness.checked(buy("199.01")).await;
    assert_denied_by(&denied, "max_position_notional", "20000", "20001");
}

#[tokio::test]
async fn max_gross_exposure() {
    let harness = with_limits(|limits| limits.max_gross_exposure = decimal("10500")).await;
    // 10000 - 100 + 5.99 x 100 = 10499.
    assert_approved(&harness.checked(buy("4.99")).await);
    let denied = harness.checked(buy("5.01")).await;
    assert_denied_by(&denied, "max_gross_exposure", "10500", "10501");
}

#[tokio::test]
async fn max_net_exposure() {
    let harness = with_limits(|limits| limits.max_net_exposure = decimal("6500")).await;
    // 6000 - 100 + 5.99 x 100 = 6499.
    assert_approved(&harness.checked(buy("4.99")).await);
    let denied = harness.checked(buy("5.01")).await;
    assert_denied_by(&denied, "max_net_exposure", "6500", "6501");
}

#[tokio::test]
async fn max_leverage() {
    let harness = with_limits(|limits| limits.max_leverage = decimal("0.525")).await;
    // 10499 / 20000 = 0.52495.
    let approved = harness.checked(buy("4.99")).await;
    assert_approved(&approved);
    assert_eq!(rule(&approved, "max_leverage").actual, "0.52495");
    let denied = harness.checked(buy("5.01")).await;
    assert_denied_by(&denied, "max_leverage", "0.525", "0.52505");
}

#[tokio::test]
async fn max_daily_loss() {
    let harness = with_limits(|_| {}).await;
    // The day started at 20000: 19000.01 is a loss of 999.99 of 1000.
    harness.set_equity(ACCOUNT, "19000.01");
    assert_approved(&harness.checked(buy("1")).await);
    harness.set_equity(ACCOUNT, "18999.99");
    let denied = harness.checked(buy("1")).await;
    assert_denied_by(&denied, "max_daily_loss", "1000", "1000.01");
    // Over the loss limit, an order that only shrinks the position still passes.
    assert_approved(&harness.checked(sell("0.5")).await);
}

#[tokio::test]
async fn max_daily_loss_falls_back_to_the_first_equity_seen_today() {
    let harness = with_limits(|_| {}).await;
    harness.fakes.edit(|script| {
        script.day_start_equity.clear();
    });
    // Without portfolio-manager's history, the first check of the day records 20000.
    assert_approved(&harness.checked(buy("1")).await);
    harness.set_equity(ACCOUNT, "18999.99");
    let denied = harness.checked(buy("1")).await;
    assert_denied_by(&denied, "max_daily_loss", "1000", "1000.01");
}

#[tokio::test]
async fn max_orders_per_minute() {
    let harness = with_limits(|limits| limits.max_orders_per_minute = 3).await;
    for count in 1..=3 {
        let approved = harness.checked(buy("1")).await;
        assert_approved(&approved);
        assert_eq!(
            rule(&approved, "max_orders_per_minute").actual,
            count.to_string()
        );
    }
    let denied = harness.checked(buy("1")).await;
    assert_denied_by(&denied, "max_orders_per_minute", "3", "4");
    // Counted per account: another account starts at one.
    let mut other = buy("1");
    other.account = "bob".into();
    let answer = harness.checked(other).await;
    assert_eq!(rule(&answer, "max_orders_per_minute").actual, "1");
}

#[tokio::test]
async fn price_band() {
    let harness = with_limits(|_| {}).await;
    // 100.99 is 99 bps above the mark 100; 101.01 is 101.
    assert_approved(&harness.checked(order(Side::Buy, "1", "100.99")).await);
    let denied = harness.checked(order(Side::Buy, "1", "101.01")).await;
    assert_denied_by(&denied, "price_band", "100", "101");
    let below = harness.checked(order(Side::Sell, "0.5", "98.99")).await;
    assert_denied_by(&below, "price_band", "100", "101");
}

#[tokio::test]
async fn price_band_fails_closed_without_a_fresh_mark() {
    let harness = with_limits(|_| {}).await;
    harness.fakes.edit(|script| {
        let quote = script.quotes.get_mut(SYMBOL).unwrap();
        quote.updated_unix_ms -= 60_000;
    });
    let stale = harness.checked(buy("1")).await;
    assert_denied_by(&stale, "price_band", "100", "no mark");
    assert!(stale.rules[0].message.contains("ms old"), "{stale:#?}");

    harness.fakes.edit(|script| {
        script.quotes.clear();
    });
    let missing = harness.checked(buy("1")).await;
    assert_denied_by(&missing, "price_band", "100", "no mark");
    assert!(
        missing.rules[0].message.contains("no quote of BTC-USDT"),
        "{missing:#?}"
    );
}

#[tokio::test]
async fn an_account_without_limits_of_its_own_gets_the_defaults() {
    let harness = Harness::start_with(|config| {
        config.defaults.max_order_notional = "500".parse().unwrap();
    })
    .await;
    let limits = harness.get_limits(ACCOUNT).await.unwrap();
    assert_eq!(limits.max_order_notional.unwrap().value, "500");
    assert_approved(&harness.checked(buy("5")).await);
    let denied = harness.checked(buy("5.01")).await;
    assert_denied_by(&denied, "max_order_notional", "500", "501");
}
