//! The okx-api binary: hands its configuration and start function to the kit.
fn main() -> std::process::ExitCode {
    quorum_kit::run(okx_api::SERVICE, okx_api::start)
}
