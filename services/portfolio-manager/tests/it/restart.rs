//! A new instance on the same database rebuilds the same ledger from the journal, and a
//! fill delivered again after the restart still counts once.
use quorum_domain::{Side, Venue};

use crate::harness::{Harness, PATIENCE, T0, balance, eventually, fill, number};

#[tokio::test]
async fn a_restarted_service_serves_the_same_portfolio() {
    let harness = Harness::start().await;
    harness.price_feed.quote("BTC-USDT", Some("41000"), T0 + 1);
    harness.price_feed.quote("ETH-USDT", Some("2100"), T0 + 2);
    harness
        .transfer("open", "alice", Venue::Binance, "USDT", "50000")
        .await;
    harness
        .transfer("btc", "alice", Venue::Binance, "BTC", "0.5")
        .await;
    harness
        .publish(&fill("1", "BTC-USDT", Side::Buy, "1", "40000", "40"))
        .await;
    harness
        .publish(&fill("2", "BTC-USDT", Side::Sell, "1.7", "42000", "71.4"))
        .await;
    let mut eth = fill("3", "ETH-USDT", Side::Buy, "3", "2000", "6");
    eth.venue = Venue::Okx;
    harness.apply_fill(&eth).await.unwrap();
    let before = eventually("three fills, marked", PATIENCE, || async {
        let portfolio = harness.portfolio("alice").await.ok()?;
        let marked = portfolio
            .positions
            .iter()
            .all(|position| position.mark_price.is_some());
        (portfolio.fills == 3 && marked && portfolio.equity.is_some()).then_some(portfolio)
    })
    .await;
    assert_eq!(balance(&before, "BTC"), Some(number("-0.2")));

    let harness = harness.restart().await;
    let after = eventually("the same portfolio after the restart", PATIENCE, || async {
        let portfolio = harness.portfolio("alice").await.ok()?;
        (portfolio == before).then_some(portfolio)
    })
    .await;
    assert_eq!(after.positions.len(), 2);

    // Delivered again after the restart: still once. The next fill shows it was handled.
    harness
        .publish(&fill("1", "BTC-USDT", Side::Buy, "1", "40000", "40"))
        .await;
    assert!(!harness.apply_fill(&eth).await.unwrap());
    harness
        .publish(&fill("4", "BTC-USDT", Side::Buy, "0.2", "41000", "8.2"))
        .await;
    let later = harness.portfolio_after("alice", 4).await;
    assert_eq!(balance(&later, "BTC"), Some(number("0")));
}
