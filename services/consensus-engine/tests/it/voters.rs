//! Registering voters: described by themselves when reachable, registered with a
//! warning when not, updated by name, listed; and the service's own metrics.
use quorum_proto::ai::v1 as ai;
use tonic::Code;

use crate::fakes::{Script, ScriptedVoter, closed_address};
use crate::harness::{Harness, direction};

#[tokio::test]
async fn a_reachable_voter_describes_itself_and_registering_again_updates_it() {
    let mut harness = Harness::start().await;
    let voter = ScriptedVoter::new("momentum", Script::Fixed(ai::Decision::Buy, 0.8));
    let address = voter.serve().await;
    let registered = harness
        .register("momentum", &address, 2.0, ai::WeightMode::Accuracy)
        .await
        .unwrap();
    assert_eq!(registered.warning, "");
    let info = registered.voter.unwrap();
    assert_eq!(info.version, "momentum-1.2.0");
    assert_eq!(info.kind, ai::VoterKind::Strategy as i32);
    assert_eq!(info.weight_mode, ai::WeightMode::Accuracy as i32);
    assert!(info.enabled);
    assert!(info.registered_unix_ms > 0);

    let updated = harness
        .register("momentum", &address, 3.5, ai::WeightMode::Fixed)
        .await
        .unwrap()
        .voter
        .unwrap();
    assert_eq!(updated.weight, 3.5);
    let listed = harness
        .client
        .list_voters(
            harness
                .server
                .request(ai::ListVotersRequest {}, &["viewer"]),
        )
        .await
        .unwrap()
        .into_inner()
        .voters;
    assert_eq!(listed, vec![updated]);
}

#[tokio::test]
async fn unreachable_or_misnamed_voters_are_registered_with_a_warning() {
    let mut harness = Harness::start().await;
    let gone = closed_address().await;
    let request = ai::RegisterVoterRequest {
        voter: Some(ai::VoterInfo {
            name: "llm".into(),
            kind: ai::VoterKind::Llm.into(),
            address: gone.clone(),
            weight: 1.0,
            enabled: true,
            ..Default::default()
        }),
    };
    let response = harness
        .client
        .register_voter(harness.server.request(request, &["service"]))
        .await
        .unwrap()
        .into_inner();
    assert!(
        response
            .warning
            .starts_with(&format!("could not describe the voter at {gone}"))
    );
    let info = response.voter.unwrap();
    assert_eq!(info.version, "");
    assert_eq!(info.kind, ai::VoterKind::Llm as i32);

    // A catalog service name is an address too (nothing runs there in this test).
    let by_name = harness
        .register("predictor", "price-predictor", 1.0, ai::WeightMode::Fixed)
        .await
        .unwrap();
    assert!(
        by_name.warning.contains("could not describe"),
        "{}",
        by_name.warning
    );

    let impostor = ScriptedVoter::new("someone-else", Script::Fixed(ai::Decision::Buy, 0.5));
    let address = impostor.serve().await;
    let misnamed = harness
        .register("sentiment", &address, 1.0, ai::WeightMode::Fixed)
        .await
        .unwrap();
    assert!(
        misnamed
            .warning
            .contains("describes itself as 'someone-else'")
    );
    assert_eq!(misnamed.voter.unwrap().name, "sentiment");
}

#[tokio::test]
async fn bad_registrations_name_the_field() {
    let mut harness = Harness::start().await;
    let status = harness
        .register("Bad Name", "ftp://x", -1.0, ai::WeightMode::Fixed)
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    for field in ["voter.name", "voter.address", "voter.weight"] {
        assert!(status.message().contains(field), "{}", status.message());
    }
    let status = harness
        .register("nan", "http://127.0.0.1:1", f64::NAN, ai::WeightMode::Fixed)
        .await
        .unwrap_err();
    assert!(status.message().contains("voter.weight"));
}

#[tokio::test]
async fn decisions_rounds_and_voter_latency_are_on_metrics() {
    let mut harness = Harness::start().await;
    harness
        .voter("alpha", Script::Fixed(ai::Decision::Buy, 0.8), 1.0)
        .await;
    harness.decide(direction("p-metrics")).await.unwrap();
    let (code, body) = quorum_testkit::http_get(harness.server.admin_addr, "/metrics").await;
    assert_eq!(code, 200);
    let decisions = body
        .lines()
        .find(|line| {
            line.starts_with("consensus_decisions_total{") && line.contains("verdict=\"approved\"")
        })
        .unwrap_or_else(|| panic!("no approved decisions counted in:\n{body}"));
    assert!(decisions.ends_with(" 1"), "{decisions}");
    assert!(body.contains("consensus_rounds_bucket"));
    assert!(body.contains("consensus_voter_latency_seconds_bucket{"));
    assert!(body.contains("voter=\"alpha\""));
    assert!(body.contains("status=\"answered\""));
}
