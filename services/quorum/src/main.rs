//! The `quorum` binary: `quorum <service>`, `quorum all`, `quorum list`, `quorum healthcheck`.
fn main() -> std::process::ExitCode {
    // Read here, in the small binary crate, so a new build id recompiles only this file.
    quorum::cli::main(
        std::env::args_os().collect(),
        option_env!("QUORUM_BUILD_ID"),
    )
}
