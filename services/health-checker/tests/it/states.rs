//! States: unreachable addresses, stopped services, degradation through hard dependencies.
use quorum_kit::auth::AuthMode;
use quorum_proto::health::v1::{GetHistoryRequest, Grade, ServiceState};

use crate::support::{client, dead_target, start_checker, start_target, target_of, wait_for};

#[tokio::test]
async fn dead_address_is_unreachable() {
    let checker = start_checker(vec![dead_target("ghost")]).await;

    let status = wait_for(&checker, "ghost", "UNREACHABLE", |status| {
        status.state() == ServiceState::Unreachable
    })
    .await;
    assert_eq!(status.grade(), Grade::L1);
    assert!(!status.message.is_empty());
    let request = GetHistoryRequest {
        name: "ghost".into(),
        limit: 0,
    };
    let history = client(&checker)
        .get_history(checker.request(request, &["viewer"]))
        .await
        .expect("history")
        .into_inner()
        .changes;
    assert_eq!(
        history.last().map(|change| change.from_state()),
        Some(ServiceState::Unknown)
    );
    assert_eq!(history[0].to_state(), ServiceState::Unreachable);
}

#[tokio::test]
async fn stopped_target_goes_down_and_history_records_it() {
    let target = start_target(AuthMode::Enabled).await;
    let checker = start_checker(vec![target_of("live", &target, &[])]).await;
    wait_for(&checker, "live", "SERVING", |status| {
        status.state() == ServiceState::Serving
    })
    .await;

    target.stop().await.expect("target stops cleanly");
    let down = wait_for(&checker, "live", "down", |status| {
        matches!(
            status.state(),
            ServiceState::NotServing | ServiceState::Unreachable
        )
    })
    .await;
    assert_eq!(down.grade(), Grade::L1);

    let request = GetHistoryRequest {
        name: "live".into(),
        limit: 10,
    };
    let history = client(&checker)
        .get_history(checker.request(request, &["viewer"]))
        .await
        .expect("history")
        .into_inner()
        .changes;
    assert!(history.len() >= 2, "{history:?}");
    assert_eq!(
        history[0].to_state(),
        down.state(),
        "newest first: {history:?}"
    );
    let oldest = history.last().expect("an entry");
    assert_eq!(
        (oldest.from_state(), oldest.to_state()),
        (ServiceState::Unknown, ServiceState::Serving)
    );
    assert!(
        history
            .iter()
            .any(|change| change.from_state() == ServiceState::Serving),
        "{history:?}"
    );
    assert!(
        history
            .windows(2)
            .all(|pair| pair[0].at_unix_ms >= pair[1].at_unix_ms)
    );
    let one = GetHistoryRequest {
        name: "live".into(),
        limit: 1,
    };
    let newest = client(&checker)
        .get_history(checker.request(one, &["viewer"]))
        .await
        .expect("history")
        .into_inner()
        .changes;
    assert_eq!(newest, history[..1]);
}

#[tokio::test]
async fn hard_dependency_down_degrades_only_hard_dependents() {
    let target = start_target(AuthMode::Enabled).await;
    let mut relaxed = target_of("relaxed", &target, &[]);
    relaxed.soft_deps = vec!["store".into()];
    let mut planned = dead_target("planned");
    planned.implemented = false;
    let registry = vec![
        target_of("app", &target, &["store"]),
        relaxed,
        target_of("needs-planned", &target, &["planned"]),
        planned,
        dead_target("store"),
    ];
    let checker = start_checker(registry).await;

    let app = wait_for(&checker, "app", "DEGRADED", |status| {
        status.state() == ServiceState::Degraded
    })
    .await;
    assert_eq!(app.down_dependencies, ["store"]);
    assert!(app.message.contains("store"), "{}", app.message);
    let needs_planned = wait_for(&checker, "needs-planned", "DEGRADED", |status| {
        status.state() == ServiceState::Degraded
    })
    .await;
    assert_eq!(needs_planned.down_dependencies, ["planned"]);
    let relaxed = wait_for(&checker, "relaxed", "SERVING", |status| {
        status.state() == ServiceState::Serving
    })
    .await;
    assert!(relaxed.down_dependencies.is_empty());
    let planned = wait_for(&checker, "planned", "NOT_IMPLEMENTED", |_| true).await;
    assert_eq!(planned.state(), ServiceState::NotImplemented);
    assert_eq!(planned.last_checked_unix_ms, 0, "never probed");
}
