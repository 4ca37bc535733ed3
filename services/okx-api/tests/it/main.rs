//! okx-api started as a user would run it, on the simulated market.
use quorum_connector::testing;

#[tokio::test]
async fn serves_its_venue_on_the_simulated_market() {
    testing::serves_its_venue_on_the_simulated_market(okx_api::SERVICE, okx_api::start, "BTC-USDT")
        .await;
}
