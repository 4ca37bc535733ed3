//! The gate-io-api binary: hands its configuration and start function to the kit.
fn main() -> std::process::ExitCode {
    quorum_kit::run(gate_io_api::SERVICE, gate_io_api::start)
}
