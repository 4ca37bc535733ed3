//! GetDepthStats against values computed by hand.
use quorum_domain::Venue;
use quorum_proto::market::v1 as market;
use quorum_proto::marketdata::v1::{GetDepthStatsRequest, GetDepthStatsResponse};
use tonic::{Code, Status};

use crate::harness::{Harness, decimal, update};

async fn depth_stats(
    harness: &Harness,
    venue: market::Venue,
    bands_bps: Vec<u32>,
) -> Result<GetDepthStatsResponse, Status> {
    let request = GetDepthStatsRequest {
        venue: venue.into(),
        symbol: "BTC-USDT".into(),
        bands_bps,
    };
    let request = harness.server.request(request, &["viewer"]);
    harness
        .client
        .clone()
        .get_depth_stats(request)
        .await
        .map(|response| response.into_inner())
}

fn text(value: &Option<quorum_proto::common::v1::Decimal>) -> String {
    decimal(&value.as_ref().unwrap().value)
        .normalize()
        .to_string()
}

/// (bps, bid quantity, ask quantity, bid notional, ask notional) of every band.
fn bands(response: &GetDepthStatsResponse) -> Vec<(u32, String, String, String, String)> {
    response
        .bands
        .iter()
        .map(|band| {
            (
                band.bps,
                text(&band.bid_quantity),
                text(&band.ask_quantity),
                text(&band.bid_notional),
                text(&band.ask_notional),
            )
        })
        .collect()
}

fn band(bps: u32, values: [&str; 4]) -> (u32, String, String, String, String) {
    let [bid_q, ask_q, bid_n, ask_n] = values.map(str::to_string);
    (bps, bid_q, ask_q, bid_n, ask_n)
}

async fn publish_books(harness: &Harness) {
    // Mid 1000: 10 bps is ±1, 50 bps ±5, 100 bps ±10.
    harness
        .publish(&update(
            Venue::Binance,
            0,
            true,
            &[("999.5", "3"), ("999", "1"), ("996", "2"), ("989", "10")],
            &[("1000.5", "1"), ("1001", "2"), ("1004", "4"), ("1011", "5")],
        ))
        .await;
    harness
        .publish(&update(
            Venue::Gateio,
            0,
            true,
            &[("999.5", "1"), ("995", "2")],
            &[("1000.5", "3"), ("1006", "1")],
        ))
        .await;
    harness.book_at(market::Venue::Binance, "BTC-USDT", 0).await;
    harness.book_at(market::Venue::Gateio, "BTC-USDT", 0).await;
}

#[tokio::test]
async fn venue_statistics_match_hand_computed_values() {
    let harness = Harness::start().await;
    publish_books(&harness).await;
    let stats = depth_stats(&harness, market::Venue::Binance, vec![])
        .await
        .unwrap();
    assert_eq!(text(&stats.best_bid), "999.5");
    assert_eq!(text(&stats.best_ask), "1000.5");
    assert_eq!(text(&stats.mid), "1000");
    assert_eq!(text(&stats.spread), "1");
    assert_eq!(text(&stats.spread_bps), "10");
    assert!((stats.top_imbalance - 0.5).abs() < 1e-12);
    assert_eq!(
        bands(&stats),
        [
            // bids >= 999: 999.5*3 + 999*1; asks <= 1001: 1000.5*1 + 1001*2
            band(10, ["4", "3", "3997.5", "3002.5"]),
            // bids >= 995 adds 996*2; asks <= 1005 adds 1004*4
            band(50, ["6", "7", "5989.5", "7018.5"]),
            // 989 and 1011 lie just outside ±10
            band(100, ["6", "7", "5989.5", "7018.5"]),
        ]
    );
}

#[tokio::test]
async fn aggregated_statistics_sum_the_venues() {
    let harness = Harness::start().await;
    publish_books(&harness).await;
    let stats = depth_stats(&harness, market::Venue::Unspecified, vec![50, 5])
        .await
        .unwrap();
    assert_eq!(text(&stats.mid), "1000");
    // Top: 999.5 x (3 + 1) against 1000.5 x (1 + 3).
    assert_eq!(stats.top_imbalance, 0.0);
    assert_eq!(
        bands(&stats),
        [
            // bids >= 995: 999.5*4 + 999*1 + 996*2 + 995*2; asks <= 1005: 1000.5*4 + 1001*2 + 1004*4
            band(50, ["9", "10", "8979", "10020"]),
            // ±0.5: bids >= 999.5, asks <= 1000.5
            band(5, ["4", "4", "3998", "4002"]),
        ]
    );
}

#[tokio::test]
async fn a_one_sided_book_has_no_statistics() {
    let harness = Harness::start().await;
    harness
        .publish(&update(Venue::Okx, 0, true, &[("100", "1")], &[]))
        .await;
    harness.book_at(market::Venue::Okx, "BTC-USDT", 0).await;
    let status = depth_stats(&harness, market::Venue::Okx, vec![])
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::FailedPrecondition);
    assert!(status.message().contains("no asks"), "{}", status.message());
}
