//! okx-api: the OKX venue connector. Everything but the venue lives in
//! `quorum-connector`; this crate names the venue, so its `--help` lists the
//! `OKX_*` variables and the connector speaks OKX's wire protocol.
use std::sync::Arc;

use quorum_kit::{Kit, Service};

/// The service's catalog name.
pub const SERVICE: &str = "okx-api";

/// okx-api's settings: the connector's, under the `OKX_` prefix.
pub type Config = quorum_connector::Config<quorum_connector::OkxEnv>;

/// Starts the connector on OKX.
pub async fn start(kit: Kit, config: Config) -> anyhow::Result<Service> {
    quorum_connector::start(kit, config, Arc::new(quorum_venues::okx::Okx)).await
}
