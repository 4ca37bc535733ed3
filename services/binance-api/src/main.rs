//! The binance-api binary: hands its configuration and start function to the kit.
fn main() -> std::process::ExitCode {
    quorum_kit::run(binance_api::SERVICE, binance_api::start)
}
