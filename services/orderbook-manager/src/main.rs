//! The orderbook-manager binary: hands its configuration and start function to the kit.
fn main() -> std::process::ExitCode {
    quorum_kit::run(orderbook_manager::SERVICE, orderbook_manager::start)
}
