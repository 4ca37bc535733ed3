//! The audit-logger binary: hands its configuration and start function to the kit.
fn main() -> std::process::ExitCode {
    quorum_kit::run(audit_logger::SERVICE, audit_logger::start)
}
