//! Health, reflection, readiness and graceful shutdown.
use std::time::Duration;

use quorum_kit::KitConfig;
use quorum_proto::audit::v1::audit_service_client::AuditServiceClient;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::{HealthCheckRequest, health_client::HealthClient};

use crate::fixture::{slow_append, start};
use quorum_testkit::http_get;

#[tokio::test]
async fn health_reflection_and_admin_endpoints_answer_without_a_token() {
    let server = start(KitConfig::for_tests()).await;
    let mut health = HealthClient::new(server.channel());
    for service in ["", "quorum.audit.v1.AuditService"] {
        let status = health
            .check(HealthCheckRequest {
                service: service.into(),
            })
            .await
            .unwrap()
            .into_inner()
            .status();
        assert_eq!(status, ServingStatus::Serving, "{service}");
    }
    assert_eq!(http_get(server.admin_addr, "/livez").await.0, 200);
    assert_eq!(http_get(server.admin_addr, "/readyz").await.0, 200);
    assert_eq!(http_get(server.admin_addr, "/nothing-here").await.0, 404);
    assert_eq!(quorum_kit::healthcheck::run(server.addr).await, 0);

    let listed = quorum_kit::reflection::list_services(server.channel())
        .await
        .unwrap();
    assert!(
        listed.contains(&"quorum.audit.v1.AuditService".to_string()),
        "{listed:?}"
    );
    assert!(
        listed.contains(&"grpc.health.v1.Health".to_string()),
        "{listed:?}"
    );
    assert!(
        !listed.contains(&"quorum.auth.v1.AuthService".to_string()),
        "{listed:?}"
    );
}

#[tokio::test]
async fn shutdown_turns_not_serving_then_lets_in_flight_calls_finish() {
    let mut config = KitConfig::for_tests();
    config.drain_delay_ms = 300;
    let server = start(config).await;
    let mut client = AuditServiceClient::new(server.channel());
    let request = server.request(slow_append(600), &["admin"]);
    let in_flight = tokio::spawn(async move { client.append(request).await });
    tokio::time::sleep(Duration::from_millis(100)).await;

    server.kit.request_shutdown();
    tokio::time::sleep(Duration::from_millis(50)).await;
    let mut health = HealthClient::new(server.channel());
    let status = health
        .check(HealthCheckRequest {
            service: String::new(),
        })
        .await
        .unwrap()
        .into_inner()
        .status();
    assert_eq!(status, ServingStatus::NotServing);
    assert_eq!(http_get(server.admin_addr, "/readyz").await.0, 503);

    assert!(
        in_flight.await.unwrap().is_ok(),
        "the in-flight call was cut off"
    );
    tokio::time::timeout(Duration::from_secs(5), server.stop())
        .await
        .unwrap()
        .unwrap();
}
