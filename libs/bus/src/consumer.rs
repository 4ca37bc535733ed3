//! Consuming a topic in a consumer group: ack after durable handling, take back own
//! unacknowledged messages after a crash, claim those of dead consumers, retry failures,
//! and dead-letter what keeps failing.
use std::collections::HashMap;
use std::time::{Duration, Instant};

use redis::AsyncCommands;
use redis::aio::ConnectionManager;
use redis::streams::{StreamId, StreamReadOptions, StreamReadReply};
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use crate::{Bus, BusError};

/// How a consumer reads and when it gives up on a message.
#[derive(Debug, Clone)]
pub struct ConsumerConfig {
    /// Deliveries after which a failing message goes to the dead-letter stream.
    pub max_deliveries: u64,
    /// Messages read per call.
    pub batch_size: usize,
    /// How long one read waits for new messages.
    pub block: Duration,
    /// How often failed (still pending) messages are retried.
    pub retry_interval: Duration,
    /// Pending messages of other consumers idle this long are claimed.
    pub claim_idle: Duration,
    /// Where a group that does not exist yet starts reading.
    pub start: StartFrom,
}

/// Where a new consumer group starts in its topic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartFrom {
    /// Every message still in the stream (durable consumers such as stores).
    Beginning,
    /// Only messages published after the group was made (consumers that keep live
    /// state in memory and would only replay stale history).
    Latest,
}

impl Default for ConsumerConfig {
    fn default() -> Self {
        Self {
            max_deliveries: 5,
            batch_size: 100,
            block: Duration::from_secs(2),
            retry_interval: Duration::from_secs(5),
            claim_idle: Duration::from_secs(60),
            start: StartFrom::Beginning,
        }
    }
}

/// One event as delivered.
#[derive(Debug, Clone)]
pub struct Message {
    pub id: String,
    pub topic: String,
    /// The JSON event.
    pub data: String,
    trace: Vec<(String, String)>,
}

impl Message {
    /// When Redis added the entry, from its id (`<unix ms>-<sequence>`); `None` for an id
    /// of another form.
    pub fn published_unix_ms(&self) -> Option<i64> {
        self.id.split_once('-')?.0.parse().ok()
    }

    pub fn decode<T: serde::de::DeserializeOwned>(&self) -> Result<T, HandlerError> {
        serde_json::from_str(&self.data)
            .map_err(|error| HandlerError::Poison(format!("event does not decode: {error}")))
    }
}

/// Why a handler did not handle a message.
#[derive(Debug, Clone, thiserror::Error)]
pub enum HandlerError {
    /// Might work later (a dependency is down): the message stays pending and is retried.
    #[error("retry: {0}")]
    Retry(String),
    /// Can never work (malformed): dead-lettered at once.
    #[error("poison: {0}")]
    Poison(String),
}

/// A handler and the key that orders its messages.
struct Keyed<K, H> {
    key: K,
    handler: H,
}

pub struct Consumer {
    bus: Bus,
    topic: String,
    group: String,
    name: String,
    config: ConsumerConfig,
}

impl Consumer {
    pub(crate) fn new(
        bus: Bus,
        topic: &str,
        group: &str,
        name: &str,
        config: ConsumerConfig,
    ) -> Self {
        Self {
            bus,
            topic: topic.to_string(),
            group: group.to_string(),
            name: name.to_string(),
            config,
        }
    }

    /// Handles messages one at a time, in stream order, until `shutdown`. Redis errors
    /// are logged and retried.
    pub async fn run<H, Fut>(self, shutdown: CancellationToken, handler: H)
    where
        H: Fn(Message) -> Fut,
        Fut: std::future::Future<Output = Result<(), HandlerError>>,
    {
        self.run_keyed(shutdown, |_: &str| String::new(), handler)
            .await;
    }

    /// Like `run`, but the messages of one read with different keys (`key` of the event
    /// JSON) are handled concurrently; those with the same key stay in stream order. Each
    /// is acknowledged once handled, as with `run`.
    pub async fn run_keyed<K, H, Fut>(self, shutdown: CancellationToken, key: K, handler: H)
    where
        K: Fn(&str) -> String,
        H: Fn(Message) -> Fut,
        Fut: std::future::Future<Output = Result<(), HandlerError>>,
    {
        let handler = Keyed { key, handler };
        let mut failures = 0u32;
        let mut last_retry_pass: Option<Instant> = None;
        let mut connection: Option<ConnectionManager> = None;
        while !shutdown.is_cancelled() {
            let pass = match connection.as_mut() {
                Some(connection) => {
                    self.pass(connection, &handler, &mut last_retry_pass, &shutdown)
                        .await
                }
                None => self.bus.blocking_connection().await.map(|made| {
                    connection = Some(made);
                }),
            };
            match pass {
                Ok(()) => failures = 0,
                Err(error) => {
                    failures = failures.saturating_add(1);
                    tracing::warn!(%error, topic = %self.topic, group = %self.group, "bus read failed; retrying");
                    tokio::select! {
                        () = shutdown.cancelled() => return,
                        () = tokio::time::sleep(quorum_kit::client::backoff(failures)) => {}
                    }
                }
            }
        }
    }

    async fn pass<K, H, Fut>(
        &self,
        connection: &mut ConnectionManager,
        handler: &Keyed<K, H>,
        last_retry_pass: &mut Option<Instant>,
        shutdown: &CancellationToken,
    ) -> Result<(), BusError>
    where
        K: Fn(&str) -> String,
        H: Fn(Message) -> Fut,
        Fut: std::future::Future<Output = Result<(), HandlerError>>,
    {
        // Every pass, so a group lost with a Redis restart is made again.
        self.ensure_group(connection).await?;
        let retry_due = last_retry_pass.is_none_or(|at| at.elapsed() >= self.config.retry_interval);
        if retry_due {
            // Own pending first: what this consumer was given before a crash, and retries.
            let own = self.read(connection, "0", None).await?;
            self.handle_all(connection, own, handler).await?;
            let claimed = self.claim_idle(connection).await?;
            self.handle_all(connection, claimed, handler).await?;
            *last_retry_pass = Some(Instant::now());
        }
        let fresh = tokio::select! {
            () = shutdown.cancelled() => return Ok(()),
            read = self.read(connection, ">", Some(self.config.block)) => read?,
        };
        self.handle_all(connection, fresh, handler).await
    }

    async fn ensure_group(&self, connection: &mut ConnectionManager) -> Result<(), BusError> {
        let start = match self.config.start {
            StartFrom::Beginning => "0",
            StartFrom::Latest => "$",
        };
        let created: Result<(), redis::RedisError> = connection
            .xgroup_create_mkstream(self.bus.stream_key(&self.topic), &self.group, start)
            .await;
        match created {
            Ok(()) => Ok(()),
            Err(error) if error.code() == Some("BUSYGROUP") => Ok(()),
            Err(error) => Err(error.into()),
        }
    }

    async fn read(
        &self,
        connection: &mut ConnectionManager,
        start: &str,
        block: Option<Duration>,
    ) -> Result<Vec<StreamId>, BusError> {
        let mut options = StreamReadOptions::default()
            .group(&self.group, &self.name)
            .count(self.config.batch_size);
        if let Some(block) = block {
            options = options.block(block.as_millis() as usize);
        }
        let reply: Option<StreamReadReply> = connection
            .xread_options(&[self.bus.stream_key(&self.topic)], &[start], &options)
            .await?;
        Ok(reply
            .map(|reply| reply.keys.into_iter().flat_map(|key| key.ids).collect())
            .unwrap_or_default())
    }

    async fn claim_idle(
        &self,
        connection: &mut ConnectionManager,
    ) -> Result<Vec<StreamId>, BusError> {
        let reply: redis::streams::StreamAutoClaimReply = redis::cmd("XAUTOCLAIM")
            .arg(self.bus.stream_key(&self.topic))
            .arg(&self.group)
            .arg(&self.name)
            .arg(self.config.claim_idle.as_millis() as u64)
            .arg("0-0")
            .arg("COUNT")
            .arg(self.config.batch_size)
            .query_async(connection)
            .await?;
        Ok(reply.claimed)
    }

    /// Handles entries in groups by key: groups concurrently, each group in order.
    async fn handle_all<K, H, Fut>(
        &self,
        connection: &mut ConnectionManager,
        entries: Vec<StreamId>,
        handler: &Keyed<K, H>,
    ) -> Result<(), BusError>
    where
        K: Fn(&str) -> String,
        H: Fn(Message) -> Fut,
        Fut: std::future::Future<Output = Result<(), HandlerError>>,
    {
        let mut groups: Vec<(String, Vec<StreamId>)> = Vec::new();
        for entry in entries {
            let key = text_fields(&entry.map)
                .get("data")
                .map(|data| (handler.key)(data))
                .unwrap_or_default();
            match groups.iter_mut().find(|(known, _)| *known == key) {
                Some((_, group)) => group.push(entry),
                None => groups.push((key, vec![entry])),
            }
        }
        if groups.len() <= 1 {
            for entry in groups.into_iter().flat_map(|(_, group)| group) {
                self.handle_one(connection, entry, &handler.handler).await?;
            }
            return Ok(());
        }
        let runs = groups.into_iter().map(|(_, group)| {
            let mut connection = connection.clone();
            async move {
                for entry in group {
                    self.handle_one(&mut connection, entry, &handler.handler)
                        .await?;
                }
                Ok::<(), BusError>(())
            }
        });
        for result in futures::future::join_all(runs).await {
            result?;
        }
        Ok(())
    }

    async fn handle_one<H, Fut>(
        &self,
        connection: &mut ConnectionManager,
        entry: StreamId,
        handler: &H,
    ) -> Result<(), BusError>
    where
        H: Fn(Message) -> Fut,
        Fut: std::future::Future<Output = Result<(), HandlerError>>,
    {
        let stream = self.bus.stream_key(&self.topic);
        let fields = text_fields(&entry.map);
        let Some(data) = fields.get("data").cloned() else {
            // Trimmed away while pending, or not ours: nothing to handle.
            let _: i64 = connection.xack(&stream, &self.group, &[&entry.id]).await?;
            return Ok(());
        };
        let trace: Vec<(String, String)> = fields
            .into_iter()
            .filter(|(name, _)| name != "data")
            .collect();
        let span = tracing::info_span!("bus.consume", otel.kind = "consumer", topic = %self.topic, message_id = %entry.id);
        quorum_kit::telemetry::set_parent_from_fields(&span, &trace);
        let message = Message {
            id: entry.id.clone(),
            topic: self.topic.clone(),
            data,
            trace,
        };
        match handler(message.clone()).instrument(span).await {
            Ok(()) => {
                let _: i64 = connection.xack(&stream, &self.group, &[&entry.id]).await?;
            }
            Err(HandlerError::Poison(reason)) => {
                self.dead_letter(connection, &message, &reason, 1).await?;
            }
            Err(HandlerError::Retry(reason)) => {
                let deliveries = self.deliveries(connection, &entry.id).await?;
                if deliveries >= self.config.max_deliveries {
                    self.dead_letter(connection, &message, &reason, deliveries)
                        .await?;
                } else {
                    tracing::warn!(topic = %self.topic, id = %entry.id, deliveries, %reason, "handler failed; will retry");
                }
            }
        }
        Ok(())
    }

    async fn deliveries(
        &self,
        connection: &mut ConnectionManager,
        id: &str,
    ) -> Result<u64, BusError> {
        let reply: redis::streams::StreamPendingCountReply = connection
            .xpending_count(self.bus.stream_key(&self.topic), &self.group, id, id, 1)
            .await?;
        Ok(reply
            .ids
            .first()
            .map_or(1, |pending| pending.times_delivered as u64))
    }

    /// Copies the message to the dead-letter stream, then acknowledges it: in that order,
    /// so a crash in between leaves a duplicate dead letter rather than a lost message.
    async fn dead_letter(
        &self,
        connection: &mut ConnectionManager,
        message: &Message,
        reason: &str,
        deliveries: u64,
    ) -> Result<(), BusError> {
        tracing::error!(topic = %self.topic, id = %message.id, deliveries, reason, "dead-lettering message");
        let mut fields = vec![
            ("data".to_string(), message.data.clone()),
            ("original_id".to_string(), message.id.clone()),
            ("group".to_string(), self.group.clone()),
            ("reason".to_string(), reason.to_string()),
            ("deliveries".to_string(), deliveries.to_string()),
        ];
        fields.extend(message.trace.iter().cloned());
        let _: String = connection
            .xadd_maxlen(
                self.bus.dead_letter_key(&self.topic),
                redis::streams::StreamMaxlen::Approx(crate::DEFAULT_MAX_LEN),
                "*",
                &fields,
            )
            .await?;
        let _: i64 = connection
            .xack(
                self.bus.stream_key(&self.topic),
                &self.group,
                &[&message.id],
            )
            .await?;
        Ok(())
    }
}

fn text_fields(map: &HashMap<String, redis::Value>) -> HashMap<String, String> {
    map.iter()
        .filter_map(|(name, value)| {
            let text: Option<String> = redis::from_redis_value_ref(value).ok();
            text.map(|text| (name.clone(), text))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::Message;

    fn message(id: &str) -> Message {
        Message {
            id: id.into(),
            topic: "t".into(),
            data: "{}".into(),
            trace: Vec::new(),
        }
    }

    #[test]
    fn the_publication_time_is_read_from_the_entry_id() {
        assert_eq!(
            message("1796672972409-3").published_unix_ms(),
            Some(1796672972409)
        );
        assert_eq!(message("not-an-id").published_unix_ms(), None);
        assert_eq!(message("17").published_unix_ms(), None);
    }
}
