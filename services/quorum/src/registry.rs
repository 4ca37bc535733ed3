//! The services this binary runs: one line per service crate. A test keeps the list
//! equal to the catalog's implemented services.
use quorum_kit::ServiceDef;

/// Lists service crates by their Rust name; each must export `SERVICE` and `start`.
macro_rules! services {
    ($($service:ident),* $(,)?) => {
        /// Every service of the binary, in catalog order.
        pub fn services() -> Vec<ServiceDef> {
            vec![$(ServiceDef::new($service::SERVICE, $service::start)),*]
        }
    };
}

services![
    binance_api,
    coinbase_api,
    okx_api,
    gate_io_api,
    price_feed,
    orderbook_manager,
    trade_history,
    market_data,
    momentum_trader,
    mean_reversion,
    breakout_trader,
    strategy_engine,
    portfolio_manager,
    risk_manager,
    consensus_engine,
    auth_manager,
    audit_logger,
    compliance_checker,
    health_checker,
];

/// The service named `name`, if this binary has it.
pub fn find(name: &str) -> Option<ServiceDef> {
    services()
        .into_iter()
        .find(|service| service.name() == name)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn holds_exactly_the_implemented_services_in_catalog_order() {
        let catalog = quorum_catalog::Catalog::load().unwrap();
        let implemented: Vec<&str> = catalog
            .implemented()
            .map(|entry| entry.name.as_str())
            .collect();
        let held: Vec<&str> = services().iter().map(ServiceDef::name).collect();
        assert_eq!(
            held, implemented,
            "services/quorum/src/registry.rs must list the catalog's implemented services"
        );
    }
}
