//! Each venue connector run by name lists its venue's variables and refuses bad settings.
use std::path::Path;

use quorum_connector::testing::binary_lists_its_variables_and_refuses_bad_settings;
use quorum_domain::Venue;

#[test]
fn every_connector_lists_its_variables_and_refuses_bad_settings() {
    let binary = Path::new(env!("CARGO_BIN_EXE_quorum"));
    for (service, venue) in [
        ("binance-api", Venue::Binance),
        ("coinbase-api", Venue::Coinbase),
        ("okx-api", Venue::Okx),
        ("gate-io-api", Venue::Gateio),
    ] {
        binary_lists_its_variables_and_refuses_bad_settings(binary, service, venue);
    }
}
