//! Trades from the bus become hand-computed 24-hour summaries, per venue and across venues.
use quorum_domain::Venue;
use quorum_proto::marketdata::v1::ListMarketsRequest;
use rust_decimal::dec;

use crate::harness::{Harness, MINUTE_MS, now_ms, trade, value, venue_number};

#[tokio::test]
async fn published_trades_give_hand_computed_summaries() {
    let harness = Harness::start().await;
    let btc = "BTC-USDT";
    let trades = [
        trade(Venue::Binance, btc, "b1", dec!(40000), dec!(1), 180),
        trade(Venue::Okx, btc, "o1", dec!(40000), dec!(2), 150),
        trade(Venue::Binance, btc, "b2", dec!(41000), dec!(1), 120),
        // Older than the window: not counted.
        trade(Venue::Binance, btc, "b0", dec!(10000), dec!(5), 25 * 60),
        trade(Venue::Binance, btc, "b3", dec!(39500), dec!(2), 60),
    ];
    for trade in &trades {
        harness.publish(trade).await;
    }
    // A repeat of b2 (a connector republishing) is counted once.
    harness.publish(&trades[2]).await;
    let last = trade(Venue::Okx, btc, "o2", dec!(40800), dec!(2), 30);
    harness.publish(&last).await;

    // Trades are handled in order: once o2 is in, the repeat and the old one were seen.
    let all = harness.summary_with(btc, 5).await;
    assert_eq!(all.venue, 0);
    assert_eq!(value(&all.open), Some(dec!(40000)));
    assert_eq!(value(&all.high), Some(dec!(41000)));
    assert_eq!(value(&all.low), Some(dec!(39500)));
    assert_eq!(value(&all.last), Some(dec!(40800)));
    assert_eq!(value(&all.change_percent), Some(dec!(2)));
    assert_eq!(value(&all.base_volume), Some(dec!(8)));
    // 40000 + 80000 + 41000 + 79000 + 81600
    assert_eq!(value(&all.quote_volume), Some(dec!(321600)));
    assert_eq!(value(&all.vwap), Some(dec!(40200)));
    assert_eq!(all.updated_unix_ms, last.traded_at_ms);
    let window = now_ms() - all.window_start_unix_ms;
    assert!(
        (1439 * MINUTE_MS..=1441 * MINUTE_MS).contains(&window),
        "the window starts {window} ms back"
    );

    let binance = harness.summary(btc, Some(Venue::Binance)).await.unwrap();
    assert_eq!(binance.venue, venue_number(Venue::Binance));
    assert_eq!(binance.trade_count, 3);
    assert_eq!(value(&binance.open), Some(dec!(40000)));
    assert_eq!(value(&binance.last), Some(dec!(39500)));
    assert_eq!(value(&binance.change_percent), Some(dec!(-1.25)));
    assert_eq!(value(&binance.base_volume), Some(dec!(4)));
    assert_eq!(value(&binance.quote_volume), Some(dec!(160000)));
    assert_eq!(value(&binance.vwap), Some(dec!(40000)));

    let okx = harness.summary(btc, Some(Venue::Okx)).await.unwrap();
    assert_eq!(okx.trade_count, 2);
    assert_eq!(value(&okx.vwap), Some(dec!(40400)));
    assert_eq!(value(&okx.change_percent), Some(dec!(2)));
    assert_eq!(value(&okx.low), Some(dec!(40000)));
}

#[tokio::test]
async fn markets_are_listed_per_venue_or_across_venues() {
    let harness = Harness::start().await;
    harness
        .publish(&trade(
            Venue::Okx,
            "ETH-USDT",
            "e1",
            dec!(2500),
            dec!(1),
            10,
        ))
        .await;
    harness
        .publish(&trade(
            Venue::Coinbase,
            "BTC-USDT",
            "c1",
            dec!(40000),
            dec!(1),
            10,
        ))
        .await;
    harness
        .publish(&trade(
            Venue::Okx,
            "BTC-USDT",
            "o1",
            dec!(40100),
            dec!(1),
            5,
        ))
        .await;
    harness.summary_with("BTC-USDT", 2).await;
    harness.summary_with("ETH-USDT", 1).await;

    let mut client = harness.client.clone();
    let list = |venue: Option<Venue>| ListMarketsRequest {
        venue: venue.map_or(0, venue_number),
    };
    let all = client
        .list_markets(harness.request(list(None)))
        .await
        .unwrap()
        .into_inner()
        .markets;
    let names: Vec<(&str, i32, u64)> = all
        .iter()
        .map(|m| (m.symbol.as_str(), m.venue, m.trade_count))
        .collect();
    assert_eq!(names, [("BTC-USDT", 0, 2), ("ETH-USDT", 0, 1)]);

    let okx = client
        .list_markets(harness.request(list(Some(Venue::Okx))))
        .await
        .unwrap()
        .into_inner()
        .markets;
    let names: Vec<(&str, i32)> = okx.iter().map(|m| (m.symbol.as_str(), m.venue)).collect();
    let okx_number = venue_number(Venue::Okx);
    assert_eq!(names, [("BTC-USDT", okx_number), ("ETH-USDT", okx_number)]);
    assert_eq!(value(&okx[0].last), Some(dec!(40100)));

    let gateio = client
        .list_markets(harness.request(list(Some(Venue::Gateio))))
        .await
        .unwrap()
        .into_inner()
        .markets;
    assert!(gateio.is_empty());
}
