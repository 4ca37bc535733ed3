//! gate-io-api: the Gate.io venue connector. Everything but the venue lives in
//! `quorum-connector`; this crate names the venue, so its `--help` lists the
//! `GATEIO_*` variables and the connector speaks Gate.io's wire protocol.
use std::sync::Arc;

use quorum_kit::{Kit, Service};

/// The service's catalog name.
pub const SERVICE: &str = "gate-io-api";

/// gate-io-api's settings: the connector's, under the `GATEIO_` prefix.
pub type Config = quorum_connector::Config<quorum_connector::GateioEnv>;

/// Starts the connector on Gate.io.
pub async fn start(kit: Kit, config: Config) -> anyhow::Result<Service> {
    quorum_connector::start(kit, config, Arc::new(quorum_venues::gateio::Gateio)).await
}
