//! The venue connectors this service asks to resync books: one Exchange client per venue,
//! at the address its settings give (kit's `ConnectorArgs`) or the catalog's, carrying
//! this service's token.
use quorum_domain::Venue;
use quorum_kit::{ConfigError, Kit};
use quorum_proto::exchange::v1::exchange_client::ExchangeClient;

pub use quorum_kit::peers::ConnectorArgs;

use crate::resync::Connectors;

/// Lazily connecting clients of every venue's connector.
pub fn clients(kit: &Kit, args: &ConnectorArgs) -> Result<Connectors, ConfigError> {
    let mut connectors = Connectors::new();
    for venue in Venue::ALL {
        let channel = args.channel(kit, venue.connector_service())?;
        connectors.insert(venue, ExchangeClient::new(channel));
    }
    Ok(connectors)
}
