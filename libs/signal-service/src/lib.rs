//! Everything the signal services (momentum-trader, mean-reversion, breakout-trader)
//! share, so that each is only its name, its settings and its strategy:
//!
//! - `quorum.trading.v1.SignalSource`: Evaluate on given candles, Get/SetParams (the
//!   parameters live in memory and in Redis, changes are audited), StreamSignals live
//!   from closed candles (`md.candles`);
//! - `quorum.ai.v1.Voter`: the strategy's signal as a ballot;
//! - registration as a voter with consensus-engine, in the background.
pub mod ballot;
pub mod config;
pub mod convert;
pub mod evaluation;
pub mod history;
pub mod hub;
pub mod live;
pub mod params_store;
pub mod registration;
pub mod signals;
#[cfg(feature = "testing")]
pub mod testing;
pub mod voter;
pub mod window;

use std::sync::Arc;
use std::time::Duration;

use quorum_kit::auth::AuthPolicy;
use quorum_kit::{ConfigError, Kit, Service};
use quorum_proto::ai::v1::voter_server::VoterServer;
use quorum_proto::trading::v1::signal_source_server::SignalSourceServer;
use quorum_strategies::Strategy;

pub use config::SignalConfig;

use crate::history::{TRADE_HISTORY, TradeHistory};
use crate::hub::Hub;
use crate::live::Live;
use crate::params_store::ParamsStore;
use crate::registration::{CONSENSUS_ENGINE, Registration};
use crate::signals::SignalHandler;
use crate::voter::VoterHandler;

/// Full name of the SetParams method, the one that needs a role.
pub const SET_PARAMS_METHOD: &str = "/quorum.trading.v1.SignalSource/SetParams";

/// How long start-up waits for the stored parameters before going on with the
/// defaults (the read then continues in the background).
const PARAMS_LOAD_WAIT: Duration = Duration::from_secs(3);

/// Which service this is and which strategy it runs.
#[derive(Clone, Copy)]
pub struct SignalServiceDef {
    /// The catalog name, e.g. "momentum-trader".
    pub service: &'static str,
    pub strategy: &'static dyn Strategy,
}

/// Restores the parameters, starts the live consumer and the voter registration, and
/// returns the SignalSource and Voter services. SetParams needs the `trader` role (or
/// admin); every other method any valid token.
pub async fn start(
    kit: Kit,
    config: SignalConfig,
    definition: SignalServiceDef,
) -> anyhow::Result<Service> {
    config.check()?;
    let service = definition.service;
    let store = Arc::new(ParamsStore::new(
        service,
        definition.strategy,
        &config.bus.redis_url,
        &config.bus.bus_prefix,
    )?);
    if tokio::time::timeout(PARAMS_LOAD_WAIT, store.load(kit.shutdown_token()))
        .await
        .is_err()
    {
        let background = store.clone();
        let shutdown = kit.shutdown_token();
        kit.spawn(
            "params-load",
            async move { background.load(shutdown).await },
        );
    }
    let history =
        TradeHistory::new(kit.peer_channel(TRADE_HISTORY, config.trade_history_address())?);
    let hub = Arc::new(Hub::new(config.stream_buffer));
    let live = Arc::new(Live::new(
        store.clone(),
        hub.clone(),
        config.backfill.then(|| history.clone()),
        config.window,
    ));
    kit.spawn(
        "candle-consumer",
        live.run(
            config.bus.clone(),
            format!("{service}-{}", config.consumer_name.trim()),
            config.consumer_name.trim().to_string(),
            kit.shutdown_token(),
        ),
    );
    if config.register_voter {
        let registration = Registration {
            name: service,
            address: advertise_address(service, &config)?,
            weight: config.voter_weight,
            weight_mode: config.weight_mode()?,
        };
        let channel = kit.peer_channel(CONSENSUS_ENGINE, config.consensus_engine_address())?;
        let registering =
            registration::register(channel, registration, store.clone(), kit.shutdown_token());
        kit.spawn("voter-registration", async move {
            registering.await;
        });
    }
    let signals = SignalHandler::new(store.clone(), hub, kit.shutdown_token());
    let voter = VoterHandler::new(service, store, history);
    Ok(Service::new()
        .add(SignalSourceServer::new(signals))
        .add(VoterServer::new(voter))
        .policy(AuthPolicy::new().require(SET_PARAMS_METHOD, &["trader", "admin"])))
}

/// `QUORUM_VOTER_ADVERTISE_ADDR`, else `http://<service>:<grpc port>` from the catalog.
fn advertise_address(service: &str, config: &SignalConfig) -> Result<String, ConfigError> {
    if let Some(address) = config.advertise_address() {
        return Ok(address.to_string());
    }
    let catalog = quorum_catalog::Catalog::load()
        .map_err(|error| ConfigError::new("QUORUM_CATALOG_PATH", error.to_string()))?;
    let entry = catalog.service(service).ok_or_else(|| {
        ConfigError::new(
            "QUORUM_VOTER_ADVERTISE_ADDR",
            format!("{service} is not in the catalog: set the address explicitly"),
        )
    })?;
    Ok(format!("http://{}:{}", entry.name, entry.grpc_port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_advertised_address_defaults_to_the_catalog_name_and_port() {
        let mut config = SignalConfig::new("redis://127.0.0.1:6379");
        assert_eq!(
            advertise_address("mean-reversion", &config).unwrap(),
            "http://mean-reversion:50114"
        );
        config.voter_advertise_addr = Some(" http://10.0.0.7:9000 ".into());
        assert_eq!(
            advertise_address("mean-reversion", &config).unwrap(),
            "http://10.0.0.7:9000"
        );
        config.voter_advertise_addr = None;
        let error = advertise_address("no-such-service", &config).unwrap_err();
        assert_eq!(error.variable, "QUORUM_VOTER_ADVERTISE_ADDR");
    }
}
