//! Appending: the chain links, idempotency on event id, validation, concurrency.
use audit_logger::chain::{self, GENESIS_HASH};
use quorum_proto::audit::v1::{AppendRequest, AuditEvent, AuditRecord, Outcome, QueryRequest};
use tonic::Code;
use tonic_types::StatusExt;

use crate::harness::{Harness, event};

/// The hash a record should have, recomputed from its wire form with the library.
fn recompute(record: &AuditRecord) -> String {
    let wire = record.event.clone().unwrap();
    let outcome = match Outcome::try_from(wire.outcome).unwrap() {
        Outcome::Success => chain::Outcome::Success,
        Outcome::Failure => chain::Outcome::Failure,
        Outcome::Denied => chain::Outcome::Denied,
        Outcome::Unspecified => panic!("stored record without outcome"),
    };
    let event = chain::Event {
        event_id: wire.event_id,
        actor: wire.actor,
        action: wire.action,
        resource: wire.resource,
        outcome,
        occurred_at_ms: wire.occurred_at_unix_ms,
        source_service: wire.source_service,
        source_address: wire.source_address,
        details_json: wire.details_json,
    };
    chain::record_hash(
        record.sequence,
        &event,
        record.recorded_at_unix_ms,
        &record.prev_hash,
    )
}

#[tokio::test]
async fn appends_link_into_a_gapless_chain() {
    let mut harness = Harness::start().await;
    let records = harness.append_many("link", 3).await;
    assert_eq!(
        records.iter().map(|r| r.sequence).collect::<Vec<_>>(),
        [1, 2, 3]
    );
    assert_eq!(records[0].prev_hash, GENESIS_HASH);
    assert_eq!(records[1].prev_hash, records[0].hash);
    assert_eq!(records[2].prev_hash, records[1].hash);
    for record in &records {
        assert_eq!(record.hash, recompute(record), "record {}", record.sequence);
        assert_eq!(record.hash.len(), 64);
    }
    let verified = harness.verify(0, 0).await;
    assert!(verified.valid, "{}", verified.message);
    assert_eq!(verified.checked_records, 3);
    assert_eq!(verified.head_sequence, 3);
    assert_eq!(verified.head_hash, records[2].hash);
}

#[tokio::test]
async fn details_are_stored_canonically_and_unset_time_becomes_now() {
    let mut harness = Harness::start().await;
    let mut sent = event("canon");
    sent.details_json = r#"{ "z": 1, "a": {"y": true, "b": null} }"#.into();
    sent.occurred_at_unix_ms = 0;
    let before = chrono::Utc::now().timestamp_millis();
    let record = harness.append(sent).await;
    let stored = record.event.unwrap();
    assert_eq!(stored.details_json, r#"{"a":{"b":null,"y":true},"z":1}"#);
    assert!(
        stored.occurred_at_unix_ms >= before,
        "occurred_at was not set to now"
    );
}

#[tokio::test]
async fn repeated_event_id_returns_the_stored_record_and_writes_nothing() {
    let mut harness = Harness::start().await;
    let first = harness.append(event("same")).await;
    let mut changed = event("same");
    changed.actor = "mallory".into();
    changed.outcome = Outcome::Denied as i32;
    let request = harness.server.request(
        AppendRequest {
            event: Some(changed),
        },
        &["service"],
    );
    let response = harness.client.append(request).await.unwrap().into_inner();
    assert!(response.duplicate);
    assert_eq!(response.record.unwrap(), first);
    let all = harness.query(QueryRequest::default()).await;
    assert_eq!(all.len(), 1);
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_logger.audit_records")
        .fetch_one(&harness.sql().await)
        .await
        .unwrap();
    assert_eq!(rows, 1);
}

#[tokio::test]
async fn bad_events_are_invalid_argument_with_field_violations() {
    let mut harness = Harness::start().await;
    let bad = AuditEvent {
        event_id: "x".repeat(129),
        actor: String::new(),
        action: " ".into(),
        outcome: Outcome::Unspecified as i32,
        details_json: "[1, 2]".into(),
        ..Default::default()
    };
    let request = harness
        .server
        .request(AppendRequest { event: Some(bad) }, &["service"]);
    let status = harness.client.append(request).await.unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    let details = status.get_error_details();
    let fields: Vec<String> = details
        .bad_request()
        .expect("field violations")
        .field_violations
        .iter()
        .map(|violation| violation.field.clone())
        .collect();
    for field in [
        "event.event_id",
        "event.actor",
        "event.action",
        "event.outcome",
        "event.details_json",
    ] {
        assert!(
            fields.iter().any(|f| f == field),
            "{field} not in {fields:?}"
        );
    }

    let request = harness
        .server
        .request(AppendRequest { event: None }, &["service"]);
    let status = harness.client.append(request).await.unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);

    let mut not_json = event("not-json");
    not_json.details_json = "{oops".into();
    let request = harness.server.request(
        AppendRequest {
            event: Some(not_json),
        },
        &["service"],
    );
    assert_eq!(
        harness.client.append(request).await.unwrap_err().code(),
        Code::InvalidArgument
    );
    assert!(harness.query(QueryRequest::default()).await.is_empty());
}

#[tokio::test]
async fn concurrent_appends_form_one_valid_chain() {
    let mut harness = Harness::start().await;
    let mut tasks = tokio::task::JoinSet::new();
    for index in 0..20 {
        let mut client = harness.client.clone();
        let request = harness.server.request(
            AppendRequest {
                event: Some(event(&format!("parallel-{index}"))),
            },
            &["service"],
        );
        tasks.spawn(async move { client.append(request).await.unwrap().into_inner() });
    }
    let mut sequences = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        let response = joined.unwrap();
        assert!(!response.duplicate);
        sequences.push(response.record.unwrap().sequence);
    }
    sequences.sort_unstable();
    assert_eq!(sequences, (1..=20).collect::<Vec<u64>>());
    let verified = harness.verify(0, 0).await;
    assert!(verified.valid, "{}", verified.message);
    assert_eq!(verified.checked_records, 20);
}
