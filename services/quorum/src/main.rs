//! The `quorum` binary: `quorum <service>`, `quorum all`, `quorum list`, `quorum healthcheck`.
fn main() -> std::process::ExitCode {
    quorum::cli::main(std::env::args_os().collect())
}
