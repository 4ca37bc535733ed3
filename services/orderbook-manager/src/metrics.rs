//! The service's own metrics: book updates by outcome and resync requests by outcome,
//! per venue, beside the kit's gRPC metrics on /metrics.
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use quorum_domain::Venue;
use quorum_kit::metrics::Metrics;

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct VenueOutcome {
    venue: String,
    outcome: String,
}

#[derive(Clone)]
pub struct BookMetrics {
    updates: Family<VenueOutcome, Counter>,
    resyncs: Family<VenueOutcome, Counter>,
}

impl BookMetrics {
    /// Registers the counters in the service's registry.
    pub fn register(metrics: &Metrics) -> Self {
        let own = Self::unregistered();
        metrics.register(
            "orderbook_book_updates",
            "Book updates from the bus, by venue and outcome (snapshot, delta, duplicate, ignored, gap, crossed, stale)",
            own.updates.clone(),
        );
        metrics.register(
            "orderbook_resyncs",
            "Resyncs of venue books, by venue and outcome (requested, rate_limited, dropped, ok, failed)",
            own.resyncs.clone(),
        );
        own
    }

    /// Counters that are not exported (unit tests).
    pub fn unregistered() -> Self {
        Self {
            updates: Family::default(),
            resyncs: Family::default(),
        }
    }

    pub fn update(&self, venue: Venue, outcome: &str) {
        self.updates.get_or_create(&labels(venue, outcome)).inc();
    }

    pub fn resync(&self, venue: Venue, outcome: &str) {
        self.resyncs.get_or_create(&labels(venue, outcome)).inc();
    }

    /// How many resyncs of `venue` ended with `outcome` so far.
    pub fn resyncs(&self, venue: Venue, outcome: &str) -> u64 {
        self.resyncs.get_or_create(&labels(venue, outcome)).get()
    }
}

fn labels(venue: Venue, outcome: &str) -> VenueOutcome {
    VenueOutcome {
        venue: venue.as_str().to_string(),
        outcome: outcome.to_string(),
    }
}
