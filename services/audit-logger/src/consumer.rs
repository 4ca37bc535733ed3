//! Audit events from the bus: each is appended (idempotent by event id) and acknowledged
//! only after its record committed.
use quorum_bus::events::{AUDIT_TOPIC, AuditEvent};
use quorum_bus::{BusArgs, ConsumerConfig, HandlerError, Message};
use quorum_kit::CancellationToken;

use crate::ledger::{Ledger, now_ms};
use crate::validate;

/// Consumer group of the audit topic.
pub const GROUP: &str = "audit-logger";

/// Connects (retrying while Redis is down) and consumes until `shutdown`.
pub async fn run(bus: BusArgs, consumer_name: String, ledger: Ledger, shutdown: CancellationToken) {
    let Some(bus) = bus.connect_patiently(&shutdown).await else {
        return;
    };
    tracing::info!(topic = AUDIT_TOPIC, group = GROUP, consumer = %consumer_name, "consuming audit events");
    let consumer = bus.consumer(
        AUDIT_TOPIC,
        GROUP,
        &consumer_name,
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
