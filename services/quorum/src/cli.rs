//! The command line: the first argument names a service or one of the binary's own
//! commands; everything after a service's name belongs to that service.
use std::ffi::OsString;
use std::net::SocketAddr;
use std::process::ExitCode;

use quorum_kit::config::EXIT_BAD_CONFIG;

use crate::{all, registry};

const USAGE: &str = "\
usage: quorum <service> [settings] [healthcheck]
       quorum all [--only <services>] [--except <services>] [--bind <host>]
       quorum list
       quorum healthcheck [<host:port>]

  <service>     run one service, e.g. `quorum price-feed`; `quorum <service> --help`
                lists its settings and their environment variables
  all           run every service in this process, each on its own ports
  list          the services this binary runs, with their gRPC and admin ports
  healthcheck   exit 0 when the gRPC server at <host:port> (default: QUORUM_GRPC_ADDR)
                answers SERVING, 1 otherwise
  --version     the version, and the build id given as QUORUM_BUILD_ID at build time
";

/// Runs the command in `args` (the first is the program name) and returns its exit code.
/// `build` is the build id `--version` shows.
pub fn main(args: Vec<OsString>, build: Option<&str>) -> ExitCode {
    let mut args = args.into_iter().skip(1);
    let Some(first) = args.next() else {
        eprint!("{USAGE}");
        return ExitCode::from(EXIT_BAD_CONFIG);
    };
    let rest: Vec<OsString> = args.collect();
    match first.to_str() {
        Some("-h" | "--help" | "help") => {
            print!("{USAGE}");
            ExitCode::SUCCESS
        }
        Some("-V" | "--version" | "version") => {
            match build {
                Some(build) if !build.is_empty() => {
                    println!("quorum {} (build {build})", env!("CARGO_PKG_VERSION"));
                }
                _ => println!("quorum {}", env!("CARGO_PKG_VERSION")),
            }
            ExitCode::SUCCESS
        }
        Some("list") => list(),
        Some("all") => all::main(rest),
        Some("healthcheck") => healthcheck(rest),
        Some(name) => match registry::find(name) {
            Some(service) => service.main(std::iter::once(first.clone()).chain(rest).collect()),
            None => {
                eprintln!("quorum: {}", unknown_service(name));
                ExitCode::from(EXIT_BAD_CONFIG)
            }
        },
        None => {
            eprintln!(
                "quorum: {first:?} is not a service or command; `quorum list` shows the services"
            );
            ExitCode::from(EXIT_BAD_CONFIG)
        }
    }
}

/// Why `name` cannot run, and what to do instead.
pub fn unknown_service(name: &str) -> String {
    let in_catalog = quorum_catalog::Catalog::load()
        .ok()
        .is_some_and(|catalog| catalog.service(name).is_some());
    if in_catalog {
        format!(
            "{name} is in the catalog but not implemented yet; `quorum list` shows the services this binary runs"
        )
    } else {
        format!(
            "unknown service or command '{name}'; `quorum list` shows the services, `quorum --help` the commands"
        )
    }
}

fn list() -> ExitCode {
    let catalog = match quorum_catalog::Catalog::load() {
        Ok(catalog) => catalog,
        Err(error) => {
            eprintln!("quorum: the catalog does not load: {error}");
            return ExitCode::FAILURE;
        }
    };
    println!("{:<20} {:>5} {:>6}  CATEGORY", "SERVICE", "GRPC", "ADMIN");
    for service in registry::services() {
        match catalog.service(service.name()) {
            Some(entry) => println!(
                "{:<20} {:>5} {:>6}  {}",
                entry.name, entry.grpc_port, entry.admin_port, entry.category
            ),
            None => println!("{:<20} {:>5} {:>6}  -", service.name(), "-", "-"),
        }
    }
    ExitCode::SUCCESS
}

fn healthcheck(args: Vec<OsString>) -> ExitCode {
    let given = match args.as_slice() {
        [] => std::env::var("QUORUM_GRPC_ADDR").ok(),
        [address] => address.to_str().map(str::to_string),
        _ => None,
    };
    let Some(text) = given.filter(|text| !text.is_empty()) else {
        eprintln!(
            "quorum healthcheck: give the address (host:port) or set QUORUM_GRPC_ADDR; `quorum <service> healthcheck` checks a service on its own address"
        );
        return ExitCode::from(EXIT_BAD_CONFIG);
    };
    let Ok(address) = text.parse::<SocketAddr>() else {
        eprintln!("quorum healthcheck: '{text}' is not a host:port address");
        return ExitCode::from(EXIT_BAD_CONFIG);
    };
    let Some(runtime) = quorum_kit::launch::runtime("quorum healthcheck") else {
        return ExitCode::FAILURE;
    };
    ExitCode::from(runtime.block_on(quorum_kit::healthcheck::run(address)))
}
