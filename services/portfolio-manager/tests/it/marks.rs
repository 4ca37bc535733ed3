//! Marks from price-feed: unrealized PnL, market value and equity at the mid, with the
//! mark's time; no mark leaves them unset; marks arrive once price-feed comes up.
use quorum_domain::{Side, Venue};
use quorum_proto::trading::v1::{GetPnlRequest, GetPositionsRequest, Portfolio};

use crate::harness::{Harness, PATIENCE, T0, eventually, fill, number, value};
use crate::peers::{FakePriceFeed, free_address};

/// Waits until the BTC-USDT position of `alice` is marked at `price`.
async fn marked_at(harness: &Harness, price: &str) -> Portfolio {
    eventually(&format!("a mark at {price}"), PATIENCE, || async {
        let portfolio = harness.portfolio("alice").await.ok()?;
        let position = portfolio.positions.first()?;
        (position.mark_price.as_ref()?.value == price).then_some(portfolio)
    })
    .await
}

#[tokio::test]
async fn marks_give_unrealized_pnl_market_value_and_equity() {
    let harness = Harness::start().await;
    harness
        .transfer("open", "alice", Venue::Binance, "USDT", "10000")
        .await;
    assert!(
        harness
            .apply_fill(&fill("1", "BTC-USDT", Side::Buy, "0.1", "40000", "4"))
            .await
            .unwrap()
    );
    harness.price_feed.quote("BTC-USDT", Some("42000"), T0 + 5);

    let portfolio = marked_at(&harness, "42000").await;
    let position = &portfolio.positions[0];
    assert_eq!(position.marked_unix_ms, T0 + 5);
    assert_eq!(value(&position.unrealized_pnl), number("200"));
    assert_eq!(value(&position.market_value), number("4200"));
    assert_eq!(value(&portfolio.unrealized_pnl), number("200"));
    // Cash 10000 - 4004 plus 0.1 BTC at 42000.
    assert_eq!(value(&portfolio.equity), number("10196"));
    assert_eq!(value(&portfolio.gross_exposure), number("4200"));
    assert_eq!(value(&portfolio.net_exposure), number("4200"));
    assert_eq!(portfolio.exposures[0].asset, "BTC");
    assert_eq!(value(&portfolio.exposures[0].value), number("4200"));
    // The latest of the last change (the transfer, recorded now) and the marks used.
    assert!(portfolio.updated_unix_ms > T0 + 5);

    let request = GetPnlRequest {
        account: "alice".into(),
        ..GetPnlRequest::default()
    };
    let pnl = harness
        .client
        .clone()
        .get_pnl(harness.server.request(request, &["trader"]))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(value(&pnl.realized_pnl), number("-4"));
    assert_eq!(value(&pnl.unrealized_pnl), number("200"));
    assert_eq!(value(&pnl.total_pnl), number("196"));
    assert_eq!(value(&pnl.fees), number("4"));

    // A quote without a mid takes the mark away: values are unset again, not zero.
    harness.price_feed.quote("BTC-USDT", None, T0 + 6);
    let unmarked = eventually("the mark to go", PATIENCE, || async {
        let portfolio = harness.portfolio("alice").await.ok()?;
        portfolio.positions[0]
            .mark_price
            .is_none()
            .then_some(portfolio)
    })
    .await;
    assert!(unmarked.positions[0].unrealized_pnl.is_none());
    assert!(unmarked.equity.is_none() && unmarked.unrealized_pnl.is_none());
    let request = GetPositionsRequest {
        account: "alice".into(),
        venue: 0,
        symbol: "btc-usdt".into(),
    };
    let positions = harness
        .client
        .clone()
        .get_positions(harness.server.request(request, &["viewer"]))
        .await
        .unwrap()
        .into_inner()
        .positions;
    assert_eq!(positions.len(), 1);
    assert_eq!(positions[0].marked_unix_ms, 0);
}

#[tokio::test]
async fn marks_follow_once_price_feed_comes_up() {
    let address = free_address().await;
    let harness = Harness::start_with(|config| {
        config.peers.price_feed_addr = Some(format!("http://{address}"));
    })
    .await;
    harness
        .transfer("open", "alice", Venue::Binance, "USDT", "1000")
        .await;
    harness
        .apply_fill(&fill("1", "BTC-USDT", Side::Sell, "0.01", "50000", "0"))
        .await
        .unwrap();
    // Down for a while: the service keeps serving, without marks.
    tokio::time::sleep(std::time::Duration::from_millis(700)).await;
    let unmarked = harness.portfolio("alice").await.unwrap();
    assert!(unmarked.positions[0].mark_price.is_none());

    let late_feed = FakePriceFeed::start_at(address).await;
    late_feed.quote("BTC-USDT", Some("40000"), T0 + 9);
    let portfolio = marked_at(&harness, "40000").await;
    // A short of 0.01 sold at 50000 gains 100 at 40000.
    assert_eq!(value(&portfolio.positions[0].unrealized_pnl), number("100"));
    assert_eq!(
        value(&portfolio.equity),
        number("1000") + number("500") - number("400")
    );
}
