//! The handle a service gets at start-up: its name, configuration, metrics, shutdown
//! signal, background tasks, and named clients for the services it calls.
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::auth::KeySource;
use crate::client::ServiceTokens;
use crate::config::KitConfig;
use crate::metrics::Metrics;

#[derive(Clone)]
pub struct Kit {
    inner: Arc<KitInner>,
}

struct KitInner {
    name: &'static str,
    config: KitConfig,
    metrics: Metrics,
    shutdown: CancellationToken,
    tasks: Mutex<Vec<(String, JoinHandle<()>)>>,
    key_source: Mutex<Option<Arc<dyn KeySource>>>,
    service_tokens: ServiceTokens,
    peers: Arc<BTreeMap<String, String>>,
}

impl Kit {
    pub fn new(name: &'static str, config: KitConfig) -> Self {
        Self::with_peers(name, config, Arc::default())
    }

    /// A kit that finds the services in `peers` (name to URL, e.g. those running in the
    /// same process) there, unless their `QUORUM_<NAME>_ADDR` variable says otherwise.
    pub fn with_peers(
        name: &'static str,
        config: KitConfig,
        peers: Arc<BTreeMap<String, String>>,
    ) -> Self {
        Self {
            inner: Arc::new(KitInner {
                name,
                metrics: Metrics::new(name),
                service_tokens: ServiceTokens::new(name, config.read_service_key()),
                config,
                shutdown: CancellationToken::new(),
                tasks: Mutex::new(Vec::new()),
                key_source: Mutex::new(None),
                peers,
            }),
        }
    }

    pub fn name(&self) -> &'static str {
        self.inner.name
    }

    pub fn config(&self) -> &KitConfig {
        &self.inner.config
    }

    pub fn metrics(&self) -> &Metrics {
        &self.inner.metrics
    }

    /// Cancelled when the service starts shutting down; long-running work watches it.
    pub fn shutdown_token(&self) -> CancellationToken {
        self.inner.shutdown.clone()
    }

    /// Asks the service to shut down gracefully (what SIGTERM does).
    pub fn request_shutdown(&self) {
        self.inner.shutdown.cancel();
    }

    /// Runs background work that the kit waits for (within the grace period) on shutdown.
    /// The work should return soon after [`Kit::shutdown_token`] is cancelled.
    pub fn spawn<F>(&self, name: &str, work: F)
    where
        F: std::future::Future<Output = ()> + Send + 'static,
    {
        let handle = tokio::spawn(work);
        if let Ok(mut tasks) = self.inner.tasks.lock() {
            tasks.push((name.to_string(), handle));
        }
    }

    pub(crate) fn take_tasks(&self) -> Vec<(String, JoinHandle<()>)> {
        self.inner
            .tasks
            .lock()
            .map(|mut tasks| std::mem::take(&mut *tasks))
            .unwrap_or_default()
    }

    /// Uses these keys to verify tokens instead of auth-manager's JWKS (tests, and
    /// auth-manager itself).
    pub fn set_key_source(&self, keys: Arc<dyn KeySource>) {
        if let Ok(mut slot) = self.inner.key_source.lock() {
            *slot = Some(keys);
        }
    }

    pub(crate) fn key_source(&self) -> Option<Arc<dyn KeySource>> {
        self.inner
            .key_source
            .lock()
            .ok()
            .and_then(|slot| slot.clone())
    }

    /// Where `service` runs, when this kit was told (see [`Kit::with_peers`]).
    pub(crate) fn peer(&self, service: &str) -> Option<&str> {
        self.inner.peers.get(service).map(String::as_str)
    }

    pub(crate) fn service_tokens(&self) -> &ServiceTokens {
        &self.inner.service_tokens
    }
}
