//! The strategy's parameters: in memory behind a lock, persisted in Redis under the
//! service's prefix so a restart keeps them. A change is validated in full, then written
//! to Redis together with its audit event in one MULTI/EXEC, and only then takes effect.
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use quorum_bus::events::{AUDIT_TOPIC, AuditEvent, AuditOutcome};
use quorum_kit::CancellationToken;
use quorum_strategies::{ParamError, Params, Strategy};
use redis::aio::ConnectionManager;
use serde::{Deserialize, Serialize};

/// How long one Redis command may take before SetParams gives up.
const REDIS_TIMEOUT: Duration = Duration::from_secs(5);

/// What Redis holds for the service's parameters.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Stored {
    strategy: String,
    values: BTreeMap<String, f64>,
    version: String,
    changed_by: String,
    changed_at_ms: i64,
}

/// Why a change did not happen.
#[derive(Debug)]
pub enum ChangeError {
    /// Bad names or values, each naming the parameter; nothing changed.
    Invalid(Vec<ParamError>),
    /// Redis could not persist the change; nothing changed.
    Unavailable(String),
}

/// Who made a change, for the audit record.
#[derive(Debug, Clone)]
pub struct Actor {
    /// A user name, `svc:<service>`, or `anonymous`.
    pub name: String,
}

pub struct ParamsStore {
    service: &'static str,
    strategy: &'static dyn Strategy,
    current: RwLock<Arc<Params>>,
    /// Accepted changes since start; a stored set loaded late never overwrites one.
    changes: AtomicU64,
    /// One change at a time, from validation to the swap.
    writer: tokio::sync::Mutex<Option<ConnectionManager>>,
    client: redis::Client,
    key: String,
    audit_stream: String,
}

impl ParamsStore {
    /// Starts at the strategy's defaults; call [`ParamsStore::load`] to restore.
    pub fn new(
        service: &'static str,
        strategy: &'static dyn Strategy,
        redis_url: &str,
        bus_prefix: &str,
    ) -> anyhow::Result<Self> {
        let client = redis::Client::open(redis_url)?;
        Ok(Self {
            service,
            strategy,
            current: RwLock::new(Arc::new(strategy.default_params())),
            changes: AtomicU64::new(0),
            writer: tokio::sync::Mutex::new(None),
            client,
            key: format!("{service}:params"),
            audit_stream: format!("{bus_prefix}:{AUDIT_TOPIC}"),
        })
    }

    pub fn strategy(&self) -> &'static dyn Strategy {
        self.strategy
    }

    /// The parameters in effect.
    pub fn current(&self) -> Arc<Params> {
        self.current
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Reads the stored parameters, retrying while Redis is unreachable, and applies
    /// them unless a change was made meanwhile. Stored values that no longer fit the
    /// strategy (renamed or out of range) are left out with a warning.
    pub async fn load(&self, shutdown: CancellationToken) {
        let mut attempt = 0u32;
        loop {
            // Held from the read to the restore, so no change can fall in between.
            let mut writer = self.writer.lock().await;
            match self.read_stored(&mut writer).await {
                Ok(stored) => {
                    self.restore(stored);
                    return;
                }
                Err(error) => {
                    attempt = attempt.saturating_add(1);
                    tracing::warn!(%error, attempt, key = %self.key, "cannot read the stored parameters yet; retrying");
                }
            }
            drop(writer);
            let wait = quorum_kit::client::backoff(attempt).min(Duration::from_secs(30));
            tokio::select! {
                () = shutdown.cancelled() => return,
                () = tokio::time::sleep(wait) => {}
            }
        }
    }

    /// Validates `changes` against the current values, persists the result with its
    /// audit event, then puts it in effect. Returns the new parameters.
    pub async fn change(
        &self,
        changes: &BTreeMap<String, f64>,
        actor: &Actor,
    ) -> Result<Arc<Params>, ChangeError> {
        let mut writer = self.writer.lock().await;
        let before = self.current();
        let after = self
            .strategy
            .change_params(&before, changes)
            .map_err(ChangeError::Invalid)?;
        let now_ms = chrono::Utc::now().timestamp_millis();
        let stored = Stored {
            strategy: self.strategy.name().to_string(),
            values: after
                .values()
                .into_iter()
                .map(|(name, value)| (name.to_string(), value))
                .collect(),
            version: after.version().to_string(),
            changed_by: actor.name.clone(),
            changed_at_ms: now_ms,
        };
        let audit = self.audit_event(&before, &after, changes, actor, now_ms);
        self.persist(&mut writer, &stored, &audit).await?;
        let after = Arc::new(after);
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = after.clone();
        self.changes.fetch_add(1, Ordering::SeqCst);
        tracing::info!(version = after.version(), actor = %actor.name, "parameters changed");
        Ok(after)
    }

    async fn persist(
        &self,
        writer: &mut Option<ConnectionManager>,
        stored: &Stored,
        audit: &AuditEvent,
    ) -> Result<(), ChangeError> {
        let unavailable = |error: String| ChangeError::Unavailable(error);
        let stored_json =
            serde_json::to_string(stored).map_err(|error| unavailable(error.to_string()))?;
        let audit_json =
            serde_json::to_string(audit).map_err(|error| unavailable(error.to_string()))?;
        let mut fields: Vec<(String, String)> = vec![("data".into(), audit_json)];
        fields.extend(quorum_kit::telemetry::current_context_fields());
        let mut pipeline = redis::pipe();
        pipeline
            .atomic()
            .set(&self.key, stored_json)
            .ignore()
            .xadd_maxlen(
                &self.audit_stream,
                redis::streams::StreamMaxlen::Approx(quorum_bus::DEFAULT_MAX_LEN),
                "*",
                &fields,
            )
            .ignore();
        let connection = match writer {
            Some(connection) => connection,
            None => writer.insert(self.connect().await.map_err(unavailable)?),
        };
        let outcome =
            tokio::time::timeout(REDIS_TIMEOUT, pipeline.query_async::<()>(connection)).await;
        match outcome {
            Ok(Ok(())) => Ok(()),
            Ok(Err(error)) => Err(unavailable(error.to_string())),
            Err(_) => Err(unavailable("redis did not answer in time".into())),
        }
    }

    async fn connect(&self) -> Result<ConnectionManager, String> {
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_response_timeout(Some(REDIS_TIMEOUT))
            .set_connection_timeout(Some(REDIS_TIMEOUT));
        ConnectionManager::new_with_config(self.client.clone(), config)
            .await
            .map_err(|error| error.to_string())
    }

    async fn read_stored(
        &self,
        writer: &mut Option<ConnectionManager>,
    ) -> Result<Option<Stored>, String> {
        let connection = match writer {
            Some(connection) => connection,
            None => writer.insert(self.connect().await?),
        };
        let text: Option<String> = tokio::time::timeout(
            REDIS_TIMEOUT,
            redis::cmd("GET").arg(&self.key).query_async(connection),
        )
        .await
        .map_err(|_| "redis did not answer in time".to_string())?
        .map_err(|error| error.to_string())?;
        match text {
            None => Ok(None),
            Some(text) => serde_json::from_str(&text)
                .map(Some)
                .or_else(|error| {
                    tracing::warn!(%error, key = %self.key, "stored parameters do not decode; keeping the defaults");
                    Ok(None)
                }),
        }
    }

    fn restore(&self, stored: Option<Stored>) {
        let Some(stored) = stored else {
            tracing::info!(key = %self.key, "no stored parameters; using the defaults");
            return;
        };
        if self.changes.load(Ordering::SeqCst) > 0 {
            tracing::info!(
                "parameters changed before the stored ones were read; keeping the change"
            );
            return;
        }
        let specs = self.strategy.specs();
        let (known, unknown): (BTreeMap<String, f64>, BTreeMap<String, f64>) = stored
            .values
            .into_iter()
            .partition(|(name, _)| specs.iter().any(|spec| spec.name == name));
        if !unknown.is_empty() {
            tracing::warn!(names = ?unknown.keys().collect::<Vec<_>>(), "stored parameters this strategy no longer has were left out");
        }
        let defaults = self.strategy.default_params();
        match self.strategy.change_params(&defaults, &known) {
            Ok(params) => {
                tracing::info!(version = params.version(), "stored parameters restored");
                *self.current.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(params);
            }
            Err(problems) => {
                let problems: Vec<String> = problems.iter().map(ToString::to_string).collect();
                tracing::warn!(
                    ?problems,
                    "stored parameters are not valid; keeping the defaults"
                );
            }
        }
    }

    fn audit_event(
        &self,
        before: &Params,
        after: &Params,
        changes: &BTreeMap<String, f64>,
        actor: &Actor,
        now_ms: i64,
    ) -> AuditEvent {
        let previous = before.values();
        let changed: BTreeMap<&String, serde_json::Value> = changes
            .iter()
            .map(|(name, value)| {
                let old = previous.get(name.as_str()).copied();
                (name, serde_json::json!({ "from": old, "to": value }))
            })
            .collect();
        AuditEvent {
            event_id: uuid::Uuid::now_v7().to_string(),
            actor: actor.name.clone(),
            action: "strategy.set_params".into(),
            resource: format!("strategy:{}", self.service),
            outcome: AuditOutcome::Success,
            occurred_at_ms: now_ms,
            source_service: self.service.to_string(),
            source_address: String::new(),
            details: serde_json::json!({
                "strategy": self.strategy.name(),
                "changes": changed,
                "version_before": before.version(),
                "version_after": after.version(),
            }),
        }
    }
}
