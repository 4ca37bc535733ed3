//! The health-checker binary: hands its configuration and start function to the kit.
fn main() -> std::process::ExitCode {
    quorum_kit::run(health_checker::SERVICE, health_checker::start)
}
