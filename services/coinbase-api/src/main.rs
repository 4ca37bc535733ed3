//! The coinbase-api binary: hands its configuration and start function to the kit.
fn main() -> std::process::ExitCode {
    quorum_kit::run(coinbase_api::SERVICE, coinbase_api::start)
}
