//! Where a service finds a peer it calls: at the address its settings give
//! (`QUORUM_<NAME>_ADDR` or the matching flag) when one is set, else by name
//! ([`Kit::client_channel`]: this process, then the catalog). Also the address settings of
//! the four venue connectors, which several services call.
use crate::client::ServiceChannel;
use crate::{ConfigError, Kit};

pub use quorum_catalog::address_env_var as address_variable;

impl Kit {
    /// A lazily connecting channel to `service`: at `address` when one is set (not
    /// blank), else found by name. A bad address is an error naming the service's
    /// `QUORUM_<NAME>_ADDR`.
    pub fn peer_channel(
        &self,
        service: &str,
        address: Option<&str>,
    ) -> Result<ServiceChannel, ConfigError> {
        match explicit_address(address) {
            Some(address) => self
                .client_channel_at(address)
                .map_err(|error| ConfigError::new(address_variable(service), error.problem)),
            None => self.client_channel(service),
        }
    }
}

/// A configured address, trimmed; `None` when it is unset or blank.
pub fn explicit_address(address: Option<&str>) -> Option<&str> {
    address.map(str::trim).filter(|address| !address.is_empty())
}

/// Refuses an explicit address of `service` that is not an http(s) URL, naming the
/// service's `QUORUM_<NAME>_ADDR`.
pub fn check_address(service: &str, address: Option<&str>) -> Result<(), ConfigError> {
    match explicit_address(address) {
        Some(address) if !(address.starts_with("http://") || address.starts_with("https://")) => {
            Err(ConfigError::new(
                address_variable(service),
                format!("'{address}' must be an http:// or https:// URL"),
            ))
        }
        _ => Ok(()),
    }
}

/// Explicit addresses of the venue connectors; unset ones come from the catalog (with
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
    /// The catalog names of the venue connectors (`quorum_domain::Venue::connector_service`).
    pub const SERVICES: [&'static str; 4] =
        ["binance-api", "coinbase-api", "okx-api", "gate-io-api"];

    /// The explicit address of the connector named `service`, trimmed, if one is set.
    pub fn address(&self, service: &str) -> Option<&str> {
        let address = match service {
            "binance-api" => &self.binance_api_addr,
            "coinbase-api" => &self.coinbase_api_addr,
            "okx-api" => &self.okx_api_addr,
            "gate-io-api" => &self.gate_io_api_addr,
            _ => return None,
        };
        explicit_address(address.as_deref())
    }

    /// Refuses addresses that are not http(s) URLs, naming the variable.
    pub fn check(&self) -> Result<(), ConfigError> {
        Self::SERVICES
            .into_iter()
            .try_for_each(|service| check_address(service, self.address(service)))
    }

    /// A lazily connecting channel to the connector named `service`.
    pub fn channel(&self, kit: &Kit, service: &str) -> Result<ServiceChannel, ConfigError> {
        kit.peer_channel(service, self.address(service))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_optional_trimmed_and_must_be_urls() {
        assert_eq!(explicit_address(None), None);
        assert_eq!(explicit_address(Some("  ")), None);
        assert_eq!(
            explicit_address(Some(" http://127.0.0.1:9 ")),
            Some("http://127.0.0.1:9")
        );
        assert!(check_address("price-feed", Some("https://price-feed:50110")).is_ok());
        let error = check_address("price-feed", Some("price-feed:50110")).unwrap_err();
        assert_eq!(error.variable, "QUORUM_PRICE_FEED_ADDR");
        assert!(error.problem.contains("http://"), "{}", error.problem);

        let mut connectors = ConnectorArgs::default();
        assert!(connectors.check().is_ok());
        assert_eq!(connectors.address("okx-api"), None);
        connectors.okx_api_addr = Some(" http://127.0.0.1:9 ".into());
        assert_eq!(connectors.address("okx-api"), Some("http://127.0.0.1:9"));
        assert_eq!(connectors.address("price-feed"), None);
        connectors.gate_io_api_addr = Some("127.0.0.1:9".into());
        assert_eq!(
            connectors.check().unwrap_err().variable,
            "QUORUM_GATE_IO_API_ADDR"
        );
    }

    #[test]
    fn every_venue_connector_is_a_catalog_exchange_with_its_variable() {
        let catalog = quorum_catalog::Catalog::load().unwrap();
        let venues: Vec<&str> = quorum_domain::Venue::ALL
            .iter()
            .map(|venue| venue.connector_service())
            .collect();
        assert_eq!(venues, ConnectorArgs::SERVICES);
        let every = ConnectorArgs {
            binance_api_addr: Some("a".into()),
            coinbase_api_addr: Some("b".into()),
            okx_api_addr: Some("c".into()),
            gate_io_api_addr: Some("d".into()),
        };
        for service in ConnectorArgs::SERVICES {
            let entry = catalog.service(service).unwrap();
            assert!(
                entry
                    .grpc_services
                    .iter()
                    .any(|name| name == "quorum.exchange.v1.Exchange"),
                "{service}"
            );
            let error = check_address(service, every.address(service)).unwrap_err();
            assert_eq!(error.variable, entry.address_env_var());
        }
    }
}
