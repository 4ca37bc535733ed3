//! The service's own metrics on /metrics: closed candles published and trades that came
//! after their candle had closed, per interval.
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use quorum_kit::metrics::Metrics;

use crate::interval::Interval;

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct IntervalLabel {
    interval: String,
}

#[derive(Clone, Default)]
pub struct CandleMetrics {
    published: Family<IntervalLabel, Counter>,
    late_trades: Family<IntervalLabel, Counter>,
}

impl CandleMetrics {
    /// Registers the counters in the service's registry.
    pub fn register(metrics: &Metrics) -> Self {
        let own = Self::unregistered();
        metrics.register(
            "trade_history_candles_published",
            "Closed candles written to the outbox for md.candles, by interval",
            own.published.clone(),
        );
        metrics.register(
            "trade_history_late_trades",
            "Trades that arrived after their interval had closed: stored, but in no published candle; by interval",
            own.late_trades.clone(),
        );
        own
    }

    /// Counters that are not exported (unit tests).
    pub fn unregistered() -> Self {
        Self::default()
    }

    pub fn published(&self, interval: Interval, candles: u64) {
        self.published
            .get_or_create(&label(interval))
            .inc_by(candles);
    }

    pub fn late_trade(&self, interval: Interval) {
        self.late_trades.get_or_create(&label(interval)).inc();
    }

    /// Late trades counted so far for `interval`.
    pub fn late_trades(&self, interval: Interval) -> u64 {
        self.late_trades.get_or_create(&label(interval)).get()
    }

    /// Candles published so far for `interval`.
    pub fn published_count(&self, interval: Interval) -> u64 {
        self.published.get_or_create(&label(interval)).get()
    }
}

fn label(interval: Interval) -> IntervalLabel {
    IntervalLabel {
        interval: interval.name().to_string(),
    }
}
