//! The loop's own metrics on /metrics: runs by outcome and the time of each hop.
use std::collections::BTreeMap;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;
use quorum_kit::metrics::Metrics;

use crate::model::Outcome;

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabel {
    outcome: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct HopLabel {
    hop: String,
}

#[derive(Clone)]
pub struct LoopMetrics {
    runs: Family<OutcomeLabel, Counter>,
    hops: Family<HopLabel, Histogram>,
}

impl LoopMetrics {
    /// Registers the loop's metrics in the service's registry.
    pub fn register(metrics: &Metrics) -> Self {
        let own = Self::unregistered();
        metrics.register(
            "strategy_engine_runs",
            "Passes of the loop (one per strategy and closed candle), by outcome",
            own.runs.clone(),
        );
        metrics.register(
            "strategy_engine_hop_seconds",
            "Time of each hop of a pass: bus, readiness, consensus, size, risk, compliance, order, answered, total",
            own.hops.clone(),
        );
        own
    }

    pub fn unregistered() -> Self {
        Self {
            runs: Family::default(),
            hops: Family::new_with_constructor(|| {
                Histogram::new([
                    0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1.0, 5.0,
                ])
            }),
        }
    }

    pub fn run(&self, outcome: Outcome, hop_micros: &BTreeMap<String, i64>) {
        self.runs
            .get_or_create(&OutcomeLabel {
                outcome: outcome.as_str().to_string(),
            })
            .inc();
        for (hop, micros) in hop_micros {
            self.hops
                .get_or_create(&HopLabel { hop: hop.clone() })
                .observe(*micros as f64 / 1e6);
        }
    }
}
