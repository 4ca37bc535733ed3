//! StreamPortfolio: the portfolio at once, then again after a fill and after a mark.
use std::time::Duration;

use quorum_domain::{Side, Venue};
use quorum_proto::trading::v1::{Portfolio, StreamPortfolioRequest, StreamPortfolioResponse};
use tonic::Streaming;

use crate::harness::{Harness, T0, balance, fill, number, value};

async fn next(updates: &mut Streaming<StreamPortfolioResponse>) -> Portfolio {
    let message = tokio::time::timeout(Duration::from_secs(10), updates.message())
        .await
        .expect("an update within 10 s")
        .unwrap()
        .expect("the stream is open");
    message.portfolio.unwrap()
}

#[tokio::test]
async fn the_stream_sends_the_portfolio_then_every_change() {
    let harness = Harness::start().await;
    harness
        .transfer("open", "alice", Venue::Binance, "USDT", "1000")
        .await;
    let request = StreamPortfolioRequest {
        account: "alice".into(),
    };
    let mut updates = harness
        .client
        .clone()
        .stream_portfolio(harness.server.request(request, &["viewer"]))
        .await
        .unwrap()
        .into_inner();
    let first = next(&mut updates).await;
    assert_eq!(balance(&first, "USDT"), Some(number("1000")));
    assert_eq!(first.fills, 0);

    harness
        .publish(&fill("1", "BTC-USDT", Side::Buy, "0.01", "40000", "0.4"))
        .await;
    let after_fill = next(&mut updates).await;
    assert_eq!(after_fill.fills, 1);
    assert_eq!(balance(&after_fill, "BTC"), Some(number("0.01")));
    assert_eq!(balance(&after_fill, "USDT"), Some(number("599.6")));

    harness.price_feed.quote("BTC-USDT", Some("41000"), T0 + 1);
    let after_mark = next(&mut updates).await;
    assert_eq!(value(&after_mark.unrealized_pnl), number("10"));
    assert_eq!(value(&after_mark.equity), number("1009.6"));
}

#[tokio::test]
async fn a_stream_of_an_account_not_seen_yet_starts_empty_and_follows_it() {
    let harness = Harness::start().await;
    let request = StreamPortfolioRequest {
        account: "carol".into(),
    };
    let mut updates = harness
        .client
        .clone()
        .stream_portfolio(harness.server.request(request, &["trader"]))
        .await
        .unwrap()
        .into_inner();
    let empty = next(&mut updates).await;
    assert!(empty.balances.is_empty() && empty.positions.is_empty());
    // A change of another account sends nothing; carol's first transfer does.
    harness
        .transfer("other", "dave", Venue::Okx, "USDT", "5")
        .await;
    harness
        .transfer("first", "carol", Venue::Okx, "USDT", "7")
        .await;
    let funded = next(&mut updates).await;
    assert_eq!(funded.account, "carol");
    assert_eq!(balance(&funded, "USDT"), Some(number("7")));
}
