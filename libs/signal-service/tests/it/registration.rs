//! Self-registration with consensus-engine: it reaches the peer, and retries until the
//! peer is there without holding up serving.
use std::time::Duration;

use quorum_proto::ai::v1::{VoterKind, WeightMode};
use quorum_strategies::Momentum;
use tokio::net::TcpListener;

use crate::harness::{ADVERTISED, Harness, PATIENCE, eventually};
use crate::peers::{RecordingConsensus, serve_consensus};

#[tokio::test]
async fn the_service_registers_as_a_strategy_voter() {
    let harness = Harness::start_with("momentum-trader", &Momentum, |config| {
        config.voter_weight = 2.5;
        config.voter_weight_mode = "accuracy".into();
    })
    .await;
    let voter = eventually("a RegisterVoter call", PATIENCE, || async {
        harness
            .consensus
            .registered
            .lock()
            .unwrap()
            .first()
            .cloned()
    })
    .await;
    assert_eq!(voter.name, "momentum-trader");
    assert_eq!(voter.kind(), VoterKind::Strategy);
    assert_eq!(voter.address, ADVERTISED);
    assert_eq!(voter.weight, 2.5);
    assert_eq!(voter.weight_mode(), WeightMode::Accuracy);
    assert!(voter.enabled);
    assert!(voter.version.starts_with("momentum@"), "{}", voter.version);
    // Registered once: the task stops after success.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(harness.consensus.registered.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn registration_retries_until_consensus_engine_is_up() {
    // A free port with nobody listening yet.
    let port = TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let harness = Harness::start_with("momentum-trader", &Momentum, |config| {
        config.consensus_engine_addr = Some(format!("http://127.0.0.1:{port}"));
    })
    .await;
    // Serving already (the harness waited for SERVING) while the peer is down.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let consensus = RecordingConsensus::default();
    serve_consensus(
        consensus.clone(),
        TcpListener::bind(("127.0.0.1", port)).await.unwrap(),
    )
    .await;
    let voter = eventually(
        "a RegisterVoter call after the peer came up",
        PATIENCE,
        || async { consensus.registered.lock().unwrap().first().cloned() },
    )
    .await;
    assert_eq!(voter.name, "momentum-trader");
    drop(harness);
}
