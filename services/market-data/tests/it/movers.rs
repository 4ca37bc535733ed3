//! Top movers by absolute change and by quote volume.
use quorum_domain::{Decimal, Venue};
use quorum_proto::marketdata::v1::{GetTopMoversRequest, MarketSummary, MoverRanking};
use rust_decimal::dec;

use crate::harness::{Harness, trade, value, venue_number};

/// Opens at 100 and closes at `close`, with `quantity` traded in all (half each time).
async fn market(harness: &Harness, venue: Venue, symbol: &str, close: Decimal, quantity: Decimal) {
    let half = quantity / dec!(2);
    harness
        .publish(&trade(venue, symbol, "open", dec!(100), half, 60))
        .await;
    harness
        .publish(&trade(venue, symbol, "close", close, half, 1))
        .await;
}

fn symbols(markets: &[MarketSummary]) -> Vec<&str> {
    markets.iter().map(|m| m.symbol.as_str()).collect()
}

#[tokio::test]
async fn movers_rank_by_change_or_by_volume() {
    let harness = Harness::start().await;
    // Change and quote volume: SOL +5 % 2050, ETH -8 % 1920, BTC +1 % 20100, ADA 0 % 200.
    market(&harness, Venue::Binance, "SOL-USDT", dec!(105), dec!(20)).await;
    market(&harness, Venue::Binance, "ETH-USDT", dec!(92), dec!(20)).await;
    market(&harness, Venue::Okx, "BTC-USDT", dec!(101), dec!(200)).await;
    market(&harness, Venue::Okx, "ADA-USDT", dec!(100), dec!(2)).await;
    for symbol in ["SOL-USDT", "ETH-USDT", "BTC-USDT", "ADA-USDT"] {
        harness.summary_with(symbol, 2).await;
    }

    let mut client = harness.client.clone();
    let mut movers = async |ranking: MoverRanking, limit: u32, venue: i32| {
        let request = GetTopMoversRequest {
            ranking: ranking.into(),
            limit,
            venue,
        };
        client
            .get_top_movers(harness.request(request))
            .await
            .unwrap()
            .into_inner()
            .markets
    };
    let by_change = movers(MoverRanking::Change, 0, 0).await;
    assert_eq!(
        symbols(&by_change),
        ["ETH-USDT", "SOL-USDT", "BTC-USDT", "ADA-USDT"]
    );
    assert_eq!(value(&by_change[0].change_percent), Some(dec!(-8)));

    let by_volume = movers(MoverRanking::Volume, 0, 0).await;
    assert_eq!(
        symbols(&by_volume),
        ["BTC-USDT", "SOL-USDT", "ETH-USDT", "ADA-USDT"]
    );
    assert_eq!(value(&by_volume[0].quote_volume), Some(dec!(20100)));

    let top_two = movers(MoverRanking::Change, 2, 0).await;
    assert_eq!(symbols(&top_two), ["ETH-USDT", "SOL-USDT"]);

    let on_okx = movers(MoverRanking::Change, 100, venue_number(Venue::Okx)).await;
    assert_eq!(symbols(&on_okx), ["BTC-USDT", "ADA-USDT"]);
    assert!(on_okx.iter().all(|m| m.venue == venue_number(Venue::Okx)));
}
