//! The surveillance report from stored events, views that survive a restart, and events
//! that arrive twice.
use compliance_checker::now_ms;
use quorum_domain::{OrderEventKind, Side as DomainSide};
use quorum_proto::common::v1::TimeRange;
use quorum_proto::market::v1::Side;
use quorum_proto::security::v1::{FindingKind, GetSurveillanceReportRequest, RuleKind};
use tonic::Code;

use crate::harness::{
    Harness, OFFICER, PATIENCE, TRADER, event, eventually, failed, fill, intent, order,
};
use crate::spoofing::{TIGHT_SPOOFING, place_and_cancel};

#[tokio::test]
async fn the_report_finds_wash_trades_and_spoofing_with_their_orders() {
    let harness = Harness::start().await;
    harness
        .put_rule("spoofing", RuleKind::Spoofing, TIGHT_SPOOFING)
        .await;
    let base = now_ms();
    let from = base - 60_000;
    // alice buys and sells BTC-USDT 500 ms apart: a wash trade.
    for (id, side, age) in [
        ("w-buy", DomainSide::Buy, 3_000),
        ("w-sell", DomainSide::Sell, 2_500),
    ] {
        let placed = order(id, "alice", "BTC-USDT", side, 1, 100, age);
        harness
            .publish_event(&event(
                OrderEventKind::Placed,
                &placed,
                placed.created_at_ms,
            ))
            .await;
        harness
            .publish_event(&event(
                OrderEventKind::Filled,
                &placed,
                placed.created_at_ms,
            ))
            .await;
        let mut made = fill(&format!("{id}-fill"), id, "alice", "BTC-USDT", side, age);
        made.filled_at_ms = base - age;
        harness.publish_fill(&made).await;
    }
    // bob only buys: nothing to find.
    harness
        .publish_fill(&fill(
            "b-fill",
            "b-buy",
            "bob",
            "BTC-USDT",
            DomainSide::Buy,
            2_000,
        ))
        .await;
    // mallory cancels three large orders fast (more than the 2 allowed).
    for (id, age) in [("s-1", 9_000), ("s-2", 8_000), ("s-3", 7_000)] {
        place_and_cancel(&harness, id, "mallory", 10, age, 100).await;
    }
    let to = now_ms() + 1;
    let report = eventually("the report to hold both findings", PATIENCE, || async {
        let report = harness.report(from, to, "").await;
        (report.findings.len() == 2 && report.fills_examined == 3).then_some(report)
    })
    .await;
    assert_eq!(report.orders_examined, 5);
    let spoofing = &report.findings[0];
    assert_eq!(spoofing.kind, FindingKind::Spoofing as i32);
    assert_eq!(
        (spoofing.account.as_str(), spoofing.symbol.as_str()),
        ("mallory", "BTC-USDT")
    );
    assert_eq!(spoofing.order_ids, ["s-1", "s-2", "s-3"]);
    assert!(
        spoofing.description.contains("spoofing@2"),
        "{}",
        spoofing.description
    );
    let wash = &report.findings[1];
    assert_eq!(wash.kind, FindingKind::WashTrade as i32);
    assert_eq!(
        (wash.account.as_str(), wash.symbol.as_str()),
        ("alice", "BTC-USDT")
    );
    assert_eq!(wash.order_ids, ["w-buy", "w-sell"]);
    assert!(
        wash.description.contains("500 ms apart"),
        "{}",
        wash.description
    );
    assert!(wash.at_unix_ms > spoofing.at_unix_ms);

    let bob = harness.report(from, to, "bob").await;
    assert!(bob.findings.is_empty());
    assert_eq!((bob.fills_examined, bob.orders_examined), (1, 0));
    let before = harness.report(from - 60_000, from, "").await;
    assert_eq!(
        (
            before.findings.len(),
            before.fills_examined,
            before.orders_examined
        ),
        (0, 0, 0)
    );
}

#[tokio::test]
async fn bad_report_requests_are_refused() {
    let harness = Harness::start().await;
    let ask = |range: Option<TimeRange>, roles: &[&str]| {
        let request = harness.server.request(
            GetSurveillanceReportRequest {
                range,
                account: String::new(),
            },
            roles,
        );
        let mut client = harness.client.clone();
        async move { client.get_surveillance_report(request).await }
    };
    let backwards = TimeRange {
        from_unix_ms: 2_000,
        to_unix_ms: 1_000,
    };
    let status = ask(Some(backwards), OFFICER).await.unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert!(
        status.message().contains("range.from_unix_ms"),
        "{}",
        status.message()
    );
    let status = ask(None, OFFICER).await.unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    let too_long = TimeRange {
        from_unix_ms: 0,
        to_unix_ms: 32 * 86_400_000,
    };
    assert_eq!(
        ask(Some(too_long), OFFICER).await.unwrap_err().code(),
        Code::InvalidArgument
    );
    let fine = TimeRange {
        from_unix_ms: 1_000,
        to_unix_ms: 2_000,
    };
    assert_eq!(
        ask(Some(fine), TRADER).await.unwrap_err().code(),
        Code::PermissionDenied
    );
    assert!(
        ask(Some(fine), &["auditor"])
            .await
            .unwrap()
            .into_inner()
            .findings
            .is_empty()
    );
}

#[tokio::test]
async fn a_restart_rebuilds_the_views_from_stored_history() {
    let harness = Harness::start().await;
    harness
        .put_rule("spoofing", RuleKind::Spoofing, TIGHT_SPOOFING)
        .await;
    let ask = order(
        "ask-1",
        "alice",
        "BTC-USDT",
        DomainSide::Sell,
        1,
        100,
        1_000,
    );
    harness
        .publish_event(&event(OrderEventKind::Placed, &ask, ask.created_at_ms))
        .await;
    harness
        .publish_fill(&fill(
            "f-1",
            "bid-1",
            "alice",
            "ETH-USDT",
            DomainSide::Buy,
            1_000,
        ))
        .await;
    for (id, age) in [("s-1", 9_000), ("s-2", 8_000), ("s-3", 7_000)] {
        place_and_cancel(&harness, id, "mallory", 10, age, 100).await;
    }
    let crossing = intent("alice", "BTC-USDT", Side::Buy, "1", "100");
    let reversal = intent("alice", "ETH-USDT", Side::Sell, "1", "100");
    let spoof = intent("mallory", "BTC-USDT", Side::Buy, "1", "100");
    harness
        .check_until("the ask", crossing.clone(), |answer| !answer.passed)
        .await;
    harness
        .check_until("the fill", reversal.clone(), |answer| !answer.passed)
        .await;
    harness
        .check_until("the cancels", spoof.clone(), |answer| !answer.passed)
        .await;

    let harness = harness.restart().await;
    // At once: the events were acknowledged before the restart, so only the rebuild
    // from Postgres can know them.
    assert_eq!(failed(&harness.check(crossing).await), ["wash-trade@1"]);
    assert_eq!(failed(&harness.check(reversal).await), ["wash-trade@1"]);
    assert_eq!(failed(&harness.check(spoof).await), ["spoofing@2"]);
    assert!(
        harness
            .check(intent("bob", "BTC-USDT", Side::Buy, "1", "100"))
            .await
            .passed
    );
}

#[tokio::test]
async fn repeated_and_late_events_change_nothing() {
    let harness = Harness::start().await;
    harness
        .put_rule(
            "spoofing",
            RuleKind::Spoofing,
            &[
                ("min_notional", "1000"),
                ("cancel_within_ms", "1000"),
                ("max_fast_cancels", "1"),
                ("window_ms", "600000"),
            ],
        )
        .await;
    harness
        .put_rule(
            "account-limits",
            RuleKind::AccountLimits,
            &[
                ("max_order_quantity", "100"),
                ("max_order_notional", "100000"),
                ("max_orders_per_day", "3"),
            ],
        )
        .await;
    let from = now_ms() - 60_000;
    let spoofed = order(
        "dup-1",
        "alice",
        "BTC-USDT",
        DomainSide::Sell,
        10,
        100,
        2_000,
    );
    let placed = event(OrderEventKind::Placed, &spoofed, spoofed.created_at_ms);
    let cancelled = event(
        OrderEventKind::Cancelled,
        &spoofed,
        spoofed.created_at_ms + 100,
    );
    // Each event twice, and the placement once more after the cancel (a redelivery).
    for repeated in [&placed, &placed, &cancelled, &cancelled, &placed] {
        harness.publish_event(repeated).await;
    }
    let dup_fill = fill(
        "dup-fill",
        "other-order",
        "alice",
        "ETH-USDT",
        DomainSide::Buy,
        1_000,
    );
    harness.publish_fill(&dup_fill).await;
    harness.publish_fill(&dup_fill).await;
    harness.sync_orders("alice", "marker-1").await;

    // One fast cancel, not two (max 1 allowed); the cancelled order does not rest again.
    let crossing = harness
        .check(intent("alice", "BTC-USDT", Side::Buy, "1", "100"))
        .await;
    assert!(crossing.passed, "{:?}", crossing.violations);
    // dup-1 and the marker were placed: 2 of 3 today, whatever the repeats.
    let third = harness
        .check(intent("alice", "XRP-USDT", Side::Buy, "1", "1"))
        .await;
    assert!(third.passed, "{:?}", third.violations);
    let report = eventually("the fill to be stored", PATIENCE, || async {
        let report = harness.report(from, now_ms() + 1, "alice").await;
        (report.fills_examined > 0).then_some(report)
    })
    .await;
    assert_eq!((report.fills_examined, report.orders_examined), (1, 2));
    assert!(report.findings.is_empty(), "{:?}", report.findings);

    let ordered = harness
        .check(intent("alice", "ETH-USDT", Side::Sell, "1", "1"))
        .await;
    assert_eq!(failed(&ordered), ["wash-trade@1"]);
    assert_eq!(
        ordered.violations[0]
            .message
            .matches("1 BUY fill(s)")
            .count(),
        1
    );
}
