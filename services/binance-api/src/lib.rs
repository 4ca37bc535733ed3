//! binance-api: the Binance venue connector. Everything but the venue lives in
//! `quorum-connector`; this crate names the venue, so its `--help` lists the
//! `BINANCE_*` variables and the connector speaks Binance's wire protocol.
use std::sync::Arc;

use quorum_kit::{Kit, Service};

/// The service's catalog name.
pub const SERVICE: &str = "binance-api";

/// binance-api's settings: the connector's, under the `BINANCE_` prefix.
pub type Config = quorum_connector::Config<quorum_connector::BinanceEnv>;

/// Starts the connector on Binance.
pub async fn start(kit: Kit, config: Config) -> anyhow::Result<Service> {
    quorum_connector::start(kit, config, Arc::new(quorum_venues::binance::Binance)).await
}
