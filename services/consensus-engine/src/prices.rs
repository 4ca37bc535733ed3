//! Prices for judging outcomes, from trade-history's candles: the last traded price
//! before an instant, looked for within a window of candles.
use std::time::Duration;

use quorum_domain::Decimal;
use quorum_kit::client::ServiceChannel;
use quorum_proto::common::v1::TimeRange;
use quorum_proto::marketdata::v1::GetCandlesRequest;
use quorum_proto::marketdata::v1::trade_history_service_client::TradeHistoryServiceClient;
use rust_decimal::prelude::ToPrimitive;

/// Candles looked back over for a price (trade-history serves at most 10 000 per call).
pub const LOOKBACK_CANDLES: i64 = 5_000;
/// How long one GetCandles call may take.
const CALL_TIMEOUT: Duration = Duration::from_secs(5);

/// Where a proposal's prices come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Market {
    pub symbol: String,
    /// quorum.market.v1.Venue number; 0 is every venue's trades together.
    pub venue: i32,
    pub interval: String,
    pub interval_ms: i64,
}

/// Why no price could be had (the resolver tries again later).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PriceError {
    #[error("trade-history is unavailable: {0}")]
    Unavailable(String),
    #[error("trade-history has no trades of {symbol} in [{from_ms}, {to_ms}) yet")]
    NoTrades {
        symbol: String,
        from_ms: i64,
        to_ms: i64,
    },
    #[error("trade-history sent a close that is not a positive decimal: '{0}'")]
    BadClose(String),
}

/// trade-history's candles.
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

    /// The last traded price in [from_ms, to_ms), narrowed to the last
    /// [`LOOKBACK_CANDLES`] candles before `to_ms`.
    pub async fn last_price(
        &self,
        market: &Market,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Decimal, PriceError> {
        let from_ms = from_ms.max(to_ms - LOOKBACK_CANDLES * market.interval_ms);
        let mut request = tonic::Request::new(GetCandlesRequest {
            symbol: market.symbol.clone(),
            venue: market.venue,
            interval: market.interval.clone(),
            range: Some(TimeRange {
                from_unix_ms: from_ms,
                to_unix_ms: to_ms,
            }),
        });
        request.set_timeout(CALL_TIMEOUT);
        let response = self
            .client
            .clone()
            .get_candles(request)
            .await
            .map_err(|status| {
                PriceError::Unavailable(format!("{:?}: {}", status.code(), status.message()))
            })?
            .into_inner();
        let close = response
            .candles
            .last()
            .and_then(|candle| candle.close.as_ref())
            .map(|close| close.value.clone())
            .ok_or_else(|| PriceError::NoTrades {
                symbol: market.symbol.clone(),
                from_ms,
                to_ms,
            })?;
        match close.parse::<Decimal>() {
            Ok(price) if price > Decimal::ZERO => Ok(price),
            _ => Err(PriceError::BadClose(close)),
        }
    }
}

/// end / start - 1, computed exactly and then as a float for scoring.
pub fn simple_return(start: Decimal, end: Decimal) -> Option<f64> {
    if start <= Decimal::ZERO {
        return None;
    }
    end.checked_div(start)
        .and_then(|ratio| ratio.checked_sub(Decimal::ONE))
        .and_then(|fraction| fraction.to_f64())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    #[test]
    fn returns_are_exact_ratios_minus_one() {
        assert_eq!(simple_return(dec!(100), dec!(101)), Some(0.01));
        assert_eq!(simple_return(dec!(100), dec!(99.5)), Some(-0.005));
        assert_eq!(simple_return(dec!(42000.5), dec!(42000.5)), Some(0.0));
        assert_eq!(simple_return(dec!(0), dec!(1)), None);
    }
}
