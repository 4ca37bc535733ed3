//! Bad requests, unknown and disabled voters, an empty voter set, and who may call what.
use quorum_proto::ai::v1 as ai;
use tonic::Code;
use tonic_types::StatusExt;

use crate::fakes::Script;
use crate::harness::{Harness, direction};

#[tokio::test]
async fn bad_decide_requests_name_each_field() {
    let mut harness = Harness::start().await;
    let mut request = direction("p-bad");
    request.threshold = Some(1.5);
    request.max_rounds = Some(0);
    if let Some(proposal) = request.proposal.as_mut() {
        proposal.symbol = String::new();
        proposal.horizon_ms = -5;
    }
    let status = harness.decide(request).await.unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    let details = status.get_error_details();
    let fields: Vec<String> = details
        .bad_request()
        .unwrap()
        .field_violations
        .iter()
        .map(|violation| violation.field.clone())
        .collect();
    assert_eq!(
        fields,
        [
            "proposal.symbol",
            "proposal.horizon_ms",
            "threshold",
            "max_rounds"
        ]
    );
}

#[tokio::test]
async fn unknown_voters_are_not_found_and_an_empty_set_is_a_failed_precondition() {
    let mut harness = Harness::start().await;
    let status = harness.decide(direction("p-empty")).await.unwrap_err();
    assert_eq!(status.code(), Code::FailedPrecondition);
    assert!(
        status.message().contains("register voters"),
        "{}",
        status.message()
    );

    harness
        .voter("alpha", Script::Fixed(ai::Decision::Buy, 0.8), 1.0)
        .await;
    let mut request = direction("p-unknown");
    request.voters = vec!["alpha".into(), "nobody".into(), "stranger".into()];
    let status = harness.decide(request).await.unwrap_err();
    assert_eq!(status.code(), Code::NotFound);
    assert!(
        status.message().contains("nobody, stranger"),
        "{}",
        status.message()
    );

    // A refused proposal id is not used up: it can be decided once the call is right.
    let mut request = direction("p-unknown");
    request.voters = vec!["alpha".into()];
    assert!(harness.decide(request).await.unwrap().approved);
}

#[tokio::test]
async fn disabled_voters_are_left_out_and_refused_by_name() {
    let mut harness = Harness::start().await;
    let alpha = harness
        .voter("alpha", Script::Fixed(ai::Decision::Buy, 0.8), 1.0)
        .await;
    let beta = harness
        .voter("beta", Script::Fixed(ai::Decision::Sell, 0.8), 1.0)
        .await;
    let address = beta.serve().await;
    let request = ai::RegisterVoterRequest {
        voter: Some(ai::VoterInfo {
            name: "beta".into(),
            address,
            weight: 1.0,
            enabled: false,
            ..Default::default()
        }),
    };
    harness
        .client
        .register_voter(harness.server.request(request, &["admin"]))
        .await
        .unwrap();
    let decision = harness.decide(direction("p-enabled-only")).await.unwrap();
    assert!(decision.approved);
    assert_eq!(decision.rounds[0].votes.len(), 1);
    assert_eq!(alpha.asked().len(), 1);
    assert!(beta.asked().is_empty());

    let mut request = direction("p-named-disabled");
    request.voters = vec!["beta".into()];
    let status = harness.decide(request).await.unwrap_err();
    assert_eq!(status.code(), Code::FailedPrecondition);
    assert!(status.message().contains("beta"));
}

#[tokio::test]
async fn calls_need_a_token_and_the_right_role() {
    let mut harness = Harness::start().await;
    let status = harness
        .client
        .decide(direction("p-anonymous"))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated);
    let status = harness
        .client
        .decide(harness.server.request(direction("p-viewer"), &["viewer"]))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied);
    let register = ai::RegisterVoterRequest {
        voter: Some(ai::VoterInfo {
            name: "alpha".into(),
            address: "http://127.0.0.1:9".into(),
            weight: 1.0,
            ..Default::default()
        }),
    };
    let status = harness
        .client
        .register_voter(harness.server.request(register, &["trader"]))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied);
    // Reads need only a valid token.
    let listed = harness
        .client
        .list_voters(harness.server.request(ai::ListVotersRequest {}, &[]))
        .await
        .unwrap();
    assert!(listed.into_inner().voters.is_empty());
}

#[tokio::test]
async fn bad_reads_are_invalid_or_not_found() {
    let mut harness = Harness::start().await;
    let status = harness.get("not-a-uuid").await.unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert!(status.message().contains("decision_id"));
    let status = harness
        .get(&uuid::Uuid::now_v7().to_string())
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound);
    let status = harness.stats("Not A Name").await.unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    let status = harness.stats("nobody").await.unwrap_err();
    assert_eq!(status.code(), Code::NotFound);
}
