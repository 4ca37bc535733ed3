//! The entry point a service's `main` calls: configuration, telemetry, signals, serving.
use std::process::ExitCode;

use clap::{Args, FromArgMatches};

use crate::config::{self, ConfigError, EXIT_BAD_CONFIG, Invocation, KitConfig, ParseOutcome};
use crate::healthcheck;
use crate::kit::Kit;
use crate::server::{Listeners, Service, serve};
use crate::telemetry::Telemetry;

/// Runs a service: `start` builds its handlers from the kit and the service's own
/// configuration `C`. Exit codes: 0 after a clean shutdown, 64 for bad configuration,
/// 1 for any other failure.
pub fn run<C, F, Fut>(name: &'static str, start: F) -> ExitCode
where
    C: Args + FromArgMatches,
    F: FnOnce(Kit, C) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<Service>>,
{
    let invocation = match config::parse::<C>(name, std::env::args_os()) {
        Ok(invocation) => invocation,
        Err(ParseOutcome::Info(text)) => {
            print!("{text}");
            return ExitCode::SUCCESS;
        }
        Err(ParseOutcome::Bad(line)) => {
            eprintln!("{name}: {line}");
            return ExitCode::from(EXIT_BAD_CONFIG);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("{name}: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let code = match invocation {
        Invocation::HealthCheck(kit) => runtime.block_on(healthcheck::run(kit.grpc_addr)),
        Invocation::Serve(kit, own) => runtime.block_on(serve_main(name, *kit, own, start)),
    };
    ExitCode::from(code)
}

async fn serve_main<C, F, Fut>(name: &'static str, config: KitConfig, own: C, start: F) -> u8
where
    F: FnOnce(Kit, C) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<Service>>,
{
    let telemetry = match Telemetry::init(
        name,
        &config.log_filter,
        config.log_format,
        config.otlp_endpoint(),
    ) {
        Ok(telemetry) => telemetry,
        Err(error) => {
            eprintln!("{name}: {error}");
            return EXIT_BAD_CONFIG;
        }
    };
    let kit = Kit::new(name, config);
    let listeners = match Listeners::bind(&kit).await {
        Ok(listeners) => listeners,
        Err(error) => {
            tracing::error!(%error, grpc = %kit.config().grpc_addr, admin = %kit.config().admin_addr, "cannot bind");
            telemetry.shutdown().await;
            return 1;
        }
    };
    tokio::spawn(watch_signals(kit.clone()));
    tracing::info!(service = name, grpc = %kit.config().grpc_addr, admin = %kit.config().admin_addr, "starting");
    let outcome = serve(kit.clone(), listeners, start(kit, own)).await;
    let code = match outcome {
        Ok(()) => 0,
        Err(error) => match error.downcast_ref::<ConfigError>() {
            Some(config_error) => {
                tracing::error!(%config_error, "bad configuration");
                eprintln!("{name}: {config_error}");
                EXIT_BAD_CONFIG
            }
            None => {
                tracing::error!(error = format!("{error:#}"), "service failed");
                1
            }
        },
    };
    telemetry.shutdown().await;
    code
}

async fn watch_signals(kit: Kit) {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut terminate), Ok(mut interrupt)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        tracing::error!("cannot listen for signals; stop the service with SIGKILL");
        return;
    };
    tokio::select! {
        _ = terminate.recv() => tracing::info!("SIGTERM received"),
        _ = interrupt.recv() => tracing::info!("SIGINT received"),
    }
    kit.request_shutdown();
}
