//! Signed checkpoints: written on schedule, verifiable with the returned key, and used
//! by VerifyChain to notice records cut from the end.
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use ed25519_dalek::{Signature, SigningKey, Verifier, VerifyingKey};
use quorum_proto::audit::v1::{ChainProblem, Checkpoint, ListCheckpointsRequest};
use tonic::Code;

use crate::harness::{Harness, eventually};

async fn checkpoints(harness: &mut Harness, limit: u32) -> Vec<Checkpoint> {
    let request = harness
        .server
        .request(ListCheckpointsRequest { limit }, &["auditor"]);
    harness
        .client
        .list_checkpoints(request)
        .await
        .unwrap()
        .into_inner()
        .checkpoints
}

async fn checkpoint_at(harness: &mut Harness, sequence: u64) -> Checkpoint {
    eventually(
        &format!("a checkpoint at {sequence}"),
        Duration::from_secs(15),
        || {
            let mut client = harness.client.clone();
            let request = harness
                .server
                .request(ListCheckpointsRequest { limit: 1 }, &["auditor"]);
            async move {
                let listed = client
                    .list_checkpoints(request)
                    .await
                    .ok()?
                    .into_inner()
                    .checkpoints;
                listed
                    .into_iter()
                    .find(|checkpoint| checkpoint.sequence == sequence)
            }
        },
    )
    .await
}

fn signature_verifies(checkpoint: &Checkpoint) -> bool {
    let key: [u8; 32] = B64
        .decode(&checkpoint.public_key)
        .unwrap()
        .try_into()
        .unwrap();
    let key = VerifyingKey::from_bytes(&key).unwrap();
    let signature: [u8; 64] = B64
        .decode(&checkpoint.signature)
        .unwrap()
        .try_into()
        .unwrap();
    let message = format!("{}:{}", checkpoint.sequence, checkpoint.hash);
    key.verify(message.as_bytes(), &Signature::from_bytes(&signature))
        .is_ok()
}

#[tokio::test]
async fn every_n_records_a_signed_checkpoint_is_written() {
    let mut harness = Harness::start_with(|config| {
        config.checkpoint_every_records = 3;
        config.checkpoint_interval_secs = 3600;
    })
    .await;
    let records = harness.append_many("cp", 3).await;
    let checkpoint = checkpoint_at(&mut harness, 3).await;
    assert_eq!(checkpoint.hash, records[2].hash);
    assert!(signature_verifies(&checkpoint));
    let mut forged = checkpoint.clone();
    forged.hash = records[1].hash.clone();
    assert!(
        !signature_verifies(&forged),
        "the signature must cover the hash"
    );

    let more = harness.append_many("cp-more", 3).await;
    let newest = checkpoint_at(&mut harness, 6).await;
    assert_eq!(newest.hash, more[2].hash);
    assert_eq!(
        newest.public_key, checkpoint.public_key,
        "the stored key is reused"
    );
    let listed = checkpoints(&mut harness, 0).await;
    assert_eq!(
        listed.iter().map(|c| c.sequence).collect::<Vec<_>>(),
        [6, 3],
        "newest first"
    );
    assert_eq!(checkpoints(&mut harness, 1).await.len(), 1);
}

#[tokio::test]
async fn the_timer_checkpoints_a_moved_head_with_the_configured_key() {
    let seed = [0x42u8; 32];
    let mut harness = Harness::start_with(|config| {
        config.checkpoint_every_records = 0;
        config.checkpoint_interval_secs = 1;
        config.signing_key = Some(hex::encode(seed));
    })
    .await;
    let records = harness.append_many("timer", 2).await;
    let checkpoint = checkpoint_at(&mut harness, 2).await;
    assert_eq!(checkpoint.hash, records[1].hash);
    let expected_key = B64.encode(SigningKey::from_bytes(&seed).verifying_key().as_bytes());
    assert_eq!(checkpoint.public_key, expected_key);
    assert!(signature_verifies(&checkpoint));
    // The head did not move: no new checkpoint however long we wait.
    let before = checkpoints(&mut harness, 10).await;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(checkpoints(&mut harness, 10).await, before);
}

#[tokio::test]
async fn records_cut_from_the_end_are_missing_against_the_checkpoint() {
    let mut harness = Harness::start_with(|config| {
        config.checkpoint_every_records = 4;
        config.checkpoint_interval_secs = 3600;
    })
    .await;
    harness.append_many("tail", 4).await;
    checkpoint_at(&mut harness, 4).await;
    harness
        .tamper("DELETE FROM audit_logger.audit_records WHERE sequence >= 3")
        .await;
    let verified = harness.verify(0, 0).await;
    assert!(!verified.valid);
    assert_eq!(
        verified.problem(),
        ChainProblem::Missing,
        "{}",
        verified.message
    );
    assert_eq!(verified.first_bad_sequence, 3);
    assert_eq!(verified.head_sequence, 2);
}

#[tokio::test]
async fn limits_are_checked() {
    let mut harness = Harness::start().await;
    let request = harness
        .server
        .request(ListCheckpointsRequest { limit: 1001 }, &["auditor"]);
    let status = harness.client.list_checkpoints(request).await.unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert!(checkpoints(&mut harness, 1000).await.is_empty());
}
