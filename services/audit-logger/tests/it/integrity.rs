//! The database refuses changes, and VerifyChain finds the ones made behind its back.
use audit_logger::chain;
use quorum_proto::audit::v1::{
    ChainProblem, Outcome, QueryRequest, VerifyChainRequest, VerifyChainResponse,
};
use tonic::Code;

use crate::harness::Harness;

fn assert_bad(verified: &VerifyChainResponse, sequence: u64, problem: ChainProblem) {
    assert!(
        !verified.valid,
        "expected {problem:?} at {sequence}, got a valid chain"
    );
    assert_eq!(verified.problem(), problem, "{}", verified.message);
    assert_eq!(
        verified.first_bad_sequence, sequence,
        "{}",
        verified.message
    );
    assert!(
        verified.message.contains(&sequence.to_string()),
        "{}",
        verified.message
    );
}

#[tokio::test]
async fn update_delete_and_truncate_are_refused_by_the_database() {
    let mut harness = Harness::start().await;
    harness.append_many("fixed", 2).await;
    let pool = harness.sql().await;
    let statements = [
        "UPDATE audit_logger.audit_records SET actor = 'mallory' WHERE sequence = 1",
        "DELETE FROM audit_logger.audit_records WHERE sequence = 2",
        "TRUNCATE audit_logger.audit_records",
    ];
    for statement in statements {
        let error = sqlx::query(statement).execute(&pool).await.unwrap_err();
        assert!(
            error.to_string().contains("append-only"),
            "{statement}: {error}"
        );
    }
    let records = harness.query(QueryRequest::default()).await;
    assert_eq!(records.len(), 2);
    assert_eq!(records[0].event.as_ref().unwrap().actor, "alice");
    assert!(harness.verify(0, 0).await.valid);
}

#[tokio::test]
async fn a_changed_field_is_tampered_at_its_sequence() {
    let mut harness = Harness::start().await;
    harness.append_many("tamper", 5).await;
    harness
        .tamper("UPDATE audit_logger.audit_records SET outcome = 'denied' WHERE sequence = 3")
        .await;
    let verified = harness.verify(0, 0).await;
    assert_bad(&verified, 3, ChainProblem::Tampered);
    assert_eq!(verified.checked_records, 2);
    assert_eq!(verified.head_sequence, 5);
    // A range that ends before the change is still fine.
    let verified = harness.verify(1, 2).await;
    assert!(verified.valid, "{}", verified.message);
    assert_eq!(verified.checked_records, 2);
}

#[tokio::test]
async fn deleted_records_are_missing_including_the_first() {
    let mut harness = Harness::start().await;
    harness.append_many("gap", 5).await;
    harness
        .tamper("DELETE FROM audit_logger.audit_records WHERE sequence = 3")
        .await;
    assert_bad(&harness.verify(0, 0).await, 3, ChainProblem::Missing);
    assert_bad(&harness.verify(2, 4).await, 3, ChainProblem::Missing);
    harness
        .tamper("DELETE FROM audit_logger.audit_records WHERE sequence = 1")
        .await;
    assert_bad(&harness.verify(1, 0).await, 1, ChainProblem::Missing);
}

#[tokio::test]
async fn a_changed_prev_hash_is_tampered_and_a_rehashed_record_breaks_the_next_link() {
    let mut harness = Harness::start().await;
    let records = harness.append_many("link", 5).await;
    let other = "ab".repeat(32);
    harness
        .tamper(&format!(
            "UPDATE audit_logger.audit_records SET prev_hash = '{other}' WHERE sequence = 2"
        ))
        .await;
    // prev_hash is part of the hashed content, so the record itself no longer fits.
    assert_bad(&harness.verify(0, 0).await, 2, ChainProblem::Tampered);

    // A forger who also recomputes record 4's own hash leaves it self-consistent, but
    // record 5 still links to the old hash.
    let original = records[3].clone();
    let wire = original.event.unwrap();
    let forged = chain::Event {
        event_id: wire.event_id,
        actor: "mallory".into(),
        action: wire.action,
        resource: wire.resource,
        outcome: chain::Outcome::Success,
        occurred_at_ms: wire.occurred_at_unix_ms,
        source_service: wire.source_service,
        source_address: wire.source_address,
        details_json: wire.details_json,
    };
    assert_eq!(wire.outcome, Outcome::Success as i32);
    let hash = chain::record_hash(
        4,
        &forged,
        original.recorded_at_unix_ms,
        &original.prev_hash,
    );
    harness
        .tamper(&format!(
            "UPDATE audit_logger.audit_records SET actor = 'mallory', hash = '{hash}' WHERE sequence = 4"
        ))
        .await;
    assert_bad(&harness.verify(3, 0).await, 5, ChainProblem::BrokenLink);
}

#[tokio::test]
async fn a_reversed_range_is_invalid_argument() {
    let mut harness = Harness::start().await;
    harness.append_many("range", 4).await;
    let request = VerifyChainRequest {
        from_sequence: 3,
        to_sequence: 2,
    };
    let request = harness.server.request(request, &["auditor"]);
    let status = harness.client.verify_chain(request).await.unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    let verified = harness.verify(2, 3).await;
    assert!(verified.valid, "{}", verified.message);
    assert_eq!(verified.checked_records, 2);
    assert_eq!(verified.head_sequence, 4);
}
