//! portfolio-manager: the double-entry ledger of every account on every venue, in exact
//! decimals. Fills arrive on `exec.fills` (and ApplyFill), transfers through
//! RecordTransfer; each becomes a journal entry in Postgres before it counts. Positions,
//! PnL and equity are marked from price-feed; equity is recorded over time; balances
//! are reconciled against the venue connectors.
pub mod consumer;
pub mod convert;
pub mod equity;
pub mod handlers;
pub mod marks;
pub mod peers;
pub mod pnl;
pub mod portfolios;
pub mod rebuild;
pub mod reconcile;
pub mod requests;
pub mod store;
pub mod stream;

use std::sync::Arc;
use std::time::Duration;

use quorum_bus::BusArgs;
use quorum_bus::outbox::Outbox;
use quorum_kit::auth::AuthPolicy;
use quorum_kit::{ConfigError, Kit, Service};
use quorum_proto::trading::v1::portfolio_service_server::PortfolioServiceServer;
use quorum_store::DatabaseArgs;

use crate::handlers::{HandlerSettings, PortfolioHandler};
use crate::peers::PeerArgs;
use crate::portfolios::Portfolios;

/// The service's catalog name.
pub const SERVICE: &str = "portfolio-manager";

/// The service's migrations.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!();

const METHOD_PREFIX: &str = "/quorum.trading.v1.PortfolioService/";

/// Longest interval between two equity points of an account (a day).
pub const MAX_EQUITY_INTERVAL_MS: u64 = 86_400_000;

/// portfolio-manager's own settings.
#[derive(Debug, Clone, clap::Args)]
pub struct Config {
    #[command(flatten)]
    pub database: DatabaseArgs,
    #[command(flatten)]
    pub bus: BusArgs,
    #[command(flatten)]
    pub peers: PeerArgs,
    /// Name of this instance in the bus consumer group; keep it stable across restarts.
    #[arg(long, env = "HOSTNAME", default_value = "portfolio-manager-1")]
    pub consumer_name: String,
    /// The asset equity, PnL and exposure are valued in.
    #[arg(long, env = "QUORUM_PORTFOLIO_VALUATION_ASSET", default_value = "USDT")]
    pub valuation_asset: String,
    /// Milliseconds between two equity points of every account (besides the point
    /// recorded after each fill and transfer).
    #[arg(
        long,
        env = "QUORUM_PORTFOLIO_EQUITY_INTERVAL_MS",
        default_value_t = 60_000
    )]
    pub equity_interval_ms: u64,
    /// Least milliseconds between two StreamPortfolio messages.
    #[arg(
        long,
        env = "QUORUM_PORTFOLIO_STREAM_INTERVAL_MS",
        default_value_t = 250
    )]
    pub stream_interval_ms: u64,
    /// How long Reconcile waits for a venue connector, in milliseconds.
    #[arg(
        long,
        env = "QUORUM_PORTFOLIO_RECONCILE_TIMEOUT_MS",
        default_value_t = 5000
    )]
    pub reconcile_timeout_ms: u64,
}

impl Config {
    /// Defaults for everything but the two URLs (tests and tools).
    pub fn new(database_url: impl Into<String>, redis_url: impl Into<String>) -> Self {
        Self {
            database: DatabaseArgs::new(database_url),
            bus: BusArgs::new(redis_url),
            peers: PeerArgs::default(),
            consumer_name: "portfolio-manager-1".into(),
            valuation_asset: "USDT".into(),
            equity_interval_ms: 60_000,
            stream_interval_ms: 250,
            reconcile_timeout_ms: 5000,
        }
    }
}

/// Connects Postgres (migrating it), rebuilds the ledger from the journal, starts the
/// fill consumer, the marks follower, the equity recorder and the outbox relay, and
/// returns the gRPC service with its access rules.
pub async fn start(kit: Kit, config: Config) -> anyhow::Result<Service> {
    let settings = check(&config)?;
    let price_feed = config.peers.price_feed(&kit)?;
    let connectors = config.peers.connectors(&kit)?;
    let pool = config.database.connect(SERVICE, &MIGRATOR).await?;
    let outbox = Outbox::open(pool.clone()).await?;
    let ledger = rebuild::rebuild(&pool, &config.valuation_asset).await?;
    tracing::info!(
        entries = ledger.entries(),
        accounts = ledger.accounts().len(),
        "ledger rebuilt from the journal"
    );
    let portfolios = Arc::new(Portfolios::new(pool, outbox.clone(), ledger));

    kit.spawn(
        "fill-consumer",
        consumer::run(
            config.bus.clone(),
            config.consumer_name.clone(),
            portfolios.clone(),
            kit.shutdown_token(),
        ),
    );
    kit.spawn(
        "marks",
        marks::follow(price_feed, portfolios.clone(), kit.shutdown_token()),
    );
    kit.spawn(
        "equity-points",
        equity::run(
            portfolios.clone(),
            Duration::from_millis(config.equity_interval_ms),
            kit.shutdown_token(),
        ),
    );
    kit.spawn(
        "outbox-relay",
        outbox.relay_when_connected(config.bus.clone(), kit.shutdown_token()),
    );

    let handler = PortfolioHandler::new(portfolios, connectors, settings, kit.shutdown_token());
    Ok(Service::new()
        .add(PortfolioServiceServer::new(handler))
        .policy(policy()))
}

/// Reading needs a role that may see positions; fills come from services; transfers
/// move money and are for admins (who pass every rule).
pub fn policy() -> AuthPolicy {
    let readers = ["viewer", "trader", "auditor", "service"];
    let mut policy = AuthPolicy::new();
    for method in [
        "GetPortfolio",
        "GetPositions",
        "GetPnl",
        "GetEquityHistory",
        "StreamPortfolio",
    ] {
        policy = policy.require(&format!("{METHOD_PREFIX}{method}"), &readers);
    }
    policy
        .require(&format!("{METHOD_PREFIX}ApplyFill"), &["service"])
        .require(&format!("{METHOD_PREFIX}RecordTransfer"), &["admin"])
        .require(
            &format!("{METHOD_PREFIX}Reconcile"),
            &["trader", "auditor", "service"],
        )
}

/// The wall clock in Unix milliseconds.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// Refuses bad values before anything connects; gives the handlers' settings.
fn check(config: &Config) -> Result<HandlerSettings, ConfigError> {
    config.database.check()?;
    config.bus.check()?;
    config.peers.check()?;
    if config.consumer_name.trim().is_empty() {
        return Err(ConfigError::new(
            "HOSTNAME",
            "must not be empty (it names this bus consumer)",
        ));
    }
    quorum_ledger::asset("QUORUM_PORTFOLIO_VALUATION_ASSET", &config.valuation_asset).map_err(
        |error| {
            ConfigError::new(
                "QUORUM_PORTFOLIO_VALUATION_ASSET",
                requests::problem_of(&error),
            )
        },
    )?;
    if !(100..=MAX_EQUITY_INTERVAL_MS).contains(&config.equity_interval_ms) {
        return Err(ConfigError::new(
            "QUORUM_PORTFOLIO_EQUITY_INTERVAL_MS",
            format!("must be between 100 and {MAX_EQUITY_INTERVAL_MS} (milliseconds)"),
        ));
    }
    if config.stream_interval_ms > 60_000 {
        return Err(ConfigError::new(
            "QUORUM_PORTFOLIO_STREAM_INTERVAL_MS",
            "must be between 0 and 60000 (milliseconds)",
        ));
    }
    if !(100..=120_000).contains(&config.reconcile_timeout_ms) {
        return Err(ConfigError::new(
            "QUORUM_PORTFOLIO_RECONCILE_TIMEOUT_MS",
            "must be between 100 and 120000 (milliseconds)",
        ));
    }
    Ok(HandlerSettings {
        reconcile_timeout: Duration::from_millis(config.reconcile_timeout_ms),
        stream_interval: Duration::from_millis(config.stream_interval_ms),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> Config {
        Config::new("postgres://u:p@h/db", "redis://127.0.0.1:6379")
    }

    #[test]
    fn defaults_pass() {
        let settings = check(&config()).unwrap();
        assert_eq!(settings.reconcile_timeout, Duration::from_secs(5));
        assert_eq!(settings.stream_interval, Duration::from_millis(250));
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
                |c| c.peers.connectors.okx_api_addr = Some("okx:1".into()),
                "QUORUM_OKX_API_ADDR",
            ),
            (|c| c.consumer_name = " ".into(), "HOSTNAME"),
            (
                |c| c.valuation_asset = "US-DT".into(),
                "QUORUM_PORTFOLIO_VALUATION_ASSET",
            ),
            (
                |c| c.equity_interval_ms = 0,
                "QUORUM_PORTFOLIO_EQUITY_INTERVAL_MS",
            ),
            (
                |c| c.stream_interval_ms = 60_001,
                "QUORUM_PORTFOLIO_STREAM_INTERVAL_MS",
            ),
            (
                |c| c.reconcile_timeout_ms = 0,
                "QUORUM_PORTFOLIO_RECONCILE_TIMEOUT_MS",
            ),
        ];
        for (edit, variable) in cases {
            let mut bad = config();
            edit(&mut bad);
            assert_eq!(check(&bad).unwrap_err().variable, variable);
        }
    }

    #[test]
    fn reads_need_a_reader_role_and_transfers_an_admin() {
        use quorum_kit::auth::policy::Requirement;
        let policy = policy();
        let roles = |method: &str| match policy.requirement(&format!("{METHOD_PREFIX}{method}")) {
            Requirement::Roles(roles) => roles.to_vec(),
            Requirement::Public => vec!["public".to_string()],
        };
        assert!(roles("GetPortfolio").contains(&"viewer".to_string()));
        assert_eq!(roles("RecordTransfer"), ["admin"]);
        assert_eq!(roles("ApplyFill"), ["service"]);
    }
}
