//! The market-data binary: hands its configuration and start function to the kit.
fn main() -> std::process::ExitCode {
    quorum_kit::run(market_data::SERVICE, market_data::start)
}
