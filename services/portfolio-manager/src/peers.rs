//! The services portfolio-manager calls: price-feed for marks and the venue connectors
//! for balances, at their catalog addresses or explicit ones.
use std::collections::BTreeMap;

use quorum_domain::Venue;
use quorum_kit::client::ServiceChannel;
use quorum_kit::{ConfigError, Kit};

/// Catalog name of price-feed.
pub const PRICE_FEED: &str = "price-feed";

/// Explicit peer addresses; unset ones come from the catalog (with
/// `QUORUM_DISCOVERY=dns`, `http://<name>:<port>`).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct PeerArgs {
    /// gRPC address of price-feed, e.g. http://10.0.0.5:50105.
    #[arg(long, env = "QUORUM_PRICE_FEED_ADDR")]
    pub price_feed_addr: Option<String>,
    /// gRPC address of binance-api.
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

/// Channels to every venue's connector, with the connector's catalog name.
pub type Connectors = BTreeMap<Venue, (&'static str, ServiceChannel)>;

impl PeerArgs {
    /// Refuses addresses that are not http(s) URLs, naming the variable.
    pub fn check(&self) -> Result<(), ConfigError> {
        let explicit = [(PRICE_FEED, self.price_feed_addr.as_deref())]
            .into_iter()
            .chain(
                Venue::ALL.map(|venue| (connector_service(venue), self.connector_address(venue))),
            );
        for (service, address) in explicit {
            if let Some(address) = trimmed(address)
                && !(address.starts_with("http://") || address.starts_with("https://"))
            {
                return Err(ConfigError::new(
                    address_variable(service),
                    format!("'{address}' must be an http:// or https:// URL"),
                ));
            }
        }
        Ok(())
    }

    /// A lazily connecting channel to price-feed.
    pub fn price_feed(&self, kit: &Kit) -> Result<ServiceChannel, ConfigError> {
        channel(kit, PRICE_FEED, self.price_feed_addr.as_deref())
    }

    /// Lazily connecting channels to every venue's connector.
    pub fn connectors(&self, kit: &Kit) -> Result<Connectors, ConfigError> {
        let mut connectors = Connectors::new();
        for venue in Venue::ALL {
            let service = connector_service(venue);
            let channel = channel(kit, service, self.connector_address(venue))?;
            connectors.insert(venue, (service, channel));
        }
        Ok(connectors)
    }

    fn connector_address(&self, venue: Venue) -> Option<&str> {
        match venue {
            Venue::Binance => self.binance_api_addr.as_deref(),
            Venue::Coinbase => self.coinbase_api_addr.as_deref(),
            Venue::Okx => self.okx_api_addr.as_deref(),
            Venue::Gateio => self.gate_io_api_addr.as_deref(),
        }
    }
}

/// The catalog name of `venue`'s connector.
pub fn connector_service(venue: Venue) -> &'static str {
    match venue {
        Venue::Binance => "binance-api",
        Venue::Coinbase => "coinbase-api",
        Venue::Okx => "okx-api",
        Venue::Gateio => "gate-io-api",
    }
}

fn channel(kit: &Kit, service: &str, address: Option<&str>) -> Result<ServiceChannel, ConfigError> {
    match trimmed(address) {
        Some(address) => kit
            .client_channel_at(address)
            .map_err(|error| ConfigError::new(address_variable(service), error.problem)),
        None => kit.client_channel(service),
    }
}

fn trimmed(address: Option<&str>) -> Option<&str> {
    address.map(str::trim).filter(|address| !address.is_empty())
}

/// `QUORUM_<NAME>_ADDR`, the variable the kit also reads for a catalog service.
fn address_variable(service: &str) -> String {
    format!(
        "QUORUM_{}_ADDR",
        service.to_ascii_uppercase().replace('-', "_")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_optional_and_must_be_urls() {
        let mut args = PeerArgs::default();
        assert!(args.check().is_ok());
        args.okx_api_addr = Some(" http://127.0.0.1:9 ".into());
        assert!(args.check().is_ok());
        assert_eq!(
            args.connector_address(Venue::Okx),
            Some(" http://127.0.0.1:9 ")
        );
        args.gate_io_api_addr = Some("127.0.0.1:9".into());
        assert_eq!(
            args.check().unwrap_err().variable,
            "QUORUM_GATE_IO_API_ADDR"
        );
        let args = PeerArgs {
            price_feed_addr: Some("price-feed:50110".into()),
            ..PeerArgs::default()
        };
        assert_eq!(args.check().unwrap_err().variable, "QUORUM_PRICE_FEED_ADDR");
    }

    #[test]
    fn every_peer_is_in_the_catalog_with_the_contract_used() {
        let catalog = quorum_catalog::Catalog::load().unwrap();
        for venue in Venue::ALL {
            let entry = catalog.service(connector_service(venue)).unwrap();
            assert!(
                entry
                    .grpc_services
                    .iter()
                    .any(|name| name == "quorum.exchange.v1.Exchange")
            );
            assert_eq!(entry.address_env_var(), address_variable(&entry.name));
        }
        let price_feed = catalog.service(PRICE_FEED).unwrap();
        assert!(
            price_feed
                .grpc_services
                .iter()
                .any(|name| name == "quorum.marketdata.v1.PriceFeedService")
        );
    }
}
