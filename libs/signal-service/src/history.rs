//! Candles from trade-history (GetCandles): the backfill of a new live window and the
//! history a vote needs when the proposal brings none. Only whole intervals that closed
//! by the requested instant are asked for.
use std::time::Duration;

use quorum_domain::convert::venue as proto_venue;
use quorum_domain::{Candle, Symbol, Venue};
use quorum_kit::client::ServiceChannel;
use quorum_kit::errors::FieldErrors;
use quorum_proto::common::v1::TimeRange;
use quorum_proto::marketdata::v1::GetCandlesRequest;
use quorum_proto::marketdata::v1::trade_history_service_client::TradeHistoryServiceClient;
use tonic::{Code, Status};

use crate::convert::parse_candles;
use quorum_domain::Interval;

/// The peer's catalog name.
pub const TRADE_HISTORY: &str = "trade-history";

/// What to read: `count` intervals of `symbol` ending at `until_ms`.
#[derive(Debug, Clone)]
pub struct HistoryQuery<'a> {
    pub symbol: &'a Symbol,
    /// `None`: every venue's trades together.
    pub venue: Option<Venue>,
    pub interval: &'a Interval,
    /// Candles must have closed by this instant.
    pub until_ms: i64,
    pub count: usize,
}

#[derive(Clone)]
pub struct TradeHistory {
    client: TradeHistoryServiceClient<ServiceChannel>,
}

impl TradeHistory {
    pub fn new(channel: ServiceChannel) -> Self {
        Self {
            client: TradeHistoryServiceClient::new(channel),
        }
    }

    /// The closed candles of the query, oldest first (intervals without trades are
    /// absent). UNAVAILABLE naming trade-history when it cannot be reached in `wait`.
    pub async fn candles(
        &self,
        query: &HistoryQuery<'_>,
        wait: Duration,
    ) -> Result<Vec<Candle>, Status> {
        let interval_ms = query.interval.millis();
        // The end of the last whole interval by `until_ms`: every candle before it closed.
        let to_ms = query.until_ms.div_euclid(interval_ms) * interval_ms;
        let span = i64::try_from(query.count)
            .unwrap_or(i64::MAX)
            .saturating_mul(interval_ms);
        let from_ms = to_ms.saturating_sub(span).max(0);
        if from_ms >= to_ms {
            return Ok(Vec::new());
        }
        let request = GetCandlesRequest {
            symbol: query.symbol.to_string(),
            venue: query.venue.map_or(0, |venue| proto_venue(venue) as i32),
            interval: query.interval.name().to_string(),
            range: Some(TimeRange {
                from_unix_ms: from_ms,
                to_unix_ms: to_ms,
            }),
        };
        let mut client = self.client.clone();
        let response = tokio::time::timeout(wait, client.get_candles(request))
            .await
            .map_err(|_| {
                Status::unavailable(format!(
                    "{TRADE_HISTORY} did not answer GetCandles within {} ms; retry later",
                    wait.as_millis()
                ))
            })?
            .map_err(peer_status)?;
        let mut errors = FieldErrors::new();
        let candles = parse_candles("candles", &response.into_inner().candles, &mut errors);
        if let Err(status) = errors.into_result() {
            return Err(Status::internal(format!(
                "{TRADE_HISTORY} sent candles that do not parse: {}",
                status.message()
            )));
        }
        Ok(candles
            .into_iter()
            .filter(|candle| candle.open_time_ms.saturating_add(interval_ms) <= query.until_ms)
            .collect())
    }
}

/// The peer's answer as this service's: unreachable becomes UNAVAILABLE naming it.
fn peer_status(status: Status) -> Status {
    match status.code() {
        Code::Unavailable | Code::Unknown | Code::DeadlineExceeded | Code::Cancelled => {
            tracing::warn!(code = ?status.code(), message = status.message(), "{TRADE_HISTORY} unavailable");
            Status::unavailable(format!(
                "{TRADE_HISTORY} is unavailable ({}); retry later",
                status.message()
            ))
        }
        // Its refusal is not the caller's bad argument: the request was this service's.
        code => Status::failed_precondition(format!(
            "{TRADE_HISTORY} refused GetCandles ({code:?}): {}",
            status.message()
        )),
    }
}
