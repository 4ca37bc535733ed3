//! Calling other Quorum services by name: channels from the catalog, the caller's token
//! (or this service's own) and trace context attached, and retries for idempotent calls.
use std::sync::{Arc, RwLock};
use std::time::Duration;

use hmac::{Hmac, Mac};
use quorum_proto::auth::v1::{IssueServiceTokenRequest, auth_service_client::AuthServiceClient};
use rand::Rng;
use tonic::metadata::{MetadataKey, MetadataValue};
use tonic::service::Interceptor;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::{Channel, Endpoint};
use tonic::{Code, Status};

use crate::auth::current_token;
use crate::config::ConfigError;
use crate::kit::Kit;
use crate::telemetry;

/// A channel that carries the caller's token and trace context on every call.
pub type ServiceChannel = InterceptedService<Channel, CallerInterceptor>;

impl Kit {
    /// A lazily connecting channel to a catalog service: at its `QUORUM_<NAME>_ADDR`
    /// when set, else where it runs in this process, else at its catalog address.
    pub fn channel(&self, service: &str) -> Result<Channel, ConfigError> {
        let catalog = quorum_catalog::Catalog::load()
            .map_err(|error| ConfigError::new("QUORUM_CATALOG_PATH", error.to_string()))?;
        let entry = catalog.service(service).ok_or_else(|| {
            ConfigError::new("service", format!("{service} is not in the catalog"))
        })?;
        channel_to(&entry.endpoint_preferring(self.peer(service)))
            .map_err(|problem| ConfigError::new(entry.address_env_var(), problem))
    }

    /// [`Kit::channel`] with the token and trace context interceptor.
    pub fn client_channel(&self, service: &str) -> Result<ServiceChannel, ConfigError> {
        Ok(self.intercepted(self.channel(service)?))
    }

    /// A channel to an explicit endpoint with the token and trace context interceptor.
    pub fn client_channel_at(&self, url: &str) -> Result<ServiceChannel, ConfigError> {
        let channel = channel_to(url).map_err(|problem| ConfigError::new("endpoint", problem))?;
        Ok(self.intercepted(channel))
    }

    fn intercepted(&self, channel: Channel) -> ServiceChannel {
        InterceptedService::new(
            channel,
            CallerInterceptor {
                tokens: self.service_tokens().clone(),
            },
        )
    }
}

/// A lazily connecting channel with the kit's connection settings.
pub fn channel_to(url: &str) -> Result<Channel, String> {
    let endpoint = Endpoint::from_shared(url.to_string())
        .map_err(|error| format!("{url} is not a valid endpoint: {error}"))?;
    Ok(endpoint
        .connect_timeout(Duration::from_secs(3))
        .tcp_keepalive(Some(Duration::from_secs(30)))
        .http2_keep_alive_interval(Duration::from_secs(30))
        .keep_alive_while_idle(true)
        .connect_lazy())
}

/// Adds `authorization` (the current caller's token, else this service's own) and the
/// W3C trace context to outgoing calls.
#[derive(Clone)]
pub struct CallerInterceptor {
    tokens: ServiceTokens,
}

impl Interceptor for CallerInterceptor {
    fn call(&mut self, mut request: tonic::Request<()>) -> Result<tonic::Request<()>, Status> {
        let token = current_token()
            .filter(|token| !token.is_empty())
            .or_else(|| self.tokens.current());
        if let Some(token) = token
            && let Ok(value) = MetadataValue::try_from(format!("Bearer {token}"))
        {
            request.metadata_mut().insert("authorization", value);
        }
        for (name, value) in telemetry::current_context_fields() {
            if let (Ok(key), Ok(value)) = (
                MetadataKey::from_bytes(name.as_bytes()),
                MetadataValue::try_from(value.as_str()),
            ) {
                request.metadata_mut().insert(key, value);
            }
        }
        Ok(request)
    }
}

/// This service's own token, obtained from auth-manager with the cluster service key.
#[derive(Clone)]
pub struct ServiceTokens {
    service: &'static str,
    key: Option<Arc<String>>,
    token: Arc<RwLock<Option<String>>>,
}

impl ServiceTokens {
    pub(crate) fn new(service: &'static str, key: Option<String>) -> Self {
        Self {
            service,
            key: key.map(Arc::new),
            token: Arc::new(RwLock::new(None)),
        }
    }

    pub fn current(&self) -> Option<String> {
        self.token.read().ok().and_then(|token| token.clone())
    }

    pub(crate) fn has_key(&self) -> bool {
        self.key.is_some()
    }

    /// Fetches a token now and then again before it expires, until shutdown.
    pub(crate) async fn keep_fresh(
        self,
        auth_manager: Channel,
        shutdown: tokio_util::sync::CancellationToken,
    ) {
        let Some(key) = self.key.clone() else { return };
        let mut failures = 0u32;
        loop {
            let wait = match self.fetch(&key, auth_manager.clone()).await {
                Ok(lifetime) => {
                    failures = 0;
                    lifetime.mul_f64(0.8)
                }
                Err(status) => {
                    failures = failures.saturating_add(1);
                    tracing::warn!(code = ?status.code(), message = status.message(), "cannot obtain this service's token; will retry");
                    backoff(failures)
                }
            };
            tokio::select! {
                () = shutdown.cancelled() => return,
                () = tokio::time::sleep(wait) => {}
            }
        }
    }

    async fn fetch(&self, key: &str, channel: Channel) -> Result<Duration, Status> {
        let timestamp = chrono::Utc::now().timestamp_millis();
        let request = IssueServiceTokenRequest {
            service: self.service.to_string(),
            timestamp_unix_ms: timestamp,
            signature: service_signature(key, self.service, timestamp),
        };
        let response = AuthServiceClient::new(channel)
            .issue_service_token(request)
            .await?
            .into_inner();
        let tokens = response
            .tokens
            .ok_or_else(|| Status::internal("auth-manager returned no token"))?;
        if let Ok(mut slot) = self.token.write() {
            *slot = Some(tokens.access_token);
        }
        Ok(Duration::from_secs(tokens.expires_in_seconds.max(10) as u64))
    }
}

/// Lowercase hex HMAC-SHA256(key, service + "\n" + timestamp): how a service proves it
/// holds the cluster service key without sending it.
pub fn service_signature(key: &str, service: &str, timestamp_unix_ms: i64) -> String {
    let mut mac = match Hmac::<sha2::Sha256>::new_from_slice(key.as_bytes()) {
        Ok(mac) => mac,
        Err(_) => return String::new(),
    };
    mac.update(format!("{service}\n{timestamp_unix_ms}").as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Exponential backoff with full jitter, 100 ms doubling up to 10 s.
pub fn backoff(attempt: u32) -> Duration {
    let ceiling_ms = 100u64.saturating_mul(1 << attempt.min(7)).min(10_000);
    Duration::from_millis(rand::thread_rng().gen_range(ceiling_ms / 2..=ceiling_ms))
}

/// How often and on which codes to retry an idempotent call.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    pub max_attempts: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self { max_attempts: 4 }
    }
}

/// Runs an idempotent call, retrying with backoff while the callee is unavailable or
/// shedding load. Never use it for calls that must not run twice.
pub async fn retry<T, F, Fut>(policy: RetryPolicy, mut call: F) -> Result<T, Status>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, Status>>,
{
    let mut attempt = 0;
    loop {
        attempt += 1;
        match call().await {
            Err(status) if attempt < policy.max_attempts && retryable(status.code()) => {
                tokio::time::sleep(backoff(attempt)).await;
            }
            outcome => return outcome,
        }
    }
}

fn retryable(code: Code) -> bool {
    matches!(code, Code::Unavailable | Code::ResourceExhausted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_depends_on_every_input() {
        let base = service_signature("key", "audit-logger", 1);
        assert_eq!(base.len(), 64);
        assert_ne!(base, service_signature("key2", "audit-logger", 1));
        assert_ne!(base, service_signature("key", "health-checker", 1));
        assert_ne!(base, service_signature("key", "audit-logger", 2));
        assert_eq!(base, service_signature("key", "audit-logger", 1));
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        assert!(backoff(1) <= Duration::from_millis(200));
        assert!(backoff(30) <= Duration::from_secs(10));
        assert!(backoff(30) >= Duration::from_secs(5));
    }

    #[tokio::test]
    async fn retry_stops_on_success_and_on_non_retryable_codes() {
        let mut calls = 0;
        let outcome: Result<u32, Status> = retry(RetryPolicy { max_attempts: 5 }, || {
            calls += 1;
            let attempt = calls;
            async move {
                if attempt < 2 {
                    Err(Status::unavailable("down"))
                } else {
                    Ok(attempt)
                }
            }
        })
        .await;
        assert_eq!(outcome.unwrap(), 2);

        let mut calls = 0;
        let outcome: Result<u32, Status> = retry(RetryPolicy { max_attempts: 5 }, || {
            calls += 1;
            async { Err(Status::invalid_argument("bad")) }
        })
        .await;
        assert_eq!(outcome.unwrap_err().code(), Code::InvalidArgument);
        assert_eq!(calls, 1);
    }
}
