//! The services portfolio-manager calls: price-feed for marks and the venue connectors
//! for balances, at the addresses its settings give or the catalog's.
use std::collections::BTreeMap;

use quorum_domain::Venue;
use quorum_kit::client::ServiceChannel;
use quorum_kit::peers::{ConnectorArgs, check_address};
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
    #[command(flatten)]
    pub connectors: ConnectorArgs,
}

/// Channels to every venue's connector, with the connector's catalog name.
pub type Connectors = BTreeMap<Venue, (&'static str, ServiceChannel)>;

impl PeerArgs {
    /// Refuses addresses that are not http(s) URLs, naming the variable.
    pub fn check(&self) -> Result<(), ConfigError> {
        check_address(PRICE_FEED, self.price_feed_addr.as_deref())?;
        self.connectors.check()
    }

    /// A lazily connecting channel to price-feed.
    pub fn price_feed(&self, kit: &Kit) -> Result<ServiceChannel, ConfigError> {
        kit.peer_channel(PRICE_FEED, self.price_feed_addr.as_deref())
    }

    /// Lazily connecting channels to every venue's connector.
    pub fn connectors(&self, kit: &Kit) -> Result<Connectors, ConfigError> {
        let mut connectors = Connectors::new();
        for venue in Venue::ALL {
            let service = venue.connector_service();
            let channel = self.connectors.channel(kit, service)?;
            connectors.insert(venue, (service, channel));
        }
        Ok(connectors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_optional_and_must_be_urls() {
        let mut args = PeerArgs::default();
        assert!(args.check().is_ok());
        args.connectors.okx_api_addr = Some(" http://127.0.0.1:9 ".into());
        assert!(args.check().is_ok());
        args.connectors.gate_io_api_addr = Some("127.0.0.1:9".into());
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
    fn price_feed_is_in_the_catalog_with_the_contract_used() {
        let catalog = quorum_catalog::Catalog::load().unwrap();
        let price_feed = catalog.service(PRICE_FEED).unwrap();
        assert!(
            price_feed
                .grpc_services
                .iter()
                .any(|name| name == "quorum.marketdata.v1.PriceFeedService")
        );
    }
}
