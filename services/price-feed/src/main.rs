//! The price-feed binary: hands its configuration and start function to the kit.
fn main() -> std::process::ExitCode {
    quorum_kit::run(price_feed::SERVICE, price_feed::start)
}
