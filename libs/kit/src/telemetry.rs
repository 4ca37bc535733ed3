//! Logs and traces: JSON logs to stdout, OTLP traces when an endpoint is configured, and
//! W3C trace context carried in gRPC metadata and bus messages.
use opentelemetry::propagation::{Extractor, Injector, TextMapPropagator};
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_opentelemetry::OpenTelemetrySpanExt;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

use crate::config::LogFormat;

/// Keeps the trace exporter alive; flush it with [`Telemetry::shutdown`].
pub struct Telemetry {
    provider: Option<SdkTracerProvider>,
}

impl Telemetry {
    /// Installs the global subscriber. Call once, at start-up.
    pub fn init(
        service: &str,
        filter: &str,
        format: LogFormat,
        otlp_endpoint: Option<&str>,
    ) -> anyhow::Result<Self> {
        let filter = EnvFilter::try_new(filter)
            .map_err(|error| anyhow::anyhow!("RUST_LOG is not a valid filter: {error}"))?;
        let fmt_layer = match format {
            LogFormat::Json => tracing_subscriber::fmt::layer()
                .json()
                .flatten_event(true)
                .with_current_span(true)
                .with_span_list(false)
                .boxed(),
            LogFormat::Text => tracing_subscriber::fmt::layer().boxed(),
        };
        let provider = match otlp_endpoint {
            Some(endpoint) => Some(otlp_provider(service, endpoint)?),
            None => None,
        };
        let otel_layer = provider.as_ref().map(|provider| {
            tracing_opentelemetry::layer().with_tracer(provider.tracer(service.to_string()))
        });
        tracing_subscriber::registry()
            .with(filter)
            .with(fmt_layer)
            .with(otel_layer)
            .try_init()
            .map_err(|error| anyhow::anyhow!("cannot install the log subscriber: {error}"))?;
        opentelemetry::global::set_text_map_propagator(TraceContextPropagator::new());
        Ok(Self { provider })
    }

    /// Flushes pending spans. The SDK's flush blocks, so it runs off the async workers.
    pub async fn shutdown(self) {
        if let Some(provider) = self.provider {
            let flushed = tokio::task::spawn_blocking(move || {
                let _ = provider.force_flush();
                provider.shutdown()
            })
            .await;
            if let Ok(Err(error)) = flushed {
                eprintln!("trace exporter shutdown failed: {error}");
            }
        }
    }
}

fn otlp_provider(service: &str, endpoint: &str) -> anyhow::Result<SdkTracerProvider> {
    use opentelemetry_otlp::WithExportConfig;
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_tonic()
        .with_endpoint(endpoint)
        .build()
        .map_err(|error| anyhow::anyhow!("OTEL_EXPORTER_OTLP_ENDPOINT {endpoint}: {error}"))?;
    let resource = opentelemetry_sdk::Resource::builder()
        .with_service_name(service.to_string())
        .build();
    Ok(SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(resource)
        .build())
}

struct HeaderExtractor<'a>(&'a http::HeaderMap);

impl Extractor for HeaderExtractor<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|value| value.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(http::HeaderName::as_str).collect()
    }
}

struct MapInjector<'a>(&'a mut Vec<(String, String)>);

impl Injector for MapInjector<'_> {
    fn set(&mut self, key: &str, value: String) {
        self.0.push((key.to_string(), value));
    }
}

struct MapExtractor<'a>(&'a [(String, String)]);

impl Extractor for MapExtractor<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(name, _)| name == key)
            .map(|(_, value)| value.as_str())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.iter().map(|(name, _)| name.as_str()).collect()
    }
}

/// Makes `span` a child of the W3C trace context found in request headers.
pub fn set_parent_from_headers(span: &tracing::Span, headers: &http::HeaderMap) {
    let context = TraceContextPropagator::new().extract(&HeaderExtractor(headers));
    let _ = span.set_parent(context);
}

/// The current span's W3C trace context as (name, value) pairs (`traceparent`, ...).
pub fn current_context_fields() -> Vec<(String, String)> {
    let mut fields = Vec::new();
    let context = tracing::Span::current().context();
    TraceContextPropagator::new().inject_context(&context, &mut MapInjector(&mut fields));
    fields
}

/// Makes `span` a child of trace context fields carried by a message.
pub fn set_parent_from_fields(span: &tracing::Span, fields: &[(String, String)]) {
    let context = TraceContextPropagator::new().extract(&MapExtractor(fields));
    let _ = span.set_parent(context);
}
