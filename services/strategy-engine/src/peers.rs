//! Clients of the services the loop calls, made lazily from the catalog (or
//! `QUORUM_<NAME>_ADDR`), each call with its own deadline.
use std::collections::HashMap;
use std::time::Duration;

use quorum_domain::Venue;
use quorum_kit::client::ServiceChannel;
use quorum_kit::{ConfigError, Kit};
use quorum_proto::ai::v1::consensus_service_client::ConsensusServiceClient;
use quorum_proto::exchange::v1::exchange_client::ExchangeClient;
use quorum_proto::marketdata::v1::trade_history_service_client::TradeHistoryServiceClient;
use quorum_proto::security::v1::compliance_service_client::ComplianceServiceClient;
use quorum_proto::trading::v1::risk_service_client::RiskServiceClient;

/// Deadline of the quick calls (book, checks, orders).
pub const CALL_DEADLINE: Duration = Duration::from_secs(3);

#[derive(Clone)]
pub struct Peers {
    pub consensus: ConsensusServiceClient<ServiceChannel>,
    pub risk: RiskServiceClient<ServiceChannel>,
    pub compliance: ComplianceServiceClient<ServiceChannel>,
    pub trade_history: TradeHistoryServiceClient<ServiceChannel>,
    connectors: HashMap<Venue, ExchangeClient<ServiceChannel>>,
}

impl Peers {
    pub fn new(kit: &Kit) -> Result<Self, ConfigError> {
        let mut connectors = HashMap::new();
        for venue in Venue::ALL {
            let channel = kit.client_channel(venue.connector_service())?;
            connectors.insert(venue, ExchangeClient::new(channel));
        }
        Ok(Self {
            consensus: ConsensusServiceClient::new(kit.client_channel("consensus-engine")?),
            risk: RiskServiceClient::new(kit.client_channel("risk-manager")?),
            compliance: ComplianceServiceClient::new(kit.client_channel("compliance-checker")?),
            trade_history: TradeHistoryServiceClient::new(kit.client_channel("trade-history")?),
            connectors,
        })
    }

    /// The connector of `venue`.
    pub fn connector(&self, venue: Venue) -> Option<ExchangeClient<ServiceChannel>> {
        self.connectors.get(&venue).cloned()
    }
}

/// A request with a deadline.
pub fn request<T>(message: T, deadline: Duration) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    request.set_timeout(deadline);
    request
}
