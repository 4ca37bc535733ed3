//! Who may call what, and bad configuration.
use audit_logger::{Config, SERVICE, start};
use quorum_kit::{ConfigError, Kit, KitConfig};
use quorum_proto::audit::v1::{
    AppendRequest, ListCheckpointsRequest, QueryRequest, VerifyChainRequest,
};
use tonic::Code;

use crate::harness::{Harness, event};

#[tokio::test]
async fn calls_without_a_token_are_unauthenticated() {
    let mut harness = Harness::start().await;
    let status = harness
        .client
        .append(AppendRequest {
            event: Some(event("anon")),
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated);
    let status = harness
        .client
        .query(QueryRequest::default())
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated);
}

#[tokio::test]
async fn roles_decide_who_reads_and_who_writes() {
    let mut harness = Harness::start().await;
    let trader = |message| harness.server.request(message, &["trader"]);
    let status = harness
        .client
        .clone()
        .query(trader(QueryRequest::default()))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied);

    let request = harness
        .server
        .request(VerifyChainRequest::default(), &["service"]);
    let status = harness.client.verify_chain(request).await.unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied);

    let request = harness
        .server
        .request(ListCheckpointsRequest::default(), &["trader"]);
    let status = harness.client.list_checkpoints(request).await.unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied);

    let request = harness.server.request(
        AppendRequest {
            event: Some(event("by-auditor")),
        },
        &["auditor"],
    );
    let status = harness.client.append(request).await.unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied);

    let request = harness.server.request(
        AppendRequest {
            event: Some(event("by-admin")),
        },
        &["admin"],
    );
    harness.client.append(request).await.unwrap();
    let request = harness.server.request(QueryRequest::default(), &["admin"]);
    assert_eq!(
        harness
            .client
            .query(request)
            .await
            .unwrap()
            .into_inner()
            .records
            .len(),
        1
    );
}

#[tokio::test]
async fn a_database_url_that_is_not_postgres_is_a_config_error() {
    let config = Config::new("mysql://root@localhost/audit", "redis://127.0.0.1:6379");
    let kit = Kit::new(SERVICE, KitConfig::for_tests());
    let error = start(kit, config).await.err().expect("start must fail");
    let config_error = error.downcast_ref::<ConfigError>().expect("a ConfigError");
    assert_eq!(config_error.variable, "DATABASE_URL");
}
