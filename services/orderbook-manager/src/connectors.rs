//! The venue connectors this service asks to resync books: one Exchange client per venue,
//! at the catalog address or an explicit one, carrying this service's token.
use quorum_domain::Venue;
use quorum_kit::{ConfigError, Kit};
use quorum_proto::exchange::v1::exchange_client::ExchangeClient;

use crate::resync::Connectors;

/// Explicit connector addresses; unset ones come from the catalog (with
/// `QUORUM_DISCOVERY=dns`, `http://<name>:<port>`).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ConnectorArgs {
    /// gRPC address of binance-api, e.g. http://10.0.0.5:50101.
    #[arg(long, env = "QUORUM_BINANCE_API_ADDR")]
    pub binance_api_addr: Option<String>,
    /// gRPC address of coinbase-api.
    #[arg(long, env = "QUORUM_COINBASE_API_ADDR")]
    pub coinbase_api_addr: Option<String>,
    /// gRPC address of okx-api.
    #[arg(long, env = "QUORUM_OKX_API_ADDR")]
    pub okx_api_addr: Option<String>,
    /// gRPC address of gate-io-api.
    #[arg(long, env = "QUORUM_GATE_IO_API_ADDR")]
    pub gate_io_api_addr: Option<String>,
}

impl ConnectorArgs {
    /// The explicit address of `venue`'s connector, if one is set.
    pub fn address(&self, venue: Venue) -> Option<&str> {
        let address = match venue {
            Venue::Binance => &self.binance_api_addr,
            Venue::Coinbase => &self.coinbase_api_addr,
            Venue::Okx => &self.okx_api_addr,
            Venue::Gateio => &self.gate_io_api_addr,
        };
        address
            .as_deref()
            .map(str::trim)
            .filter(|address| !address.is_empty())
    }

    /// Refuses addresses that are not http(s) URLs, naming the variable.
    pub fn check(&self) -> Result<(), ConfigError> {
        for venue in Venue::ALL {
            if let Some(address) = self.address(venue)
                && !(address.starts_with("http://") || address.starts_with("https://"))
            {
                return Err(ConfigError::new(
                    address_variable(venue),
                    format!("'{address}' must be an http:// or https:// URL"),
                ));
            }
        }
        Ok(())
    }
}

/// Lazily connecting clients of every venue's connector.
pub fn clients(kit: &Kit, args: &ConnectorArgs) -> Result<Connectors, ConfigError> {
    let mut connectors = Connectors::new();
    for venue in Venue::ALL {
        let channel = match args.address(venue) {
            Some(address) => kit
                .client_channel_at(address)
                .map_err(|error| ConfigError::new(address_variable(venue), error.problem))?,
            None => kit.client_channel(venue.connector_service())?,
        };
        connectors.insert(venue, ExchangeClient::new(channel));
    }
    Ok(connectors)
}

fn address_variable(venue: Venue) -> &'static str {
    match venue {
        Venue::Binance => "QUORUM_BINANCE_API_ADDR",
        Venue::Coinbase => "QUORUM_COINBASE_API_ADDR",
        Venue::Okx => "QUORUM_OKX_API_ADDR",
        Venue::Gateio => "QUORUM_GATE_IO_API_ADDR",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_optional_and_must_be_urls() {
        let mut args = ConnectorArgs::default();
        assert!(args.check().is_ok());
        assert_eq!(args.address(Venue::Okx), None);
        args.okx_api_addr = Some(" http://127.0.0.1:9 ".into());
        assert_eq!(args.address(Venue::Okx), Some("http://127.0.0.1:9"));
        args.gate_io_api_addr = Some("127.0.0.1:9".into());
        assert_eq!(
            args.check().unwrap_err().variable,
            "QUORUM_GATE_IO_API_ADDR"
        );
    }

    #[test]
    fn every_venue_names_its_catalog_connector_and_address_variable() {
        let catalog = quorum_catalog::Catalog::load().unwrap();
        for venue in Venue::ALL {
            let entry = catalog.service(venue.connector_service()).unwrap();
            assert!(
                entry
                    .grpc_services
                    .iter()
                    .any(|name| name == "quorum.exchange.v1.Exchange"),
                "{venue}"
            );
            assert_eq!(entry.address_env_var(), address_variable(venue));
        }
    }
}
