//! Events from the bus: stored once each, acknowledged after the write, kept across a restart.
use std::time::Duration;

use quorum_bus::Bus;
use quorum_bus::events::{AUDIT_TOPIC, AuditEvent, AuditOutcome};
use quorum_proto::audit::v1::{Outcome, QueryRequest};

use crate::harness::{Harness, eventually};

const PATIENCE: Duration = Duration::from_secs(15);

fn bus_event(event_id: &str, actor: &str) -> AuditEvent {
    AuditEvent {
        event_id: event_id.into(),
        actor: actor.into(),
        action: "auth.login".into(),
        resource: format!("user:{actor}"),
        outcome: AuditOutcome::Denied,
        occurred_at_ms: 1_700_000_000_000,
        source_service: "auth-manager".into(),
        source_address: "10.1.2.3".into(),
        details: serde_json::json!({"reason": "bad password"}),
    }
}

/// Waits until the event with `event_id` by `actor` is stored and returns how many
/// records `actor` has then.
async fn wait_for(harness: &mut Harness, actor: &str, event_id: &str) -> usize {
    let query = QueryRequest {
        actor: actor.into(),
        ..Default::default()
    };
    eventually(&format!("{event_id} to be stored"), PATIENCE, || {
        let mut client = harness.client.clone();
        let request = harness.server.request(query.clone(), &["auditor"]);
        let event_id = event_id.to_string();
        async move {
            let records = client.query(request).await.ok()?.into_inner().records;
            let stored = records
                .iter()
                .any(|r| r.event.as_ref().is_some_and(|e| e.event_id == event_id));
            stored.then_some(records.len())
        }
    })
    .await
}

#[tokio::test]
async fn a_published_event_is_stored_once_however_often_it_comes() {
    let mut harness = Harness::start().await;
    let bus = Bus::connect(&harness.redis.url, "quorum").await.unwrap();
    bus.publish(AUDIT_TOPIC, &bus_event("bus-1", "dave"))
        .await
        .unwrap();
    assert_eq!(wait_for(&mut harness, "dave", "bus-1").await, 1);

    let records = harness
        .query(QueryRequest {
            actor: "dave".into(),
            ..Default::default()
        })
        .await;
    let stored = records[0].event.clone().unwrap();
    assert_eq!(stored.outcome, Outcome::Denied as i32);
    assert_eq!(stored.details_json, r#"{"reason":"bad password"}"#);
    assert_eq!(stored.source_address, "10.1.2.3");

    // Handled in order: once the marker is in, the repeat was handled too.
    bus.publish(AUDIT_TOPIC, &bus_event("bus-1", "dave"))
        .await
        .unwrap();
    bus.publish(AUDIT_TOPIC, &bus_event("bus-marker", "dave"))
        .await
        .unwrap();
    assert_eq!(wait_for(&mut harness, "dave", "bus-marker").await, 2);
    assert!(harness.verify(0, 0).await.valid);
}

#[tokio::test]
async fn events_published_while_the_service_is_down_arrive_exactly_once() {
    let mut harness = Harness::start().await;
    let bus = Bus::connect(&harness.redis.url, "quorum").await.unwrap();
    bus.publish(AUDIT_TOPIC, &bus_event("before", "erin"))
        .await
        .unwrap();
    wait_for(&mut harness, "erin", "before").await;

    let server_gone = harness.server.addr;
    harness = harness
        .restart_after(|| async {
            for index in 1..=5 {
                bus.publish(AUDIT_TOPIC, &bus_event(&format!("down-{index}"), "erin"))
                    .await
                    .unwrap();
            }
            bus.publish(AUDIT_TOPIC, &bus_event("before", "erin"))
                .await
                .unwrap();
        })
        .await;
    assert_ne!(harness.server.addr, server_gone);

    bus.publish(AUDIT_TOPIC, &bus_event("after", "erin"))
        .await
        .unwrap();
    assert_eq!(wait_for(&mut harness, "erin", "after").await, 7);
    let records = harness
        .query(QueryRequest {
            actor: "erin".into(),
            ..Default::default()
        })
        .await;
    let mut ids: Vec<String> = records
        .iter()
        .map(|r| r.event.clone().unwrap().event_id)
        .collect();
    ids.sort();
    assert_eq!(
        ids,
        [
            "after", "before", "down-1", "down-2", "down-3", "down-4", "down-5"
        ]
    );
    let verified = harness.verify(0, 0).await;
    assert!(verified.valid, "{}", verified.message);
    assert_eq!(verified.checked_records, 7);
}
