//! The venue connector runtime shared by binance-api, coinbase-api, okx-api and
//! gate-io-api: books synced from a market source (sim, replay or live) by the venue's
//! own rules, market data on the bus and on a gRPC stream, and orders filled on paper
//! or sent to the venue, all behind the one `quorum.exchange.v1.Exchange` contract.
//! Paper state lives in Postgres (the service's own schema), and order events and fills
//! reach the bus through the transactional outbox.
//!
//! A service crate is a venue marker and one call: `start(kit, config, protocol)`.
pub mod api;
pub mod config;
pub mod live;
pub mod paper;
pub mod publisher;
pub mod runtime;
mod source;
pub mod state;
pub mod store;
#[cfg(feature = "testing")]
pub mod testing;

use std::sync::{Arc, Mutex, OnceLock};

use quorum_kit::auth::AuthPolicy;
use quorum_kit::{Kit, Service};
use quorum_proto::exchange::v1::exchange_server::ExchangeServer;
use quorum_venues::VenueProtocol;
use tokio::sync::{broadcast, mpsc};

pub use config::{
    BinanceEnv, CoinbaseEnv, Config, GateioEnv, MarketSource, OkxEnv, Settings, Source,
    TradingMode, VenueEnv,
};

use crate::api::{ExchangeApi, METHOD_PREFIX};
use crate::live::LiveOrders;
use crate::paper::{FeeRates, PaperEngine};
use crate::publisher::{ConnectorMetrics, MarketPublisher};
use crate::runtime::{LIVE_SILENCE_LIMIT, MarketRuntime, RuntimeSettings, venue_rest_pacing};
use crate::state::{EVENT_BUFFER, Shared};
use crate::store::PaperStore;
use crate::store::writer::{self, StateWriter};

/// Who may place and cancel orders.
const ORDER_ROLES: &[&str] = &["trader", "service"];

/// Checks the configuration, loads the paper state from the database (so the service is
/// not SERVING before it has it), starts the market runtime, the state writer, the
/// outbox relay and the market data publisher, and returns the Exchange service:
/// PlaceOrder and CancelOrder need the role `trader` (a user) or `service` (strategy-engine,
/// placing the orders of strategies a trader started), every other method any valid token.
pub async fn start<V: VenueEnv>(
    kit: Kit,
    config: Config<V>,
    protocol: Arc<dyn VenueProtocol>,
) -> anyhow::Result<Service> {
    let settings = config.settings(protocol.as_ref())?;
    let transport = source::transport(&settings)?;
    let venue = settings.venue;
    tracing::info!(
        %venue,
        market_source = settings.source.kind().as_str(),
        trading_mode = settings.trading_mode.as_str(),
        "connector starting"
    );
    let store = PaperStore::open(&settings.database, kit.name()).await?;
    // The prefix is made on the first start and kept; with the stored counter it keeps
    // order and fill ids unique across restarts.
    let random: String = uuid::Uuid::new_v4()
        .simple()
        .to_string()
        .chars()
        .take(8)
        .collect();
    let loaded = store
        .load(venue, &format!("{}-{random}", venue.as_str()))
        .await?;
    let (taker, maker) = protocol.base_fees();
    let mut paper = PaperEngine::new(
        venue,
        FeeRates { taker, maker },
        settings.paper_balances.clone(),
        loaded.id_prefix,
    );
    tracing::info!(
        open_orders = loaded.state.open.len(),
        closed_orders = loaded.state.closed.len(),
        next_id = loaded.state.next_id,
        "paper state loaded"
    );
    paper.restore(loaded.state);

    let metrics = ConnectorMetrics::register(&kit);
    let (market_out, market_queue) = MarketPublisher::new(metrics.clone());
    let (paper_writer, writer_queue) = StateWriter::channel();
    let (commands, command_queue) = mpsc::channel(64);
    let (events, _) = broadcast::channel(EVENT_BUFFER);
    let shared = Arc::new(Shared {
        venue,
        source: settings.source.kind(),
        trading_mode: settings.trading_mode,
        protocol,
        transport,
        credentials: settings.credentials.clone(),
        tracked: OnceLock::new(),
        failure: Mutex::new(None),
        paper: Mutex::new(paper),
        live_orders: Mutex::new(LiveOrders::default()),
        events,
        commands,
        market_out,
        paper_writer,
    });
    kit.spawn(
        "paper-writer",
        writer::run(
            store.clone(),
            writer_queue,
            metrics.clone(),
            kit.shutdown_token(),
        ),
    );
    kit.spawn(
        "outbox-relay",
        store
            .outbox()
            .relay_when_connected(settings.bus.clone(), kit.shutdown_token()),
    );
    kit.spawn(
        "bus-publisher",
        publisher::run(
            settings.bus.clone(),
            market_queue,
            metrics.clone(),
            kit.shutdown_token(),
        ),
    );
    let rest_pacing = match settings.source {
        Source::Live => venue_rest_pacing(venue),
        // Local sources have no request budget.
        Source::Sim { .. } | Source::Replay { .. } => std::time::Duration::ZERO,
    };
    let silence_limit = match settings.source {
        Source::Live => Some(LIVE_SILENCE_LIMIT),
        Source::Sim { .. } | Source::Replay { .. } => None,
    };
    let runtime_settings = RuntimeSettings {
        symbols: settings.symbols.clone(),
        book_snapshot_interval: settings.book_snapshot_interval,
        rest_pacing,
        silence_limit,
    };
    let runtime = MarketRuntime::new(
        shared.clone(),
        metrics,
        runtime_settings,
        command_queue,
        kit.shutdown_token(),
    );
    kit.spawn("market", runtime.run());
    let policy = AuthPolicy::new()
        .require(&format!("{METHOD_PREFIX}PlaceOrder"), ORDER_ROLES)
        .require(&format!("{METHOD_PREFIX}CancelOrder"), ORDER_ROLES);
    let api = ExchangeApi::new(shared, kit.shutdown_token());
    Ok(Service::new().add(ExchangeServer::new(api)).policy(policy))
}
