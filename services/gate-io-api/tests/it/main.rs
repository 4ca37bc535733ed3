//! gate-io-api started as a user would run it, on the simulated market.
use quorum_connector::testing;
use quorum_domain::Venue;

#[tokio::test]
async fn serves_its_venue_on_the_simulated_market() {
    testing::serves_its_venue_on_the_simulated_market(
        gate_io_api::SERVICE,
        gate_io_api::start,
        "BTC_USDT",
    )
    .await;
}

#[test]
fn the_binary_lists_its_variables_and_refuses_bad_settings() {
    let binary = std::path::Path::new(env!("CARGO_BIN_EXE_gate-io-api"));
    testing::binary_lists_its_variables_and_refuses_bad_settings(binary, Venue::Gateio);
}
