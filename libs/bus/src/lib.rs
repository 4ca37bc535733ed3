//! Events between Quorum services on Redis Streams.
mod args;
pub mod audit;
mod consumer;
pub mod events;
pub mod outbox;

use redis::AsyncCommands;
use redis::aio::ConnectionManager;
use serde::Serialize;

pub use args::BusArgs;
pub use consumer::{Consumer, ConsumerConfig, HandlerError, Message, StartFrom};

/// How long a publish (or connecting) may wait for Redis before it fails.
pub const PUBLISH_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// Stream entries kept per topic; older ones are trimmed (approximately).
pub const DEFAULT_MAX_LEN: usize = 1_000_000;

#[derive(Debug, thiserror::Error)]
pub enum BusError {
    #[error("REDIS_URL is not valid: {0}")]
    BadUrl(String),
    #[error("redis: {0}")]
    Redis(#[from] redis::RedisError),
    #[error("event does not serialize to JSON: {0}")]
    Encode(#[from] serde_json::Error),
}

/// A connection to the bus. Cheap to clone; reconnects by itself.
#[derive(Clone)]
pub struct Bus {
    client: redis::Client,
    connection: ConnectionManager,
    prefix: String,
    max_len: usize,
}

impl Bus {
    /// Connects to Redis. `prefix` namespaces every stream (normally "quorum").
    pub async fn connect(redis_url: &str, prefix: &str) -> Result<Self, BusError> {
        let client =
            redis::Client::open(redis_url).map_err(|error| BusError::BadUrl(error.to_string()))?;
        // The client's default response timeout (half a second) fails publishes on a
        // busy machine; a slow answer is still an answer.
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_response_timeout(Some(PUBLISH_TIMEOUT))
            .set_connection_timeout(Some(PUBLISH_TIMEOUT));
        let connection = ConnectionManager::new_with_config(client.clone(), config).await?;
        Ok(Self {
            client,
            connection,
            prefix: prefix.to_string(),
            max_len: DEFAULT_MAX_LEN,
        })
    }

    /// Caps every stream this handle publishes to at about `max_len` entries (market
    /// data topics are kept short; the default suits durable events).
    pub fn with_max_len(mut self, max_len: usize) -> Self {
        self.max_len = max_len.max(1);
        self
    }

    /// The Redis key of a topic's stream.
    pub fn stream_key(&self, topic: &str) -> String {
        format!("{}:{topic}", self.prefix)
    }

    /// The Redis key of a topic's dead-letter stream.
    pub fn dead_letter_key(&self, topic: &str) -> String {
        format!("{}:{topic}:dead", self.prefix)
    }

    /// Appends an event; returns its stream id.
    pub async fn publish<T: Serialize>(&self, topic: &str, event: &T) -> Result<String, BusError> {
        let data = serde_json::to_string(event)?;
        self.publish_raw(topic, &data).await
    }

    /// Appends an already-encoded JSON event.
    pub async fn publish_raw(&self, topic: &str, data: &str) -> Result<String, BusError> {
        let mut fields: Vec<(String, String)> = vec![("data".into(), data.to_string())];
        fields.extend(quorum_kit::telemetry::current_context_fields());
        let mut connection = self.connection.clone();
        let id: String = connection
            .xadd_maxlen(
                self.stream_key(topic),
                redis::streams::StreamMaxlen::Approx(self.max_len),
                "*",
                &fields,
            )
            .await?;
        Ok(id)
    }

    /// Number of entries in a topic's stream.
    pub async fn len(&self, topic: &str) -> Result<u64, BusError> {
        let mut connection = self.connection.clone();
        Ok(connection.xlen(self.stream_key(topic)).await?)
    }

    /// A consumer of `topic` in `group`, identified as `consumer` (keep the name stable
    /// across restarts so the consumer takes back what it was handling).
    pub fn consumer(
        &self,
        topic: &str,
        group: &str,
        consumer: &str,
        config: ConsumerConfig,
    ) -> Consumer {
        Consumer::new(self.clone(), topic, group, consumer, config)
    }

    /// A connection of its own for blocking reads, which would stall shared traffic.
    pub(crate) async fn blocking_connection(&self) -> Result<ConnectionManager, BusError> {
        let config = redis::aio::ConnectionManagerConfig::new().set_response_timeout(None);
        Ok(ConnectionManager::new_with_config(self.client.clone(), config).await?)
    }
}
