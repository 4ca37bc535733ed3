//! Typed configuration from environment variables (or flags), with `--help` listing them.
//! Defaults for addresses come from the catalog, so a bare `cargo run -p <service>` works.
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Command, FromArgMatches};

use crate::auth::AuthMode;

/// Exit code for bad configuration (EX_USAGE from sysexits.h).
pub const EXIT_BAD_CONFIG: u8 = 64;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Json,
    Text,
}

/// Settings every service shares.
#[derive(Debug, Clone, Args)]
pub struct KitConfig {
    /// Address the gRPC server listens on.
    #[arg(long, env = "QUORUM_GRPC_ADDR")]
    pub grpc_addr: SocketAddr,
    /// Address of the admin HTTP server (/metrics, /livez, /readyz).
    #[arg(long, env = "QUORUM_ADMIN_ADDR")]
    pub admin_addr: SocketAddr,
    /// Token checking: `enabled`, or `disabled` for local development only.
    #[arg(long, env = "QUORUM_AUTH", value_enum, default_value = "enabled")]
    pub auth: AuthMode,
    /// Upper bound on one call, in milliseconds.
    #[arg(long, env = "QUORUM_REQUEST_TIMEOUT_MS", default_value_t = 10_000)]
    pub request_timeout_ms: u64,
    /// Calls handled at once; more are refused with RESOURCE_EXHAUSTED.
    #[arg(long, env = "QUORUM_MAX_CONCURRENT_REQUESTS", default_value_t = 512)]
    pub max_concurrent_requests: usize,
    /// Time given to in-flight calls and background work to finish on shutdown.
    #[arg(long, env = "QUORUM_SHUTDOWN_GRACE_MS", default_value_t = 10_000)]
    pub shutdown_grace_ms: u64,
    /// Time spent NOT_SERVING before the listener closes, so balancers notice.
    #[arg(long, env = "QUORUM_DRAIN_DELAY_MS", default_value_t = 0)]
    pub drain_delay_ms: u64,
    /// Log filter, e.g. `info` or `info,sqlx=warn`.
    #[arg(long = "log", env = "RUST_LOG", default_value = "info")]
    pub log_filter: String,
    /// `json` (default) or `text`.
    #[arg(long, env = "QUORUM_LOG_FORMAT", value_enum, default_value = "json")]
    pub log_format: LogFormat,
    /// OTLP gRPC endpoint for traces, e.g. http://otel-collector:4317; unset or empty: off.
    #[arg(long, env = "OTEL_EXPORTER_OTLP_ENDPOINT")]
    pub otlp_endpoint: Option<String>,
    /// Directory for state the service keeps on disk (bootstrap secrets).
    #[arg(long, env = "QUORUM_STATE_DIR", default_value = ".local/state")]
    pub state_dir: PathBuf,
    /// The cluster service key, used to obtain this service's own token.
    #[arg(long, env = "QUORUM_SERVICE_KEY", hide_env_values = true)]
    pub service_key: Option<String>,
    /// File holding the service key; default `<state dir>/secrets/service-key`.
    #[arg(long, env = "QUORUM_SERVICE_KEY_FILE")]
    pub service_key_file: Option<PathBuf>,
}

impl KitConfig {
    /// Defaults suitable for tests: loopback ports chosen by the OS, auth enabled.
    pub fn for_tests() -> Self {
        let loopback = SocketAddr::from(([127, 0, 0, 1], 0));
        Self {
            grpc_addr: loopback,
            admin_addr: loopback,
            auth: AuthMode::Enabled,
            request_timeout_ms: 10_000,
            max_concurrent_requests: 512,
            shutdown_grace_ms: 5_000,
            drain_delay_ms: 0,
            log_filter: "info".into(),
            log_format: LogFormat::Text,
            otlp_endpoint: None,
            state_dir: std::env::temp_dir(),
            service_key: None,
            service_key_file: None,
        }
    }

    pub fn request_timeout(&self) -> Duration {
        Duration::from_millis(self.request_timeout_ms)
    }

    pub fn shutdown_grace(&self) -> Duration {
        Duration::from_millis(self.shutdown_grace_ms)
    }

    pub fn otlp_endpoint(&self) -> Option<&str> {
        self.otlp_endpoint
            .as_deref()
            .map(str::trim)
            .filter(|endpoint| !endpoint.is_empty())
    }

    /// Where the service key lives on disk.
    pub fn service_key_path(&self) -> PathBuf {
        self.service_key_file
            .clone()
            .unwrap_or_else(|| self.state_dir.join("secrets").join("service-key"))
    }

    /// The service key from the environment or its file, if either has one.
    pub fn read_service_key(&self) -> Option<String> {
        let from_env = self
            .service_key
            .as_deref()
            .map(str::trim)
            .filter(|key| !key.is_empty());
        if let Some(key) = from_env {
            return Some(key.to_string());
        }
        let text = std::fs::read_to_string(self.service_key_path()).ok()?;
        let key = text.trim();
        (!key.is_empty()).then(|| key.to_string())
    }
}

/// A configuration value that is present but wrong. Services return it from start-up,
/// and the kit exits with code 64 after printing one line naming the variable.
#[derive(Debug, thiserror::Error)]
#[error("{variable}: {problem}")]
pub struct ConfigError {
    pub variable: String,
    pub problem: String,
}

impl ConfigError {
    pub fn new(variable: impl Into<String>, problem: impl Into<String>) -> Self {
        Self {
            variable: variable.into(),
            problem: problem.into(),
        }
    }
}

/// What the command line asked for.
pub enum Invocation<C> {
    Serve(Box<KitConfig>, C),
    HealthCheck(Box<KitConfig>),
}

/// Parses the command line and environment. Errors come back as the one line to print.
pub fn parse<C: Args + FromArgMatches>(
    service: &'static str,
    args: impl IntoIterator<Item = std::ffi::OsString>,
) -> Result<Invocation<C>, ParseOutcome> {
    let command = command::<C>(service);
    let matches = command
        .clone()
        .try_get_matches_from(args)
        .map_err(|error| {
            use clap::error::ErrorKind;
            match error.kind() {
                ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
                    ParseOutcome::Info(error.render().to_string())
                }
                _ => ParseOutcome::Bad(name_variable(&command, &error)),
            }
        })?;
    let kit = KitConfig::from_arg_matches(&matches)
        .map_err(|error| ParseOutcome::Bad(first_line(&error.render().to_string())))?;
    if matches.subcommand_matches("healthcheck").is_some() {
        return Ok(Invocation::HealthCheck(Box::new(kit)));
    }
    let own = C::from_arg_matches(&matches)
        .map_err(|error| ParseOutcome::Bad(first_line(&error.render().to_string())))?;
    Ok(Invocation::Serve(Box::new(kit), own))
}

/// The variable that sets `variable` for `service` alone when several services share one
/// process: `PRICE_FEED__RUST_LOG` for price-feed's `RUST_LOG`.
pub fn service_variable(service: &str, variable: &str) -> String {
    format!(
        "{}__{variable}",
        service.to_ascii_uppercase().replace('-', "_")
    )
}

/// Flags for the settings of `service` given by [`service_variable`]s, read through
/// `lookup`. The listen addresses are left out: whoever runs the services places them.
pub fn prefixed_overrides<C: Args>(
    service: &'static str,
    lookup: impl Fn(&str) -> Option<std::ffi::OsString>,
) -> Vec<std::ffi::OsString> {
    let command = command::<C>(service);
    let mut flags = Vec::new();
    for arg in command.get_arguments() {
        let (Some(variable), Some(long)) = (arg.get_env(), arg.get_long()) else {
            continue;
        };
        if matches!(arg.get_id().as_str(), "grpc_addr" | "admin_addr") {
            continue;
        }
        let Some(value) = lookup(&service_variable(service, &variable.to_string_lossy())) else {
            continue;
        };
        if arg.get_action().takes_values() {
            let mut flag = std::ffi::OsString::from(format!("--{long}="));
            flag.push(value);
            flags.push(flag);
        } else if matches!(
            value.to_string_lossy().to_ascii_lowercase().as_str(),
            "1" | "true" | "yes" | "on"
        ) {
            flags.push(format!("--{long}").into());
        }
    }
    flags
}

/// Not a configuration: help text to print (exit 0) or a bad value (exit 64).
#[derive(Debug)]
pub enum ParseOutcome {
    Info(String),
    Bad(String),
}

fn command<C: Args>(service: &'static str) -> Command {
    let mut command = Command::new(service)
        .about(format!("Quorum {service} service"))
        .version(env!("CARGO_PKG_VERSION"))
        .subcommand_negates_reqs(true)
        .subcommand(Command::new("healthcheck").about(
            "Ask this service's own gRPC port for its health; exit 0 when SERVING, 1 otherwise",
        ));
    command = KitConfig::augment_args(command);
    command = C::augment_args(command);
    if let Ok(catalog) = quorum_catalog::Catalog::load()
        && let Some(entry) = catalog.service(service)
    {
        // Built once per process; leaking gives clap the 'static strings it keeps.
        let grpc: &'static str = Box::leak(entry.default_grpc_addr().to_string().into_boxed_str());
        let admin: &'static str =
            Box::leak(entry.default_admin_addr().to_string().into_boxed_str());
        command = command
            .mut_arg("grpc_addr", |arg| arg.default_value(grpc))
            .mut_arg("admin_addr", |arg| arg.default_value(admin));
    }
    command
}

/// The error's first line, led by the environment variable of the setting at fault.
fn name_variable(command: &Command, error: &clap::Error) -> String {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    let line = first_line(&error.render().to_string());
    let line = line.strip_prefix("error: ").unwrap_or(&line).to_string();
    let flags: Vec<String> = match error.get(ContextKind::InvalidArg) {
        Some(ContextValue::String(flag)) => vec![flag.clone()],
        Some(ContextValue::Strings(flags)) => flags.clone(),
        _ => return line,
    };
    let variables: Vec<String> = flags
        .iter()
        .map(|flag| variable_of(command, flag).unwrap_or_else(|| flag.clone()))
        .collect();
    if error.kind() == ErrorKind::MissingRequiredArgument {
        return format!("{} must be set", variables.join(", "));
    }
    format!("{}: {line}", variables.join(", "))
}

fn variable_of(command: &Command, flag: &str) -> Option<String> {
    let long = flag.split_whitespace().next()?.strip_prefix("--")?;
    command
        .get_arguments()
        .find(|arg| arg.get_long() == Some(long))
        .and_then(|arg| arg.get_env())
        .map(|env| env.to_string_lossy().to_string())
}

fn first_line(rendered: &str) -> String {
    rendered
        .lines()
        .find(|line| !line.trim().is_empty())
        .unwrap_or("invalid configuration")
        .trim()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Args)]
    struct Own {
        #[arg(long, env = "DEMO_LIMIT", default_value_t = 5)]
        limit: u32,
    }

    fn args(list: &[&str]) -> Vec<std::ffi::OsString> {
        list.iter().map(Into::into).collect()
    }

    #[test]
    fn flags_parse_into_both_configs() {
        let parsed = parse::<Own>(
            "demo",
            args(&[
                "demo",
                "--grpc-addr",
                "127.0.0.1:1",
                "--admin-addr",
                "127.0.0.1:2",
                "--limit",
                "9",
            ]),
        );
        match parsed {
            Ok(Invocation::Serve(kit, own)) => {
                assert_eq!(kit.grpc_addr.port(), 1);
                assert_eq!(own.limit, 9);
            }
            _ => panic!("expected a serve invocation"),
        }
    }

    #[test]
    fn bad_value_is_one_line_naming_the_setting() {
        let parsed = parse::<Own>(
            "demo",
            args(&[
                "demo",
                "--grpc-addr",
                "nowhere",
                "--admin-addr",
                "127.0.0.1:2",
            ]),
        );
        match parsed {
            Err(ParseOutcome::Bad(line)) => {
                assert!(line.starts_with("QUORUM_GRPC_ADDR: "), "{line}");
                assert!(!line.contains('\n'));
            }
            _ => panic!("expected a bad configuration"),
        }
    }

    #[derive(Debug, Args)]
    struct NeedsUrl {
        #[arg(long, env = "DEMO_DATABASE_URL")]
        database_url: String,
    }

    #[test]
    fn missing_setting_is_named_by_its_variable() {
        let parsed = parse::<NeedsUrl>(
            "demo",
            args(&[
                "demo",
                "--grpc-addr",
                "127.0.0.1:1",
                "--admin-addr",
                "127.0.0.1:2",
            ]),
        );
        match parsed {
            Err(ParseOutcome::Bad(line)) => assert_eq!(line, "DEMO_DATABASE_URL must be set"),
            _ => panic!("expected a bad configuration"),
        }
    }

    #[test]
    fn help_lists_environment_variables() {
        match parse::<Own>("demo", args(&["demo", "--help"])) {
            Err(ParseOutcome::Info(text)) => {
                assert!(text.contains("QUORUM_GRPC_ADDR"), "{text}");
                assert!(text.contains("DEMO_LIMIT"), "{text}");
            }
            _ => panic!("expected help text"),
        }
    }

    #[test]
    fn service_variables_set_one_service_alone() {
        assert_eq!(
            service_variable("price-feed", "RUST_LOG"),
            "PRICE_FEED__RUST_LOG"
        );
        let flags = prefixed_overrides::<Own>("demo", |variable| match variable {
            "DEMO__DEMO_LIMIT" => Some("11".into()),
            "DEMO__QUORUM_GRPC_ADDR" => Some("127.0.0.1:9".into()),
            "DEMO__QUORUM_LOG_FORMAT" => Some("text".into()),
            _ => None,
        });
        let mut args = args(&[
            "demo",
            "--grpc-addr",
            "127.0.0.1:1",
            "--admin-addr",
            "127.0.0.1:2",
        ]);
        args.extend(flags);
        match parse::<Own>("demo", args) {
            Ok(Invocation::Serve(kit, own)) => {
                assert_eq!(own.limit, 11);
                assert_eq!(kit.log_format, LogFormat::Text);
                assert_eq!(
                    kit.grpc_addr.port(),
                    1,
                    "listen addresses are not overridden"
                );
            }
            _ => panic!("expected a serve invocation"),
        }
    }

    #[test]
    fn healthcheck_subcommand_is_recognised() {
        let parsed = parse::<Own>(
            "demo",
            args(&[
                "demo",
                "--grpc-addr",
                "127.0.0.1:1",
                "--admin-addr",
                "127.0.0.1:2",
                "healthcheck",
            ]),
        );
        assert!(matches!(parsed, Ok(Invocation::HealthCheck(_))));
    }
}
