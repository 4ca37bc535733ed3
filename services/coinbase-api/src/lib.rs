//! coinbase-api: the Coinbase venue connector. Everything but the venue lives in
//! `quorum-connector`; this crate names the venue, so its `--help` lists the
//! `COINBASE_*` variables and the connector speaks Coinbase's wire protocol.
use std::sync::Arc;

use quorum_kit::{Kit, Service};

/// The service's catalog name.
pub const SERVICE: &str = "coinbase-api";

/// coinbase-api's settings: the connector's, under the `COINBASE_` prefix.
pub type Config = quorum_connector::Config<quorum_connector::CoinbaseEnv>;

/// Starts the connector on Coinbase.
pub async fn start(kit: Kit, config: Config) -> anyhow::Result<Service> {
    quorum_connector::start(kit, config, Arc::new(quorum_venues::coinbase::Coinbase)).await
}
