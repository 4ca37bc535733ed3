//! `quorum all`: every service of the binary in one process, each on its own ports, with
//! one Postgres and one Redis: for a laptop or a single small host. A service starts once
//! the services it cannot serve without answer SERVING, as compose orders them; when one
//! service stops, the process stops the others and exits with that service's code.
use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsString;
use std::net::{IpAddr, SocketAddr};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use quorum_catalog::{Catalog, ServiceEntry};
use quorum_kit::config::{EXIT_BAD_CONFIG, ParseOutcome, service_variable};
use quorum_kit::healthcheck::{is_serving, local_target};
use quorum_kit::launch::{exit_code_of, runtime, stop_on_signal};
use quorum_kit::telemetry::Telemetry;
use quorum_kit::{CancellationToken, Kit, KitConfig, Listeners, Starter, serve};
use tokio::task::JoinSet;

use crate::cli::unknown_service;
use crate::registry;

/// The options of `quorum all`. Every other setting comes from the environment, shared by
/// all services, or for one service alone from `<SERVICE>__<VARIABLE>`.
#[derive(Debug, Parser)]
#[command(
    name = "quorum all",
    version,
    about = "Run every Quorum service in this process, each on its catalog ports",
    after_help = "Settings: the services read the environment as they do alone (DATABASE_URL, REDIS_URL, ...). \
A variable named <SERVICE>__<VARIABLE> sets one service's setting alone, e.g. \
PRICE_FEED__QUORUM_GRPC_ADDR=127.0.0.1:60105 or BINANCE_API__QUORUM_MARKET_SOURCE=replay. \
Logs and traces are the process's: RUST_LOG, QUORUM_LOG_FORMAT and OTEL_EXPORTER_OTLP_ENDPOINT apply to all."
)]
pub struct AllArgs {
    /// Address every service listens on, each on its own catalog ports; 0.0.0.0 for all
    /// interfaces.
    #[arg(long, env = "QUORUM_BIND_HOST", default_value = "127.0.0.1")]
    pub bind: IpAddr,
    /// Run only these services (comma-separated), and the services they cannot serve
    /// without.
    #[arg(long, value_delimiter = ',')]
    pub only: Vec<String>,
    /// Run every service but these (comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub except: Vec<String>,
}

/// Runs `quorum all` with `args` (what follows `all`).
pub fn main(args: Vec<OsString>) -> ExitCode {
    let options = match AllArgs::try_parse_from(std::iter::once("quorum all".into()).chain(args)) {
        Ok(options) => options,
        Err(error) => {
            use clap::error::ErrorKind;
            let shown = matches!(
                error.kind(),
                ErrorKind::DisplayHelp | ErrorKind::DisplayVersion
            );
            let _ = error.print();
            return if shown {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(EXIT_BAD_CONFIG)
            };
        }
    };
    let planned = match plan(&options) {
        Ok(planned) => planned,
        Err(line) => {
            eprintln!("quorum all: {line}");
            return ExitCode::from(EXIT_BAD_CONFIG);
        }
    };
    let Some(runtime) = runtime("quorum all") else {
        return ExitCode::FAILURE;
    };
    // Services start on this thread (their start-up futures need not be `Send`); what
    // they serve runs on the runtime's workers.
    let local = tokio::task::LocalSet::new();
    ExitCode::from(runtime.block_on(local.run_until(run(planned))))
}

/// The services to run: `--only` with what those need (transitively), or every service,
/// less `--except`; in the binary's order. Names are checked against the binary.
pub fn select(
    catalog: &Catalog,
    held: &[&'static str],
    options: &AllArgs,
) -> Result<Vec<&'static str>, String> {
    for name in options.only.iter().chain(&options.except) {
        if !held.contains(&name.as_str()) {
            return Err(unknown_service(name));
        }
    }
    let mut wanted: BTreeSet<&str> = if options.only.is_empty() {
        held.iter().copied().collect()
    } else {
        options.only.iter().map(String::as_str).collect()
    };
    let mut pending: Vec<&str> = wanted.iter().copied().collect();
    while let Some(name) = pending.pop() {
        for dependency in catalog
            .service(name)
            .into_iter()
            .flat_map(|entry| &entry.hard_deps)
        {
            if held.contains(&dependency.as_str()) && wanted.insert(dependency.as_str()) {
                pending.push(dependency.as_str());
            }
        }
    }
    for name in &options.except {
        wanted.remove(name.as_str());
    }
    let selected: Vec<&'static str> = held
        .iter()
        .copied()
        .filter(|name| wanted.contains(name))
        .collect();
    if selected.is_empty() {
        return Err("no service left to run".into());
    }
    Ok(selected)
}

/// A service ready to start: its settings, and the addresses that must answer SERVING
/// first.
struct Planned {
    name: &'static str,
    config: KitConfig,
    starter: Starter,
    waits_for: Vec<SocketAddr>,
}

fn plan(options: &AllArgs) -> Result<Vec<Planned>, String> {
    let catalog = Catalog::load().map_err(|error| format!("the catalog does not load: {error}"))?;
    let definitions = registry::services();
    let held: Vec<&'static str> = definitions.iter().map(|service| service.name()).collect();
    let selected = select(catalog, &held, options)?;
    let mut addresses: BTreeMap<&str, (SocketAddr, SocketAddr)> = BTreeMap::new();
    for name in &selected {
        let entry = catalog
            .service(name)
            .ok_or_else(|| format!("{name} is not in the catalog"))?;
        addresses.insert(name, listen_addresses(entry, options.bind)?);
    }
    let mut planned = Vec::new();
    for service in definitions {
        let name = service.name();
        let Some(&(grpc, admin)) = addresses.get(name) else {
            continue;
        };
        let (config, starter) =
            service
                .parse_embedded(grpc, admin)
                .map_err(|outcome| match outcome {
                    ParseOutcome::Bad(line) | ParseOutcome::Info(line) => format!("{name}: {line}"),
                })?;
        let waits_for = catalog
            .service(name)
            .into_iter()
            .flat_map(|entry| &entry.hard_deps)
            .filter_map(|dependency| addresses.get(dependency.as_str()))
            .map(|&(grpc, _)| grpc)
            .collect();
        planned.push(Planned {
            name,
            config,
            starter,
            waits_for,
        });
    }
    Ok(planned)
}

/// The service's gRPC and admin addresses: its `<SERVICE>__QUORUM_GRPC_ADDR` and
/// `<SERVICE>__QUORUM_ADMIN_ADDR` when set, else its catalog ports on `bind`.
fn listen_addresses(
    entry: &ServiceEntry,
    bind: IpAddr,
) -> Result<(SocketAddr, SocketAddr), String> {
    let address = |variable: &str, port: u16| -> Result<SocketAddr, String> {
        let name = service_variable(&entry.name, variable);
        match std::env::var(&name) {
            Ok(text) if !text.is_empty() => text
                .parse()
                .map_err(|_| format!("{name}: '{text}' is not a host:port address")),
            _ => Ok(SocketAddr::new(bind, port)),
        }
    };
    Ok((
        address("QUORUM_GRPC_ADDR", entry.grpc_port)?,
        address("QUORUM_ADMIN_ADDR", entry.admin_port)?,
    ))
}

async fn run(planned: Vec<Planned>) -> u8 {
    let Some(first) = planned.first() else {
        return EXIT_BAD_CONFIG;
    };
    let telemetry = match Telemetry::init(
        "quorum",
        &first.config.log_filter,
        first.config.log_format,
        first.config.otlp_endpoint(),
    ) {
        Ok(telemetry) => telemetry,
        Err(error) => {
            eprintln!("quorum all: {error}");
            return EXIT_BAD_CONFIG;
        }
    };
    let peers: Arc<BTreeMap<String, String>> = Arc::new(
        planned
            .iter()
            .map(|service| {
                let address = local_target(service.config.grpc_addr);
                (service.name.to_string(), format!("http://{address}"))
            })
            .collect(),
    );
    let every_address: Vec<SocketAddr> = planned
        .iter()
        .map(|service| service.config.grpc_addr)
        .collect();
    let count = planned.len();
    let stop = CancellationToken::new();
    tokio::spawn(stop_on_signal(stop.clone()));
    tokio::spawn(announce_when_serving(every_address, count, stop.clone()));
    let mut services = JoinSet::new();
    for service in planned {
        let name = service.name;
        let (peers, stop) = (peers.clone(), stop.clone());
        services.spawn_local(async move { (name, run_service(service, peers, stop).await) });
    }
    let mut code = 0;
    while let Some(joined) = services.join_next().await {
        let (name, outcome) = joined.unwrap_or(("a service", 1));
        if !stop.is_cancelled() {
            tracing::error!(
                service = name,
                code = outcome,
                "service stopped; stopping the others"
            );
        }
        if code == 0 {
            code = outcome;
        }
        stop.cancel();
    }
    telemetry.shutdown().await;
    code
}

/// Waits for the service's dependencies, then serves it until `stop`; returns its exit code.
async fn run_service(
    service: Planned,
    peers: Arc<BTreeMap<String, String>>,
    stop: CancellationToken,
) -> u8 {
    let name = service.name;
    tokio::select! {
        () = stop.cancelled() => return 0,
        () = wait_serving(&service.waits_for) => {}
    }
    let kit = Kit::with_peers(name, service.config, peers);
    let listeners = match Listeners::bind(&kit).await {
        Ok(listeners) => listeners,
        Err(error) => {
            let variable = service_variable(name, "QUORUM_GRPC_ADDR");
            tracing::error!(service = name, %error, grpc = %kit.config().grpc_addr, admin = %kit.config().admin_addr,
                "cannot bind; another process may hold the port (move the service with {variable} and its admin twin)");
            return 1;
        }
    };
    let shutdown = kit.shutdown_token();
    let forward = stop.clone();
    tokio::spawn(async move {
        forward.cancelled().await;
        shutdown.cancel();
    });
    tracing::info!(service = name, grpc = %kit.config().grpc_addr, admin = %kit.config().admin_addr, "starting");
    match serve(kit.clone(), listeners, service.starter.start(kit)).await {
        Ok(()) => 0,
        Err(error) => exit_code_of(name, &error),
    }
}

async fn wait_serving(addresses: &[SocketAddr]) {
    for &address in addresses {
        while !is_serving(address).await {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

async fn announce_when_serving(addresses: Vec<SocketAddr>, count: usize, stop: CancellationToken) {
    tokio::select! {
        () = stop.cancelled() => {}
        () = wait_serving(&addresses) => tracing::info!(services = count, "all services serving"),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn options(only: &[&str], except: &[&str]) -> AllArgs {
        AllArgs {
            bind: IpAddr::from([127, 0, 0, 1]),
            only: only.iter().map(|name| name.to_string()).collect(),
            except: except.iter().map(|name| name.to_string()).collect(),
        }
    }

    fn held() -> Vec<&'static str> {
        registry::services()
            .iter()
            .map(|service| service.name())
            .collect()
    }

    #[test]
    fn runs_every_service_by_default() {
        let catalog = Catalog::load().unwrap();
        assert_eq!(
            select(catalog, &held(), &options(&[], &[])).unwrap(),
            held()
        );
    }

    #[test]
    fn only_brings_the_services_it_cannot_serve_without() {
        let catalog = Catalog::load().unwrap();
        let selected = select(catalog, &held(), &options(&["price-feed"], &[])).unwrap();
        assert_eq!(selected, vec!["price-feed", "auth-manager"]);
    }

    #[test]
    fn except_leaves_services_out() {
        let catalog = Catalog::load().unwrap();
        let selected =
            select(catalog, &held(), &options(&[], &["binance-api", "okx-api"])).unwrap();
        assert!(!selected.contains(&"binance-api") && !selected.contains(&"okx-api"));
        assert_eq!(selected.len(), held().len() - 2);
    }

    #[test]
    fn unknown_and_unimplemented_names_are_refused() {
        let catalog = Catalog::load().unwrap();
        let unknown = select(catalog, &held(), &options(&["moon"], &[])).unwrap_err();
        assert!(unknown.contains("unknown service"), "{unknown}");
        let later = select(catalog, &held(), &options(&[], &["vault-manager"])).unwrap_err();
        assert!(later.contains("not implemented yet"), "{later}");
        let none = select(
            catalog,
            &held(),
            &options(&["price-feed"], &["price-feed", "auth-manager"]),
        )
        .unwrap_err();
        assert_eq!(none, "no service left to run");
    }
}
