//! Fills from the bus and from ApplyFill: exact positions and cash, each fill once.
use quorum_domain::{Side, Venue};
use sqlx::PgPool;

use crate::harness::{Harness, balance, fill, number, value};

#[tokio::test]
async fn fills_from_the_bus_reach_positions_and_cash_exactly() {
    let harness = Harness::start().await;
    assert!(
        harness
            .transfer("open", "alice", Venue::Binance, "USDT", "100000")
            .await
    );
    harness
        .publish(&fill("1", "BTC-USDT", Side::Buy, "0.5", "40000", "20"))
        .await;
    harness
        .publish(&fill("2", "ETH-USDT", Side::Buy, "1.5", "2000", "3"))
        .await;
    harness
        .publish(&fill("3", "BTC-USDT", Side::Sell, "0.2", "41000", "8.2"))
        .await;

    let portfolio = harness.portfolio_after("alice", 3).await;
    // A buyer pays notional + fee, a seller receives notional - fee.
    let cash = number("100000") - number("20020") - number("3003") + number("8191.8");
    assert_eq!(balance(&portfolio, "USDT"), Some(cash));
    assert_eq!(balance(&portfolio, "BTC"), Some(number("0.3")));
    assert_eq!(balance(&portfolio, "ETH"), Some(number("1.5")));

    let btc = portfolio
        .positions
        .iter()
        .find(|p| p.symbol == "BTC-USDT")
        .unwrap();
    assert_eq!(value(&btc.quantity), number("0.3"));
    assert_eq!(value(&btc.average_cost), number("40000"));
    // 0.2 x (41000 - 40000), less both fees.
    assert_eq!(value(&btc.realized_pnl), number("171.8"));
    assert_eq!(value(&btc.fees), number("28.2"));
    assert_eq!(value(&portfolio.realized_pnl), number("168.8"));
    assert_eq!(value(&portfolio.fees), number("31.2"));
    // No marks yet: nothing is valued, nothing is zero-filled.
    assert!(btc.unrealized_pnl.is_none() && btc.mark_price.is_none());
    assert!(portfolio.unrealized_pnl.is_none() && portfolio.equity.is_none());
    assert_eq!(portfolio.account, "alice");
    assert_eq!(portfolio.fills, 3);
}

#[tokio::test]
async fn the_same_fill_twice_changes_nothing_from_the_bus_or_from_apply_fill() {
    let harness = Harness::start().await;
    harness
        .transfer("open", "alice", Venue::Binance, "USDT", "10000")
        .await;
    let first = fill("a", "BTC-USDT", Side::Buy, "0.1", "40000", "4");
    harness.publish(&first).await;
    harness.publish(&first).await;
    // Handled after both copies: when it counts, the duplicate was handled too.
    harness
        .publish(&fill("b", "BTC-USDT", Side::Buy, "0.1", "40000", "4"))
        .await;
    let after_bus = harness.portfolio_after("alice", 2).await;
    assert_eq!(balance(&after_bus, "BTC"), Some(number("0.2")));

    assert!(!harness.apply_fill(&first).await.unwrap());
    let third = fill("c", "BTC-USDT", Side::Sell, "0.05", "42000", "2.1");
    assert!(harness.apply_fill(&third).await.unwrap());
    assert!(!harness.apply_fill(&third).await.unwrap());
    // A fill applied through the RPC and then delivered by the bus counts once.
    harness.publish(&third).await;
    harness
        .publish(&fill("d", "BTC-USDT", Side::Buy, "0.05", "40000", "2"))
        .await;
    let portfolio = harness.portfolio_after("alice", 4).await;
    assert_eq!(balance(&portfolio, "BTC"), Some(number("0.2")));
    assert_eq!(
        balance(&portfolio, "USDT"),
        Some(number("10000") - number("8008") + number("2097.9") - number("2002"))
    );

    let pool = PgPool::connect(&harness.db.url).await.unwrap();
    let fills: i64 = sqlx::query_scalar("SELECT count(*) FROM portfolio_manager.fills")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(fills, 4);
    let entries: i64 = sqlx::query_scalar("SELECT count(*) FROM portfolio_manager.journal_entries")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(entries, 5);
    let unbalanced: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM (SELECT sequence, asset FROM portfolio_manager.postings \
         GROUP BY sequence, asset HAVING sum(amount) <> 0) AS entries",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(unbalanced, 0, "every stored entry sums to zero per asset");
}

#[tokio::test]
async fn transfers_are_applied_once_and_audited() {
    let harness = Harness::start().await;
    assert!(
        harness
            .transfer("t-1", "alice", Venue::Okx, "usdt", "500")
            .await
    );
    assert!(
        !harness
            .transfer("t-1", "alice", Venue::Okx, "USDT", "900")
            .await
    );
    assert!(
        harness
            .transfer("t-2", "alice", Venue::Okx, "USDT", "-120.5")
            .await
    );
    let portfolio = harness.portfolio("alice").await.unwrap();
    assert_eq!(balance(&portfolio, "USDT"), Some(number("379.5")));
    assert_eq!(value(&portfolio.equity), number("379.5"));

    let audited =
        crate::harness::eventually("two audit events", crate::harness::PATIENCE, || async {
            let length = harness
                .bus
                .len(quorum_bus::events::AUDIT_TOPIC)
                .await
                .ok()?;
            (length >= 2).then_some(length)
        })
        .await;
    assert_eq!(audited, 2);
}

#[tokio::test]
async fn realized_pnl_of_a_time_range_counts_the_fills_in_it() {
    let harness = Harness::start().await;
    harness
        .transfer("open", "alice", Venue::Binance, "USDT", "10000")
        .await;
    let at = |mut fill: quorum_domain::Fill, offset_ms: i64| {
        fill.filled_at_ms = crate::harness::T0 + offset_ms;
        fill
    };
    let fills = [
        at(fill("1", "BTC-USDT", Side::Buy, "0.2", "40000", "8"), 0),
        at(
            fill("2", "BTC-USDT", Side::Sell, "0.1", "41000", "4.1"),
            1000,
        ),
        at(
            fill("3", "BTC-USDT", Side::Sell, "0.1", "39000", "3.9"),
            2000,
        ),
    ];
    for fill in &fills {
        assert!(harness.apply_fill(fill).await.unwrap());
    }
    let pnl = |range| {
        let request = quorum_proto::trading::v1::GetPnlRequest {
            account: "alice".into(),
            venue: 0,
            range,
        };
        let mut client = harness.client.clone();
        let request = harness.server.request(request, &["viewer"]);
        async move { client.get_pnl(request).await.unwrap().into_inner() }
    };
    let everything = pnl(None).await;
    // +100 - 100, less three fees.
    assert_eq!(value(&everything.realized_pnl), number("-16"));
    assert_eq!(value(&everything.fees), number("16"));
    // A flat position needs no mark: its unrealized PnL is zero, so the total is known.
    assert_eq!(value(&everything.unrealized_pnl), number("0"));
    assert_eq!(value(&everything.total_pnl), number("-16"));
    let second = quorum_proto::common::v1::TimeRange {
        from_unix_ms: crate::harness::T0 + 1000,
        to_unix_ms: crate::harness::T0 + 2000,
    };
    let middle = pnl(Some(second)).await;
    assert_eq!(value(&middle.realized_pnl), number("95.9"));
    assert_eq!(value(&middle.fees), number("4.1"));
    assert_eq!(middle.positions.len(), 1);
}
