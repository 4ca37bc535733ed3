//! Shared helpers: probe targets, a health-checker under test, and polling its answers.
use std::time::{Duration, Instant};

use health_checker::{Config, Target};
use quorum_catalog::Category;
use quorum_kit::KitConfig;
use quorum_kit::auth::AuthMode;
use quorum_proto::health::v1::health_checker_service_client::HealthCheckerServiceClient;
use quorum_proto::health::v1::{GetStatusRequest, ServiceStatus};
use quorum_testkit::TestServer;
use tonic::transport::Channel;

/// The gRPC service every health-checker target declares.
pub const DECLARED: &str = "quorum.health.v1.HealthCheckerService";

/// Short intervals so tests see changes quickly.
pub fn fast_config() -> Config {
    Config {
        probe_interval_ms: 100,
        probe_timeout_ms: 1000,
        history: 100,
    }
}

fn kit_config(auth: AuthMode) -> KitConfig {
    let mut config = KitConfig::for_tests();
    config.auth = auth;
    config.shutdown_grace_ms = 1000;
    config
}

/// A real service to probe: a health-checker with nothing to watch.
pub async fn start_target(auth: AuthMode) -> TestServer {
    TestServer::start("health-checker", kit_config(auth), |kit| {
        health_checker::start_with_registry(kit, fast_config(), Vec::new())
    })
    .await
}

/// The health-checker under test, watching `registry`.
pub async fn start_checker(registry: Vec<Target>) -> TestServer {
    TestServer::start(
        "health-checker",
        kit_config(AuthMode::Enabled),
        move |kit| health_checker::start_with_registry(kit, fast_config(), registry),
    )
    .await
}

/// A registry entry for a running test server.
pub fn target_of(name: &str, server: &TestServer, hard_deps: &[&str]) -> Target {
    Target {
        name: name.into(),
        category: Category::Infra,
        endpoint: format!("http://{}", server.addr),
        admin_addr: server.admin_addr.to_string(),
        implemented: true,
        hard_deps: hard_deps.iter().map(|dep| dep.to_string()).collect(),
        soft_deps: vec![],
        grpc_services: vec![DECLARED.into()],
    }
}

/// A registry entry for an address where nothing listens.
pub fn dead_target(name: &str) -> Target {
    let address = free_address();
    Target {
        name: name.into(),
        category: Category::Data,
        endpoint: format!("http://{address}"),
        admin_addr: free_address(),
        implemented: true,
        hard_deps: vec![],
        soft_deps: vec![],
        grpc_services: vec![DECLARED.into()],
    }
}

/// A loopback address that was free a moment ago.
pub fn free_address() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    listener.local_addr().expect("local address").to_string()
}

pub fn client(server: &TestServer) -> HealthCheckerServiceClient<Channel> {
    HealthCheckerServiceClient::new(server.channel())
}

/// Polls GetStatus until `done` holds, failing with the last status after 20 s.
pub async fn wait_for(
    server: &TestServer,
    name: &str,
    what: &str,
    done: impl Fn(&ServiceStatus) -> bool,
) -> ServiceStatus {
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut client = client(server);
    let mut last = None;
    loop {
        let request = server.request(GetStatusRequest { name: name.into() }, &["viewer"]);
        if let Ok(response) = client.get_status(request).await {
            let status = response.into_inner().status.expect("a status");
            if done(&status) {
                return status;
            }
            last = Some(status);
        }
        assert!(
            Instant::now() < deadline,
            "{name} did not become {what} within 20 s; last status: {last:?}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}
