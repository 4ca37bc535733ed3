//! Summaries in the protobuf contract (`quorum.marketdata.v1`).
use quorum_domain::convert::{decimal, venue};
use quorum_proto::marketdata::v1 as pb;

use crate::statistics::Summary;

/// A summary; prices are absent when the window holds no trade.
pub fn summary(value: &Summary) -> pb::MarketSummary {
    let stats = value.stats.as_ref();
    pb::MarketSummary {
        symbol: value.symbol.to_string(),
        venue: value.venue.map_or(0, |named| venue(named).into()),
        open: stats.map(|stats| decimal(stats.open.price)),
        high: stats.map(|stats| decimal(stats.high)),
        low: stats.map(|stats| decimal(stats.low)),
        last: stats.map(|stats| decimal(stats.close.price)),
        change_percent: value.change_percent().map(decimal),
        base_volume: Some(decimal(stats.map_or(Default::default(), |s| s.base_volume))),
        quote_volume: Some(decimal(value.quote_volume())),
        vwap: value.vwap().map(decimal),
        trade_count: value.trade_count(),
        window_start_unix_ms: value.window_start_ms,
        updated_unix_ms: value.updated_ms,
    }
}
