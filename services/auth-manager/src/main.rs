//! The auth-manager binary: configuration and serving come from the kit.
fn main() -> std::process::ExitCode {
    quorum_kit::run(auth_manager::SERVICE, auth_manager::start)
}
