//! The trade-history binary: hands its configuration and start function to the kit.
fn main() -> std::process::ExitCode {
    quorum_kit::run(trade_history::SERVICE, trade_history::start)
}
