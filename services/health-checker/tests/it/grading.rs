//! Grades: a live, authenticated service reaches L3; missing pieces keep it lower.
use quorum_kit::auth::AuthMode;
use quorum_proto::health::v1::{Grade, ServiceState};

use crate::support::{free_address, start_checker, start_target, target_of, wait_for};

#[tokio::test]
async fn live_target_becomes_serving_and_reaches_l3() {
    let target = start_target(AuthMode::Enabled).await;
    let checker = start_checker(vec![target_of("live", &target, &[])]).await;

    let status = wait_for(&checker, "live", "SERVING at L3", |status| {
        status.state() == ServiceState::Serving && status.grade() == Grade::L3
    })
    .await;
    assert_eq!(status.address, format!("http://{}", target.addr));
    assert!(status.implemented);
    assert!(status.last_checked_unix_ms > 0);
    assert!(status.down_dependencies.is_empty());
    assert!(!status.message.contains("no L"), "{}", status.message);
}

#[tokio::test]
async fn target_without_auth_stops_at_l2() {
    let open = start_target(AuthMode::Disabled).await;
    let checker = start_checker(vec![target_of("open", &open, &[])]).await;

    let status = wait_for(&checker, "open", "graded L2", |status| {
        status.state() == ServiceState::Serving && status.grade() == Grade::L2
    })
    .await;
    assert!(status.message.contains("no L3"), "{}", status.message);
    assert!(
        status.message.contains("InvalidArgument"),
        "{}",
        status.message
    );
}

#[tokio::test]
async fn target_without_metrics_stays_at_l1() {
    let target = start_target(AuthMode::Enabled).await;
    let mut entry = target_of("no-metrics", &target, &[]);
    entry.admin_addr = free_address();
    let checker = start_checker(vec![entry]).await;

    let status = wait_for(&checker, "no-metrics", "probed without metrics", |status| {
        status.state() == ServiceState::Serving && status.message.contains("no L2: metrics")
    })
    .await;
    assert_eq!(status.grade(), Grade::L1);
}

#[tokio::test]
async fn target_missing_a_declared_service_stays_at_l1() {
    let target = start_target(AuthMode::Enabled).await;
    let mut entry = target_of("wrong-contract", &target, &[]);
    entry
        .grpc_services
        .push("quorum.auth.v1.AuthService".into());
    let checker = start_checker(vec![entry]).await;

    let status = wait_for(
        &checker,
        "wrong-contract",
        "probed by reflection",
        |status| {
            status.state() == ServiceState::Serving && status.message.contains("no L2: reflection")
        },
    )
    .await;
    assert_eq!(status.grade(), Grade::L1);
    assert!(
        status.message.contains("quorum.auth.v1.AuthService"),
        "{}",
        status.message
    );
}
