//! Audit events from the bus: each is appended (idempotent by event id) and acknowledged
//! only after its record committed.
use std::time::Duration;

use quorum_bus::events::{AUDIT_TOPIC, AuditEvent};
use quorum_bus::{Bus, ConsumerConfig, HandlerError, Message};
use quorum_kit::CancellationToken;

use crate::ledger::{Ledger, now_ms};
use crate::validate;

/// Consumer group of the audit topic.
pub const GROUP: &str = "audit-logger";

/// Where to consume from and as whom.
#[derive(Debug, Clone)]
pub struct BusSettings {
    pub redis_url: String,
    pub prefix: String,
    pub consumer_name: String,
}

/// Connects (retrying while Redis is down) and consumes until `shutdown`.
pub async fn run(settings: BusSettings, ledger: Ledger, shutdown: CancellationToken) {
    let Some(bus) = connect(&settings, &shutdown).await else {
        return;
    };
    tracing::info!(topic = AUDIT_TOPIC, group = GROUP, consumer = %settings.consumer_name, "consuming audit events");
    let consumer = bus.consumer(
        AUDIT_TOPIC,
        GROUP,
        &settings.consumer_name,
        ConsumerConfig::default(),
    );
    consumer
        .run(shutdown, |message| {
            let ledger = ledger.clone();
            async move { handle(&ledger, &message).await }
        })
        .await;
}

/// Appends one message's event. Malformed events are poison; database trouble is retried.
pub async fn handle(ledger: &Ledger, message: &Message) -> Result<(), HandlerError> {
    let event: AuditEvent = message.decode()?;
    let event = validate::bus_event(&event, now_ms())
        .map_err(|problem| HandlerError::Poison(format!("invalid audit event: {problem}")))?;
    let event_id = event.event_id.clone();
    match ledger.append(event).await {
        Ok(appended) => {
            tracing::debug!(%event_id, sequence = appended.record.sequence, duplicate = appended.duplicate, "audit event stored");
            Ok(())
        }
        Err(error) => Err(HandlerError::Retry(format!(
            "cannot store audit event {event_id}: {error}"
        ))),
    }
}

async fn connect(settings: &BusSettings, shutdown: &CancellationToken) -> Option<Bus> {
    let mut attempt = 0u32;
    loop {
        match Bus::connect(&settings.redis_url, &settings.prefix).await {
            Ok(bus) => return Some(bus),
            Err(error) => {
                attempt = attempt.saturating_add(1);
                tracing::warn!(%error, attempt, "bus not reachable yet; retrying");
            }
        }
        let wait = quorum_kit::client::backoff(attempt).min(Duration::from_secs(30));
        tokio::select! {
            () = shutdown.cancelled() => return None,
            () = tokio::time::sleep(wait) => {}
        }
    }
}
