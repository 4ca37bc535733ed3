//! risk-manager: pre-trade order checks against per-account limits, the global trading
//! state (ACTIVE / REDUCING / HALTED) with its kill switch, a drawdown monitor that can
//! move that state by itself, and historical and parametric VaR and expected shortfall.
pub mod check;
pub mod handlers;
pub mod limits;
pub mod monitor;
pub mod peers;
pub mod rate;
pub mod returns;
pub mod risk_metrics;
pub mod rules;
pub mod state;
pub mod store;
pub mod var;

use std::sync::Arc;
use std::time::Duration;

use quorum_bus::BusArgs;
use quorum_bus::outbox::Outbox;
use quorum_kit::auth::AuthPolicy;
use quorum_kit::{ConfigError, Kit, Service};
use quorum_proto::trading::v1::risk_service_server::RiskServiceServer;
use quorum_store::DatabaseArgs;
use quorum_store::errors::database_status;
use sqlx::PgPool;
use tonic::Status;

use crate::handlers::RiskHandlers;
use crate::limits::{DefaultLimitArgs, Limits};
use crate::peers::{PeerArgs, Peers};
use crate::rate::OrderRate;

/// The service's catalog name.
pub const SERVICE: &str = "risk-manager";

/// The role that may change limits and the trading state (admins may too).
pub const RISK_OFFICER_ROLE: &str = "risk-officer";

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!();

const METHOD_PREFIX: &str = "/quorum.trading.v1.RiskService/";

/// Longest drawdown monitor interval, in seconds (a day).
pub const MAX_MONITOR_INTERVAL_SECS: u64 = 86_400;
/// Longest mark age and peer timeout accepted, in milliseconds (an hour).
pub const MAX_MILLISECONDS: u64 = 3_600_000;

/// risk-manager's own settings.
#[derive(Debug, Clone, clap::Args)]
pub struct Config {
    #[command(flatten)]
    pub database: DatabaseArgs,
    #[command(flatten)]
    pub bus: BusArgs,
    #[command(flatten)]
    pub defaults: DefaultLimitArgs,
    #[command(flatten)]
    pub peers: PeerArgs,
    /// Seconds between two passes of the drawdown monitor.
    #[arg(long, env = "QUORUM_RISK_MONITOR_INTERVAL_SECS", default_value_t = 30)]
    pub monitor_interval_secs: u64,
    /// A mark (price-feed's mid) older than this many milliseconds is not fresh, and the
    /// price band rule then fails.
    #[arg(long, env = "QUORUM_RISK_MARK_MAX_AGE_MS", default_value_t = 10_000)]
    pub mark_max_age_ms: u64,
    /// Patience for one call to portfolio-manager, price-feed or trade-history, in ms.
    #[arg(long, env = "QUORUM_RISK_PEER_TIMEOUT_MS", default_value_t = 3_000)]
    pub peer_timeout_ms: u64,
}

impl Config {
    /// Defaults for everything but the two URLs (tests and tools).
    pub fn new(database_url: impl Into<String>, redis_url: impl Into<String>) -> Self {
        Self {
            database: DatabaseArgs::new(database_url),
            bus: BusArgs::new(redis_url),
            defaults: DefaultLimitArgs::default(),
            peers: PeerArgs::default(),
            monitor_interval_secs: 30,
            mark_max_age_ms: 10_000,
            peer_timeout_ms: 3_000,
        }
    }
}

/// What every handler and the monitor share.
pub struct Shared {
    pub pool: PgPool,
    pub outbox: Outbox,
    pub peers: Peers,
    pub rate: OrderRate,
    /// Limits of accounts without their own.
    pub defaults: Limits,
    pub mark_max_age_ms: i64,
}

impl Shared {
    /// The account's own limits, else the defaults.
    pub async fn limits_of(&self, account: &str) -> Result<Limits, Status> {
        let own = store::limits_of(&self.pool, account)
            .await
            .map_err(|error| database_status("reading limits failed", error))?;
        Ok(own.unwrap_or_else(|| self.defaults.clone()))
    }
}

/// Checks the settings, migrates Postgres, starts the outbox relay and the drawdown
/// monitor, and returns the gRPC service with its access rules.
pub async fn start(kit: Kit, config: Config) -> anyhow::Result<Service> {
    let settings = check(&config)?;
    let peers = Peers::new(&kit, &config.peers, settings.peer_timeout)?;
    let pool = config.database.connect(SERVICE, &MIGRATOR).await?;
    let outbox = Outbox::open(pool.clone()).await?;
    let shared = Arc::new(Shared {
        pool,
        outbox: outbox.clone(),
        peers,
        rate: OrderRate::new(&config.bus.redis_url),
        defaults: settings.defaults,
        mark_max_age_ms: settings.mark_max_age_ms,
    });
    kit.spawn(
        "outbox-relay",
        outbox.relay_when_connected(config.bus.clone(), kit.shutdown_token()),
    );
    kit.spawn(
        "drawdown-monitor",
        monitor::run(
            shared.clone(),
            settings.monitor_interval,
            kit.shutdown_token(),
        ),
    );
    Ok(Service::new()
        .add(RiskServiceServer::new(RiskHandlers::new(shared)))
        .policy(policy()))
}

/// Changing limits or the trading state needs the risk-officer role (admins pass every
/// rule); everything else needs any valid token.
pub fn policy() -> AuthPolicy {
    AuthPolicy::new()
        .require(
            &format!("{METHOD_PREFIX}SetTradingState"),
            &[RISK_OFFICER_ROLE],
        )
        .require(&format!("{METHOD_PREFIX}SetLimits"), &[RISK_OFFICER_ROLE])
}

/// The settings in the units the service uses.
#[derive(Debug, Clone)]
struct Settings {
    defaults: Limits,
    monitor_interval: Duration,
    mark_max_age_ms: i64,
    peer_timeout: Duration,
}

/// Refuses values that cannot work, naming the variable.
fn check(config: &Config) -> Result<Settings, ConfigError> {
    config.database.check()?;
    config.bus.check()?;
    config.peers.check()?;
    let defaults = config.defaults.limits()?;
    if !(1..=MAX_MONITOR_INTERVAL_SECS).contains(&config.monitor_interval_secs) {
        return Err(ConfigError::new(
            "QUORUM_RISK_MONITOR_INTERVAL_SECS",
            format!("must be between 1 and {MAX_MONITOR_INTERVAL_SECS} (seconds)"),
        ));
    }
    let milliseconds = |value: u64, variable: &str| {
        if (1..=MAX_MILLISECONDS).contains(&value) {
            Ok(value)
        } else {
            Err(ConfigError::new(
                variable,
                format!("must be between 1 and {MAX_MILLISECONDS} (milliseconds)"),
            ))
        }
    };
    let mark_max_age_ms = milliseconds(config.mark_max_age_ms, "QUORUM_RISK_MARK_MAX_AGE_MS")?;
    let peer_timeout_ms = milliseconds(config.peer_timeout_ms, "QUORUM_RISK_PEER_TIMEOUT_MS")?;
    Ok(Settings {
        defaults,
        monitor_interval: Duration::from_secs(config.monitor_interval_secs),
        mark_max_age_ms: i64::try_from(mark_max_age_ms).unwrap_or(i64::MAX),
        peer_timeout: Duration::from_millis(peer_timeout_ms),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;

    fn config() -> Config {
        Config::new("postgres://u:p@h/db", "redis://127.0.0.1:6379")
    }

    #[test]
    fn defaults_pass() {
        let settings = check(&config()).unwrap();
        assert_eq!(settings.monitor_interval, Duration::from_secs(30));
        assert_eq!(settings.mark_max_age_ms, 10_000);
        assert_eq!(settings.defaults.max_orders_per_minute, 120);
    }

    #[test]
    fn bad_values_name_their_variable() {
        type Edit = fn(&mut Config);
        let cases: Vec<(Edit, &str)> = vec![
            (
                |c| c.database.database_url = "mysql://x".into(),
                "DATABASE_URL",
            ),
            (|c| c.bus.redis_url = "http://x".into(), "REDIS_URL"),
            (
                |c| c.peers.portfolio_manager_addr = Some("pm:50119".into()),
                "QUORUM_PORTFOLIO_MANAGER_ADDR",
            ),
            (
                |c| c.defaults.max_order_notional = Decimal::NEGATIVE_ONE,
                "QUORUM_RISK_MAX_ORDER_NOTIONAL",
            ),
            (
                |c| c.defaults.reducing_drawdown = 1.5,
                "QUORUM_RISK_REDUCING_DRAWDOWN",
            ),
            (
                |c| c.monitor_interval_secs = 0,
                "QUORUM_RISK_MONITOR_INTERVAL_SECS",
            ),
            (|c| c.mark_max_age_ms = 0, "QUORUM_RISK_MARK_MAX_AGE_MS"),
            (
                |c| c.peer_timeout_ms = MAX_MILLISECONDS + 1,
                "QUORUM_RISK_PEER_TIMEOUT_MS",
            ),
        ];
        for (edit, variable) in cases {
            let mut bad = config();
            edit(&mut bad);
            assert_eq!(check(&bad).unwrap_err().variable, variable);
        }
    }

    #[test]
    fn the_binary_reads_the_settings_beside_the_kits() {
        use quorum_kit::config::ParseOutcome;
        let service = quorum_kit::ServiceDef::new(SERVICE, start);
        let args = |leverage: &str| -> Vec<std::ffi::OsString> {
            [
                SERVICE,
                "--grpc-addr",
                "127.0.0.1:0",
                "--admin-addr",
                "127.0.0.1:0",
                "--database-url",
                "postgres://u:p@h/db",
                "--redis-url",
                "redis://h:6379",
                "--max-leverage",
                leverage,
                "--monitor-interval-secs",
                "5",
            ]
            .map(Into::into)
            .to_vec()
        };
        if let Err(ParseOutcome::Bad(line) | ParseOutcome::Info(line)) = service.parse(args("2.5"))
        {
            panic!("good settings refused: {line}");
        }
        match service.parse(args("lots")) {
            Err(ParseOutcome::Bad(line)) => assert!(line.contains("max-leverage"), "{line}"),
            _ => panic!("a leverage that is not a decimal must be refused"),
        }
    }

    #[test]
    fn only_risk_officers_and_admins_change_things() {
        use quorum_kit::auth::policy::Requirement;
        let policy = policy();
        let officer = vec![RISK_OFFICER_ROLE.to_string()];
        for method in ["SetTradingState", "SetLimits"] {
            assert_eq!(
                policy.requirement(&format!("{METHOD_PREFIX}{method}")),
                Requirement::Roles(&officer)
            );
        }
        assert_eq!(
            policy.requirement(&format!("{METHOD_PREFIX}CheckOrder")),
            Requirement::Roles(&[])
        );
    }
}
