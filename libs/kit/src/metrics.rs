//! RED metrics per gRPC method (rate, errors, duration) in the Prometheus text format.
use std::sync::{Arc, Mutex};
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct MethodCode {
    method: String,
    code: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct MethodOnly {
    method: String,
}

/// The service's metric registry and the gRPC server metrics in it.
#[derive(Clone)]
pub struct Metrics {
    registry: Arc<Mutex<Registry>>,
    handled: Family<MethodCode, Counter>,
    latency: Family<MethodOnly, Histogram>,
    in_flight: Gauge,
}

impl Metrics {
    pub fn new(service: &str) -> Self {
        let mut registry = Registry::with_labels(
            [(
                std::borrow::Cow::Borrowed("service"),
                std::borrow::Cow::Owned(service.to_string()),
            )]
            .into_iter(),
        );
        let handled = Family::<MethodCode, Counter>::default();
        let latency = Family::<MethodOnly, Histogram>::new_with_constructor(|| {
            Histogram::new([
                0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                1.0, 2.5, 5.0, 10.0,
            ])
        });
        let in_flight = Gauge::default();
        registry.register(
            "grpc_server_handled",
            "gRPC calls completed, by method and status code",
            handled.clone(),
        );
        registry.register(
            "grpc_server_handling_seconds",
            "Time from request to the end of the response, by method",
            latency.clone(),
        );
        registry.register(
            "grpc_server_in_flight",
            "gRPC calls being handled now",
            in_flight.clone(),
        );
        Self {
            registry: Arc::new(Mutex::new(registry)),
            handled,
            latency,
            in_flight,
        }
    }

    /// Registers a service's own metric beside the server metrics.
    pub fn register(
        &self,
        name: &str,
        help: &str,
        metric: impl prometheus_client::registry::Metric,
    ) {
        if let Ok(mut registry) = self.registry.lock() {
            registry.register(name, help, metric);
        }
    }

    /// The registry in the Prometheus text exposition format.
    pub fn encode(&self) -> String {
        let mut text = String::new();
        if let Ok(registry) = self.registry.lock() {
            // Writing into a String cannot fail.
            let _ = prometheus_client::encoding::text::encode(&mut text, &registry);
        }
        text
    }

    pub(crate) fn call_started(&self) {
        self.in_flight.inc();
    }

    pub(crate) fn call_finished(&self, method: &str, code: &str, elapsed: Duration) {
        self.in_flight.dec();
        self.handled
            .get_or_create(&MethodCode {
                method: method.to_string(),
                code: code.to_string(),
            })
            .inc();
        self.latency
            .get_or_create(&MethodOnly {
                method: method.to_string(),
            })
            .observe(elapsed.as_secs_f64());
    }
}

/// The canonical name of a numeric gRPC status code.
pub fn code_name(code: i32) -> &'static str {
    match code {
        0 => "OK",
        1 => "CANCELLED",
        2 => "UNKNOWN",
        3 => "INVALID_ARGUMENT",
        4 => "DEADLINE_EXCEEDED",
        5 => "NOT_FOUND",
        6 => "ALREADY_EXISTS",
        7 => "PERMISSION_DENIED",
        8 => "RESOURCE_EXHAUSTED",
        9 => "FAILED_PRECONDITION",
        10 => "ABORTED",
        11 => "OUT_OF_RANGE",
        12 => "UNIMPLEMENTED",
        13 => "INTERNAL",
        14 => "UNAVAILABLE",
        15 => "DATA_LOSS",
        16 => "UNAUTHENTICATED",
        _ => "UNKNOWN",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_latency_appear_in_text_format() {
        let metrics = Metrics::new("demo");
        metrics.call_started();
        metrics.call_finished("/a.B/C", "OK", Duration::from_millis(3));
        let text = metrics.encode();
        assert!(
            text.contains(
                r#"grpc_server_handled_total{service="demo",method="/a.B/C",code="OK"} 1"#
            ),
            "{text}"
        );
        assert!(
            text.contains("grpc_server_handling_seconds_count"),
            "{text}"
        );
        assert!(
            text.contains(r#"grpc_server_in_flight{service="demo"} 0"#),
            "{text}"
        );
    }
}
