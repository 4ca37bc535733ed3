//! A service as a value: its name, how to read its settings and how to start it. The
//! `quorum` binary holds one [`ServiceDef`] per service and runs one of them as a
//! process of its own ([`ServiceDef::main`]) or several side by side in one process.
use std::ffi::OsString;
use std::future::Future;
use std::marker::PhantomData;
use std::net::SocketAddr;
use std::pin::Pin;
use std::process::ExitCode;

use clap::{Args, FromArgMatches};

use crate::config::{self, ConfigError, EXIT_BAD_CONFIG, Invocation, KitConfig, ParseOutcome};
use crate::healthcheck;
use crate::kit::Kit;
use crate::server::{Listeners, Service, serve};
use crate::telemetry::Telemetry;

/// What a service's start function returns once boxed: it builds the handlers. Not
/// `Send`: the compiler cannot always prove it for futures holding database
/// transactions, and start-up needs no other thread (the server it builds does).
pub type Starting = Pin<Box<dyn Future<Output = anyhow::Result<Service>>>>;

/// One service the binary can run: its catalog name and its start function together
/// with the type of its own settings.
pub struct ServiceDef {
    name: &'static str,
    launcher: Box<dyn Launch>,
}

impl ServiceDef {
    /// `start` builds the service's handlers from the kit and its own settings `C`,
    /// e.g. `ServiceDef::new(price_feed::SERVICE, price_feed::start)`.
    pub fn new<C, F, Fut>(name: &'static str, start: F) -> Self
    where
        C: Args + FromArgMatches + Send + 'static,
        F: Fn(Kit, C) -> Fut + Copy + Send + Sync + 'static,
        Fut: Future<Output = anyhow::Result<Service>> + 'static,
    {
        Self {
            name,
            launcher: Box::new(Launcher {
                start,
                settings: PhantomData::<fn() -> C>,
            }),
        }
    }

    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Reads the settings from `args` (the first is the program name) and the
    /// environment: flags win over variables, variables over defaults.
    pub fn parse(&self, args: Vec<OsString>) -> Result<Invocation<Starter>, ParseOutcome> {
        self.launcher.parse(self.name, args)
    }

    /// Reads the settings for a run beside other services in one process: the service
    /// listens on `grpc_addr` and `admin_addr`, and a variable `<SERVICE>__<NAME>` (e.g.
    /// `PRICE_FEED__RUST_LOG`) sets this service's `<NAME>` alone.
    pub fn parse_embedded(
        &self,
        grpc_addr: SocketAddr,
        admin_addr: SocketAddr,
    ) -> Result<(KitConfig, Starter), ParseOutcome> {
        let mut args: Vec<OsString> = vec![self.name.into()];
        args.extend(
            [
                "--grpc-addr".into(),
                grpc_addr.to_string(),
                "--admin-addr".into(),
                admin_addr.to_string(),
            ]
            .map(OsString::from),
        );
        args.extend(self.launcher.prefixed_overrides(self.name));
        match self.parse(args)? {
            Invocation::Serve(kit, starter) => Ok((*kit, starter)),
            Invocation::HealthCheck(_) => Err(ParseOutcome::Bad(
                "healthcheck is not a setting; remove it from the service's variables".into(),
            )),
        }
    }

    /// Runs the service as its own process until SIGTERM or SIGINT. Exit codes: 0 after
    /// a clean shutdown, 64 for bad configuration, 1 for any other failure.
    pub fn main(&self, args: Vec<OsString>) -> ExitCode {
        let name = self.name;
        let invocation = match self.parse(args) {
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
        let Some(runtime) = runtime(name) else {
            return ExitCode::FAILURE;
        };
        let code = match invocation {
            Invocation::HealthCheck(kit) => runtime.block_on(healthcheck::run(kit.grpc_addr)),
            Invocation::Serve(kit, starter) => runtime.block_on(serve_main(name, *kit, starter)),
        };
        ExitCode::from(code)
    }
}

/// A parsed service, ready to build its handlers once given its kit.
pub struct Starter(Box<dyn FnOnce(Kit) -> Starting + Send>);

impl Starter {
    pub fn start(self, kit: Kit) -> Starting {
        (self.0)(kit)
    }
}

/// A multi-thread async runtime, or `None` after one line on stderr saying why `who`
/// has none.
pub fn runtime(who: &str) -> Option<tokio::runtime::Runtime> {
    match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => Some(runtime),
        Err(error) => {
            eprintln!("{who}: cannot start the async runtime: {error}");
            None
        }
    }
}

/// The exit code for an error a service's start or serve returned: 64 when it is a
/// [`ConfigError`] (also printed as one line on stderr), 1 otherwise.
pub fn exit_code_of(name: &str, error: &anyhow::Error) -> u8 {
    match error.downcast_ref::<ConfigError>() {
        Some(config_error) => {
            tracing::error!(service = name, %config_error, "bad configuration");
            eprintln!("{name}: {config_error}");
            EXIT_BAD_CONFIG
        }
        None => {
            tracing::error!(
                service = name,
                error = format!("{error:#}"),
                "service failed"
            );
            1
        }
    }
}

/// Cancels `stop` on the first SIGTERM or SIGINT.
pub async fn stop_on_signal(stop: crate::CancellationToken) {
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
    stop.cancel();
}

async fn serve_main(name: &'static str, config: KitConfig, starter: Starter) -> u8 {
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
    tokio::spawn(stop_on_signal(kit.shutdown_token()));
    tracing::info!(service = name, grpc = %kit.config().grpc_addr, admin = %kit.config().admin_addr, "starting");
    let outcome = serve(kit.clone(), listeners, starter.start(kit)).await;
    let code = match outcome {
        Ok(()) => 0,
        Err(error) => exit_code_of(name, &error),
    };
    telemetry.shutdown().await;
    code
}

/// The part of a [`ServiceDef`] that knows the settings type.
trait Launch: Send + Sync {
    fn parse(
        &self,
        name: &'static str,
        args: Vec<OsString>,
    ) -> Result<Invocation<Starter>, ParseOutcome>;

    fn prefixed_overrides(&self, name: &'static str) -> Vec<OsString>;
}

struct Launcher<C, F> {
    start: F,
    settings: PhantomData<fn() -> C>,
}

impl<C, F, Fut> Launch for Launcher<C, F>
where
    C: Args + FromArgMatches + Send + 'static,
    F: Fn(Kit, C) -> Fut + Copy + Send + Sync + 'static,
    Fut: Future<Output = anyhow::Result<Service>> + 'static,
{
    fn parse(
        &self,
        name: &'static str,
        args: Vec<OsString>,
    ) -> Result<Invocation<Starter>, ParseOutcome> {
        let start = self.start;
        Ok(match config::parse::<C>(name, args)? {
            Invocation::HealthCheck(kit) => Invocation::HealthCheck(kit),
            Invocation::Serve(kit, own) => Invocation::Serve(
                kit,
                Starter(Box::new(move |kit: Kit| -> Starting {
                    Box::pin(start(kit, own))
                })),
            ),
        })
    }

    fn prefixed_overrides(&self, name: &'static str) -> Vec<OsString> {
        config::prefixed_overrides::<C>(name, |variable| std::env::var_os(variable))
    }
}
