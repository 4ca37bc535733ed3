//! Load shedding and deadlines that answer with proper gRPC codes: RESOURCE_EXHAUSTED when
//! the service is at its concurrency limit, DEADLINE_EXCEEDED when a call runs too long.
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use futures::future::BoxFuture;
use http::{Request, Response};
use tokio::sync::Semaphore;
use tonic::Status;
use tonic::body::Body;
use tower_layer::Layer;
use tower_service::Service;

/// Limits applied to every call.
#[derive(Debug, Clone, Copy)]
pub struct GuardConfig {
    /// Upper bound on a call's time to first response; a shorter `grpc-timeout` wins.
    pub request_timeout: Duration,
    /// Calls in flight at once; more are shed at once with RESOURCE_EXHAUSTED.
    pub max_concurrent_requests: usize,
}

#[derive(Clone)]
pub struct GuardLayer {
    config: GuardConfig,
    permits: Arc<Semaphore>,
}

impl GuardLayer {
    pub fn new(config: GuardConfig) -> Self {
        Self {
            config,
            permits: Arc::new(Semaphore::new(config.max_concurrent_requests.max(1))),
        }
    }
}

impl<S> Layer<S> for GuardLayer {
    type Service = Guard<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Guard {
            inner,
            config: self.config,
            permits: self.permits.clone(),
        }
    }
}

#[derive(Clone)]
pub struct Guard<S> {
    inner: S,
    config: GuardConfig,
    permits: Arc<Semaphore>,
}

impl<S> Service<Request<Body>> for Guard<S>
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

    fn call(&mut self, request: Request<Body>) -> Self::Future {
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let Ok(permit) = self.permits.clone().try_acquire_owned() else {
            let status = Status::resource_exhausted(
                "server is at its concurrency limit; retry with backoff",
            );
            return Box::pin(async move { Ok(status.into_http()) });
        };
        let deadline = effective_timeout(self.config.request_timeout, request.headers());
        Box::pin(async move {
            let outcome = tokio::time::timeout(deadline, inner.call(request)).await;
            drop(permit);
            match outcome {
                Ok(result) => result,
                Err(_) => Ok(Status::deadline_exceeded(format!(
                    "call did not complete within {} ms",
                    deadline.as_millis()
                ))
                .into_http()),
            }
        })
    }
}

fn effective_timeout(limit: Duration, headers: &http::HeaderMap) -> Duration {
    headers
        .get("grpc-timeout")
        .and_then(|value| value.to_str().ok())
        .and_then(parse_grpc_timeout)
        .map_or(limit, |asked| asked.min(limit))
}

/// Parses the `grpc-timeout` header: up to 8 digits and a unit (H, M, S, m, u, n).
fn parse_grpc_timeout(value: &str) -> Option<Duration> {
    if value.len() < 2 || value.len() > 9 {
        return None;
    }
    let (digits, unit) = value.split_at(value.len() - 1);
    let amount: u64 = digits.parse().ok()?;
    Some(match unit {
        "H" => Duration::from_secs(amount.checked_mul(3600)?),
        "M" => Duration::from_secs(amount.checked_mul(60)?),
        "S" => Duration::from_secs(amount),
        "m" => Duration::from_millis(amount),
        "u" => Duration::from_micros(amount),
        "n" => Duration::from_nanos(amount),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grpc_timeout_units() {
        assert_eq!(parse_grpc_timeout("5S"), Some(Duration::from_secs(5)));
        assert_eq!(parse_grpc_timeout("250m"), Some(Duration::from_millis(250)));
        assert_eq!(parse_grpc_timeout("1H"), Some(Duration::from_secs(3600)));
        assert_eq!(parse_grpc_timeout("7u"), Some(Duration::from_micros(7)));
        assert_eq!(parse_grpc_timeout("S"), None);
        assert_eq!(parse_grpc_timeout("12x"), None);
        assert_eq!(parse_grpc_timeout("123456789S"), None);
    }

    #[test]
    fn shorter_client_deadline_wins() {
        let mut headers = http::HeaderMap::new();
        headers.insert("grpc-timeout", http::HeaderValue::from_static("100m"));
        assert_eq!(
            effective_timeout(Duration::from_secs(10), &headers),
            Duration::from_millis(100)
        );
        headers.insert("grpc-timeout", http::HeaderValue::from_static("100S"));
        assert_eq!(
            effective_timeout(Duration::from_secs(10), &headers),
            Duration::from_secs(10)
        );
    }
}
