//! Watch: the current state first, then every change, ending when the service stops.
use std::time::Duration;

use quorum_kit::auth::AuthMode;
use quorum_proto::health::v1::{ServiceState, WatchRequest};
use tonic::Code;

use crate::support::{client, start_checker, start_target, target_of, wait_for};

const PATIENCE: Duration = Duration::from_secs(20);

#[tokio::test]
async fn watch_sends_the_current_state_then_changes() {
    let target = start_target(AuthMode::Enabled).await;
    let other = start_target(AuthMode::Enabled).await;
    let registry = vec![
        target_of("live", &target, &[]),
        target_of("other", &other, &[]),
    ];
    let checker = start_checker(registry).await;
    wait_for(&checker, "live", "SERVING", |status| {
        status.state() == ServiceState::Serving
    })
    .await;

    let request = WatchRequest {
        names: vec!["live".into()],
    };
    let mut stream = client(&checker)
        .watch(checker.request(request, &["viewer"]))
        .await
        .expect("watch opens")
        .into_inner();
    let first = stream
        .message()
        .await
        .expect("first message")
        .expect("a status");
    let first = first.status.expect("status set");
    assert_eq!(first.name, "live");
    assert_eq!(first.state(), ServiceState::Serving);

    target.stop().await.expect("target stops cleanly");
    let changed = tokio::time::timeout(PATIENCE, async {
        loop {
            let message = stream
                .message()
                .await
                .expect("stream open")
                .expect("a status");
            let status = message.status.expect("status set");
            assert_eq!(status.name, "live", "only the chosen service is sent");
            if status.state() != ServiceState::Serving {
                return status;
            }
        }
    })
    .await
    .expect("a change within 20 s");
    assert!(
        matches!(
            changed.state(),
            ServiceState::NotServing | ServiceState::Unreachable
        ),
        "{changed:?}"
    );
}

#[tokio::test]
async fn watch_of_every_service_starts_with_all_of_them_and_ends_on_shutdown() {
    let target = start_target(AuthMode::Enabled).await;
    let checker = start_checker(vec![target_of("live", &target, &[])]).await;

    let mut stream = client(&checker)
        .watch(checker.request(WatchRequest { names: vec![] }, &["viewer"]))
        .await
        .expect("watch opens")
        .into_inner();
    let first = stream
        .message()
        .await
        .expect("first message")
        .expect("a status");
    assert_eq!(first.status.expect("status set").name, "live");

    checker.kit.request_shutdown();
    let ended = tokio::time::timeout(PATIENCE, async {
        loop {
            match stream.message().await {
                Ok(Some(_)) => continue,
                Ok(None) | Err(_) => return,
            }
        }
    })
    .await;
    assert!(ended.is_ok(), "the watch stream did not end on shutdown");
}

#[tokio::test]
async fn watch_of_unknown_or_empty_names_is_refused() {
    let checker = start_checker(vec![]).await;
    let mut client = client(&checker);
    let unknown = WatchRequest {
        names: vec!["nobody".into()],
    };
    let error = client
        .watch(checker.request(unknown, &["viewer"]))
        .await
        .expect_err("unknown name");
    assert_eq!(error.code(), Code::NotFound);
    assert!(error.message().contains("nobody"), "{}", error.message());
    let empty = WatchRequest {
        names: vec![String::new()],
    };
    let error = client
        .watch(checker.request(empty, &["viewer"]))
        .await
        .expect_err("empty name");
    assert_eq!(error.code(), Code::InvalidArgument);
}
