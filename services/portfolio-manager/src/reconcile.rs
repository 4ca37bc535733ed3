//! Reconciliation: the ledger's holdings of an account on a venue against what the
//! venue's connector reports (free + locked per asset). Every asset whose amounts differ
//! is named, including assets only one side knows.
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use quorum_domain::Decimal;
use quorum_domain::convert::parse_optional_decimal;
use quorum_kit::client::ServiceChannel;
use quorum_kit::errors::unavailable;
use quorum_proto::exchange::v1::GetBalancesRequest;
use quorum_proto::exchange::v1::exchange_client::ExchangeClient;
use tonic::{Code, Status};

/// One asset whose amounts differ.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    pub asset: String,
    pub ledger: Decimal,
    pub venue: Decimal,
}

impl Difference {
    /// `venue - ledger`.
    pub fn difference(&self) -> Decimal {
        self.venue - self.ledger
    }
}

/// The balances `service` (a venue connector) reports for `account`, per asset, or
/// UNAVAILABLE naming the connector when it cannot be reached in time.
pub async fn venue_balances(
    channel: ServiceChannel,
    service: &str,
    account: &str,
    timeout: Duration,
) -> Result<BTreeMap<String, Decimal>, Status> {
    let mut request = tonic::Request::new(GetBalancesRequest {
        account: account.to_string(),
    });
    request.set_timeout(timeout);
    let mut client = ExchangeClient::new(channel);
    let call = client.get_balances(request);
    let response = match tokio::time::timeout(timeout, call).await {
        Err(_) => {
            return Err(unavailable(
                service,
                format!("no answer within {} ms", timeout.as_millis()),
            ));
        }
        Ok(Err(status)) => return Err(peer_error(service, status)),
        Ok(Ok(response)) => response.into_inner(),
    };
    let mut balances: BTreeMap<String, Decimal> = BTreeMap::new();
    for (index, balance) in response.balances.iter().enumerate() {
        let field = |name: &str| format!("balances[{index}].{name}");
        let amount = |name: &str, value| {
            parse_optional_decimal(&field(name), value)
                .map(Option::unwrap_or_default)
                .map_err(|problem| {
                    Status::failed_precondition(format!(
                        "{service} answered a balance that is not valid: {problem}"
                    ))
                })
        };
        let free = amount("free", balance.free.as_ref())?;
        let locked = amount("locked", balance.locked.as_ref())?;
        let total = balances
            .entry(balance.asset.trim().to_ascii_uppercase())
            .or_default();
        *total = total
            .checked_add(free)
            .and_then(|sum| sum.checked_add(locked))
            .ok_or_else(|| {
                Status::failed_precondition(format!("{service} answered a balance out of range"))
            })?;
    }
    Ok(balances)
}

/// Every asset whose ledger and venue amounts differ, by asset name; an asset missing
/// on one side counts as zero there.
pub fn differences(
    ledger: &BTreeMap<String, Decimal>,
    venue: &BTreeMap<String, Decimal>,
) -> Vec<Difference> {
    let assets: BTreeSet<&String> = ledger.keys().chain(venue.keys()).collect();
    assets
        .into_iter()
        .filter_map(|asset| {
            let ledger = ledger.get(asset).copied().unwrap_or_default();
            let venue = venue.get(asset).copied().unwrap_or_default();
            (ledger != venue).then(|| Difference {
                asset: asset.clone(),
                ledger,
                venue,
            })
        })
        .collect()
}

/// A connector's error as this service answers it: transport trouble is UNAVAILABLE
/// naming the connector, a refusal is FAILED_PRECONDITION with its reason.
fn peer_error(service: &str, status: Status) -> Status {
    match status.code() {
        Code::Unavailable | Code::DeadlineExceeded | Code::Cancelled | Code::Unknown => {
            unavailable(service, status.message())
        }
        code => Status::failed_precondition(format!(
            "{service} refused GetBalances ({code:?}): {}",
            status.message()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn amounts(pairs: &[(&str, i64)]) -> BTreeMap<String, Decimal> {
        pairs
            .iter()
            .map(|(asset, amount)| (asset.to_string(), Decimal::from(*amount)))
            .collect()
    }

    #[test]
    fn every_differing_asset_is_named_including_one_sided_ones() {
        let ledger = amounts(&[("BTC", 1), ("USDT", 1000), ("ETH", 0)]);
        let venue = amounts(&[("BTC", 1), ("USDT", 990), ("SOL", 5)]);
        let found = differences(&ledger, &venue);
        let named: Vec<(&str, Decimal)> = found
            .iter()
            .map(|difference| (difference.asset.as_str(), difference.difference()))
            .collect();
        assert_eq!(
            named,
            [("SOL", Decimal::from(5)), ("USDT", Decimal::from(-10))]
        );
    }

    #[test]
    fn transport_errors_name_the_connector_as_unavailable() {
        let status = peer_error("okx-api", Status::unavailable("connection refused"));
        assert_eq!(status.code(), Code::Unavailable);
        assert!(status.message().contains("okx-api"), "{}", status.message());
        let status = peer_error("okx-api", Status::permission_denied("no"));
        assert_eq!(status.code(), Code::FailedPrecondition);
        assert!(status.message().contains("okx-api"));
    }
}
