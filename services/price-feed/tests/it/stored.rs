//! The latest quote in Redis, with a TTL, for other services.
use std::time::Duration;

use price_feed::quote::{Exclusion, Quote};
use quorum_domain::Venue;
use redis::AsyncCommands;
use rust_decimal::dec;

use crate::harness::{Harness, PATIENCE, eventually, ticker};

const TTL_SECS: u64 = 30;

async fn stored(harness: &Harness, key: &str, done: impl Fn(&Quote) -> bool) -> (Quote, i64) {
    let client = redis::Client::open(harness.redis.url.as_str()).unwrap();
    let connection = client.get_multiplexed_async_connection().await.unwrap();
    let done = &done;
    eventually(&format!("{key} in Redis"), PATIENCE, || {
        let mut connection = connection.clone();
        async move {
            let json: Option<String> = connection.get(key).await.unwrap();
            let quote: Quote = serde_json::from_str(&json?).unwrap();
            let ttl: i64 = connection.ttl(key).await.unwrap();
            done(&quote).then_some((quote, ttl))
        }
    })
    .await
}

#[tokio::test]
async fn the_latest_quote_is_stored_as_json_with_a_ttl() {
    let harness = Harness::start_with(|config| config.quote_ttl_secs = TTL_SECS).await;
    let key = "price-feed:quote:ETH-USDT";
    harness
        .publish_ticker(&ticker(
            Venue::Coinbase,
            "ETH-USDT",
            (dec!(2500.5), dec!(3)),
            (dec!(2500.7), dec!(1)),
        ))
        .await;
    let (quote, ttl) = stored(&harness, key, |_| true).await;
    assert!((1..=TTL_SECS as i64).contains(&ttl), "ttl {ttl}");
    let best_bid = quote.best_bid.unwrap();
    assert_eq!(
        (best_bid.venue, best_bid.price),
        (Venue::Coinbase, dec!(2500.5))
    );
    assert_eq!(quote.mid, Some(dec!(2500.6)));
    assert_eq!(quote.venues[0].exclusion, Exclusion::None);

    // A later change replaces it, and the TTL starts again.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    harness
        .publish_ticker(&ticker(
            Venue::Coinbase,
            "ETH-USDT",
            (dec!(2499), dec!(3)),
            (dec!(2500), dec!(1)),
        ))
        .await;
    let (quote, ttl) = stored(&harness, key, |quote| {
        quote.best_bid.is_some_and(|bid| bid.price == dec!(2499))
    })
    .await;
    assert_eq!(ttl, TTL_SECS as i64, "rewritten with a full TTL");
    assert_eq!(quote.mid, Some(dec!(2499.5)));
}
