//! Per-call observation: request id, a tracing span continuing the caller's W3C trace,
//! RED metrics recorded when the response body ends, and one access-log line per call.
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

use futures::future::BoxFuture;
use http::{HeaderValue, Request, Response};
use http_body::{Body as HttpBody, Frame, SizeHint};
use tonic::body::Body;
use tower_layer::Layer;
use tower_service::Service;
use tracing::Instrument;

use super::is_health_path;
use crate::metrics::{Metrics, code_name};
use crate::telemetry;

/// Header carrying the request id, taken from the caller or made here.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// The request id, in the request extensions for handlers.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

#[derive(Clone)]
pub struct ObserveLayer {
    metrics: Metrics,
}

impl ObserveLayer {
    pub fn new(metrics: Metrics) -> Self {
        Self { metrics }
    }
}

impl<S> Layer<S> for ObserveLayer {
    type Service = Observe<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Observe {
            inner,
            metrics: self.metrics.clone(),
        }
    }
}

#[derive(Clone)]
pub struct Observe<S> {
    inner: S,
    metrics: Metrics,
}

impl<S> Service<Request<Body>> for Observe<S>
where
    S: Service<Request<Body>, Response = Response<Body>> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response<Body>;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<Response<Body>, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<Body>) -> Self::Future {
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let method = request.uri().path().to_string();
        let request_id = request
            .headers()
            .get(REQUEST_ID_HEADER)
            .and_then(|value| value.to_str().ok())
            .filter(|value| !value.is_empty() && value.len() <= 128)
            .map(str::to_string)
            .unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
        request
            .extensions_mut()
            .insert(RequestId(request_id.clone()));
        let quiet = is_health_path(&method);
        let span = if quiet {
            tracing::Span::none()
        } else {
            let span = tracing::info_span!(
                "grpc.server",
                otel.kind = "server",
                rpc.method = %method,
                request_id = %request_id,
            );
            telemetry::set_parent_from_headers(&span, request.headers());
            span
        };
        let metrics = self.metrics.clone();
        metrics.call_started();
        let recorder = Recorder {
            metrics,
            method,
            request_id: request_id.clone(),
            started: Instant::now(),
            code: None,
            quiet,
        };
        Box::pin(
            async move {
                let mut response = inner.call(request).await?;
                if let Ok(value) = HeaderValue::from_str(&request_id) {
                    response.headers_mut().insert(REQUEST_ID_HEADER, value);
                }
                let mut recorder = recorder;
                recorder.code = grpc_status(response.headers());
                let (parts, body) = response.into_parts();
                Ok(Response::from_parts(
                    parts,
                    Body::new(ObservedBody {
                        inner: body,
                        recorder,
                    }),
                ))
            }
            .instrument(span),
        )
    }
}

fn grpc_status(headers: &http::HeaderMap) -> Option<i32> {
    headers
        .get("grpc-status")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse().ok())
}

/// Records the call when the response body is done (or dropped, e.g. a cancelled stream).
struct Recorder {
    metrics: Metrics,
    method: String,
    request_id: String,
    started: Instant,
    code: Option<i32>,
    quiet: bool,
}

impl Drop for Recorder {
    fn drop(&mut self) {
        let code = self.code.map_or("CANCELLED", code_name);
        let elapsed = self.started.elapsed();
        self.metrics.call_finished(&self.method, code, elapsed);
        if self.quiet {
            return;
        }
        let duration_ms = elapsed.as_secs_f64() * 1000.0;
        match self.code {
            Some(0) => {
                tracing::info!(method = %self.method, code, duration_ms, request_id = %self.request_id, "call")
            }
            Some(2 | 4 | 13 | 14 | 15) | None => {
                tracing::warn!(method = %self.method, code, duration_ms, request_id = %self.request_id, "call")
            }
            Some(_) => {
                tracing::info!(method = %self.method, code, duration_ms, request_id = %self.request_id, "call")
            }
        }
    }
}

pin_project_lite::pin_project! {
    struct ObservedBody {
        #[pin]
        inner: Body,
        recorder: Recorder,
    }
}

impl HttpBody for ObservedBody {
    type Data = bytes::Bytes;
    type Error = tonic::Status;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let this = self.project();
        let polled = this.inner.poll_frame(cx);
        if let Poll::Ready(Some(Ok(frame))) = &polled
            && let Some(trailers) = frame.trailers_ref()
            && let Some(code) = grpc_status(trailers)
        {
            this.recorder.code = Some(code);
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
