//! compliance-checker: versioned compliance rules, pre-trade checks of order intents
//! (restricted symbols, account limits, wash trades, spoofing, account status), and
//! surveillance of the order events and fills the venue connectors publish.
pub mod accounts;
pub mod audit;
pub mod consumer;
pub mod convert;
pub mod evaluate;
pub mod handlers;
pub mod history;
pub mod report;
pub mod rule_store;
pub mod rules;
pub mod surveillance;
pub mod tracker;
pub mod views;

use std::sync::Arc;

use quorum_bus::BusArgs;
use quorum_bus::outbox::Outbox;
use quorum_kit::auth::AuthPolicy;
use quorum_kit::{ConfigError, Kit, Service};
use quorum_proto::security::v1::compliance_service_server::ComplianceServiceServer;
use quorum_store::DatabaseArgs;

use crate::consumer::Membership;
use crate::handlers::{ComplianceHandler, State};
use crate::tracker::Tracker;

pub const SERVICE: &str = "compliance-checker";

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!();

const METHOD_PREFIX: &str = "/quorum.security.v1.ComplianceService/";

/// The role that writes rules and sets account statuses (admin passes too).
pub const OFFICER_ROLE: &str = "compliance-officer";

/// Longest surveillance report range that may be configured, in days.
pub const MAX_REPORT_DAYS: u32 = 366;

/// compliance-checker's own settings.
#[derive(Debug, Clone, clap::Args)]
pub struct Config {
    #[command(flatten)]
    pub database: DatabaseArgs,
    #[command(flatten)]
    pub bus: BusArgs,
    /// Name of this instance in the bus consumer groups; keep it stable across restarts.
    #[arg(long, env = "HOSTNAME", default_value = "compliance-checker-1")]
    pub consumer_name: String,
    /// Consumer group of exec.orders and exec.fills. The views live in memory and need
    /// every event, so each replica needs a group of its own.
    #[arg(
        long,
        env = "QUORUM_COMPLIANCE_CONSUMER_GROUP",
        default_value = "compliance-checker"
    )]
    pub consumer_group: String,
    /// Longest range one surveillance report may cover, in days.
    #[arg(long, env = "QUORUM_COMPLIANCE_REPORT_MAX_DAYS", default_value_t = 31)]
    pub report_max_days: u32,
}

impl Config {
    /// Defaults for everything but the two URLs (tests and tools).
    pub fn new(database_url: impl Into<String>, redis_url: impl Into<String>) -> Self {
        Self {
            database: DatabaseArgs::new(database_url),
            bus: BusArgs::new(redis_url),
            consumer_name: "compliance-checker-1".into(),
            consumer_group: "compliance-checker".into(),
            report_max_days: 31,
        }
    }
}

/// Connects Postgres (migrating it and seeding the default rules), rebuilds the views
/// from stored history, starts the bus consumers, the outbox relay and view pruning,
/// and returns the gRPC service with its access rules.
pub async fn start(kit: Kit, config: Config) -> anyhow::Result<Service> {
    check(&config)?;
    let pool = config.database.connect(SERVICE, &MIGRATOR).await?;
    let outbox = Outbox::open(pool.clone()).await?;
    let tracker = Tracker::rebuild(pool, now_ms()).await?;

    let membership = Membership {
        group: config.consumer_group.clone(),
        consumer: config.consumer_name.clone(),
    };
    kit.spawn(
        "order-consumer",
        consumer::run(
            consumer::Feed::Orders,
            config.bus.clone(),
            membership.clone(),
            tracker.clone(),
            kit.shutdown_token(),
        ),
    );
    kit.spawn(
        "fill-consumer",
        consumer::run(
            consumer::Feed::Fills,
            config.bus.clone(),
            membership,
            tracker.clone(),
            kit.shutdown_token(),
        ),
    );
    kit.spawn(
        "view-pruning",
        tracker.clone().prune_periodically(kit.shutdown_token()),
    );
    kit.spawn(
        "outbox-relay",
        outbox
            .clone()
            .relay_when_connected(config.bus.clone(), kit.shutdown_token()),
    );

    let state = Arc::new(State {
        tracker,
        outbox,
        max_report_range_ms: i64::from(config.report_max_days) * views::DAY_MS,
    });
    Ok(Service::new()
        .add(ComplianceServiceServer::new(ComplianceHandler::new(state)))
        .policy(policy()))
}

/// Who may call what. CheckOrder and ListRules need any valid token.
fn policy() -> AuthPolicy {
    let method = |name: &str| format!("{METHOD_PREFIX}{name}");
    AuthPolicy::new()
        .require(&method("PutRule"), &[OFFICER_ROLE])
        .require(&method("SetAccountStatus"), &[OFFICER_ROLE])
        .require(&method("GetAccountStatus"), &[OFFICER_ROLE])
        .require(&method("GetSurveillanceReport"), &[OFFICER_ROLE, "auditor"])
}

/// Refuses bad values before anything connects.
fn check(config: &Config) -> Result<(), ConfigError> {
    config.database.check()?;
    config.bus.check()?;
    if config.consumer_name.trim().is_empty() {
        return Err(ConfigError::new(
            "HOSTNAME",
            "must not be empty (it names this bus consumer)",
        ));
    }
    let group = config.consumer_group.trim();
    if group.is_empty() || group.contains(char::is_whitespace) {
        return Err(ConfigError::new(
            "QUORUM_COMPLIANCE_CONSUMER_GROUP",
            "must be a non-empty word",
        ));
    }
    if !(1..=MAX_REPORT_DAYS).contains(&config.report_max_days) {
        return Err(ConfigError::new(
            "QUORUM_COMPLIANCE_REPORT_MAX_DAYS",
            format!("must be between 1 and {MAX_REPORT_DAYS}"),
        ));
    }
    Ok(())
}

/// Now, in Unix milliseconds.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> Config {
        Config::new("postgres://u:p@h/db", "redis://127.0.0.1:6379")
    }

    #[test]
    fn good_config_passes() {
        assert!(check(&config()).is_ok());
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
            (|c| c.consumer_name = " ".into(), "HOSTNAME"),
            (
                |c| c.consumer_group = "two words".into(),
                "QUORUM_COMPLIANCE_CONSUMER_GROUP",
            ),
            (
                |c| c.consumer_group = String::new(),
                "QUORUM_COMPLIANCE_CONSUMER_GROUP",
            ),
            (
                |c| c.report_max_days = 0,
                "QUORUM_COMPLIANCE_REPORT_MAX_DAYS",
            ),
            (
                |c| c.report_max_days = MAX_REPORT_DAYS + 1,
                "QUORUM_COMPLIANCE_REPORT_MAX_DAYS",
            ),
        ];
        for (edit, variable) in cases {
            let mut bad = config();
            edit(&mut bad);
            assert_eq!(check(&bad).unwrap_err().variable, variable);
        }
    }
}
