//! consensus-engine: proposals put to registered voters (`quorum.ai.v1.Voter`) over
//! gRPC in rounds, approved when a quorum answered and the weighted agreement reaches
//! the threshold (the rule lives in `quorum-consensus`). Every decision, round and vote
//! is stored with its events (`ai.decisions`, `audit`) in one transaction; a background
//! resolver judges DIRECTION outcomes from trade-history's candles and scores voters.
pub mod assemble;
pub mod ballots;
pub mod claims;
pub mod config;
pub mod convert;
pub mod decide;
pub mod handlers;
pub mod listing;
pub mod metrics;
pub mod prices;
pub mod read;
pub mod record;
pub mod resolver;
pub mod stats;
pub mod store;
pub mod validate;
pub mod voters;

use std::sync::Arc;

use quorum_bus::outbox::Outbox;
use quorum_kit::auth::AuthPolicy;
use quorum_kit::{ConfigError, Kit, Service};
use quorum_proto::ai::v1::consensus_service_server::ConsensusServiceServer;

pub use config::{Config, Policy};

use crate::ballots::BallotBox;
use crate::config::TRADE_HISTORY;
use crate::decide::Engine;
use crate::handlers::ConsensusHandler;
use crate::metrics::ConsensusMetrics;
use crate::prices::TradeHistory;
use crate::resolver::Resolver;

pub const SERVICE: &str = "consensus-engine";

/// The service's migrations (also used by the benchmark).
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!();

const METHOD_PREFIX: &str = "/quorum.ai.v1.ConsensusService/";

/// Connects Postgres (migrating it), starts the outbox relay and the outcome resolver,
/// and returns the gRPC service with its access rules.
pub async fn start(kit: Kit, config: Config) -> anyhow::Result<Service> {
    let policy = config.check()?;
    let trade_history = trade_history(&kit, &config)?;
    let pool = config.database.connect(SERVICE, &MIGRATOR).await?;
    let outbox = Outbox::open(pool.clone()).await?;
    let metrics = ConsensusMetrics::register(kit.metrics());
    kit.spawn(
        "outbox-relay",
        outbox
            .clone()
            .relay_when_connected(config.bus.clone(), kit.shutdown_token()),
    );
    let resolver = Resolver {
        pool: pool.clone(),
        prices: trade_history,
        metrics: metrics.clone(),
        flat_band: policy.flat_band,
        interval: policy.resolver_interval,
    };
    kit.spawn("outcome-resolver", resolver.run(kit.shutdown_token()));
    let engine = Engine {
        pool,
        outbox,
        ballots: BallotBox::new(kit.clone()),
        metrics,
        policy,
    };
    let handler = ConsensusHandler::new(Arc::new(engine), kit.config().request_timeout());
    Ok(Service::new()
        .add(ConsensusServiceServer::new(handler))
        .policy(access_policy()))
}

/// Deciding is for traders and services (strategies ask for decisions); registering
/// voters for services (voters registering themselves) and admins; reading needs any
/// valid token.
pub fn access_policy() -> AuthPolicy {
    AuthPolicy::new()
        .require(&format!("{METHOD_PREFIX}Decide"), &["trader", "service"])
        .require(
            &format!("{METHOD_PREFIX}RegisterVoter"),
            &["service", "admin"],
        )
}

/// trade-history's client: at QUORUM_TRADE_HISTORY_ADDR when set, else found by name.
fn trade_history(kit: &Kit, config: &Config) -> Result<TradeHistory, ConfigError> {
    let channel = kit.peer_channel(TRADE_HISTORY, config.trade_history_address())?;
    Ok(TradeHistory::new(channel))
}
