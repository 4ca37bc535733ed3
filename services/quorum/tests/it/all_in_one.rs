//! `quorum all`: every implemented service in one process, found by each other without
//! any address given, serving real calls, and stopping cleanly on SIGTERM.
use std::collections::HashMap;
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use quorum_catalog::Catalog;
use quorum_kit::config::service_variable;
use quorum_proto::audit::v1::VerifyChainRequest;
use quorum_proto::audit::v1::audit_service_client::AuditServiceClient;
use quorum_proto::auth::v1::LoginRequest;
use quorum_proto::auth::v1::auth_service_client::AuthServiceClient;
use quorum_proto::marketdata::v1::price_feed_service_client::PriceFeedServiceClient;
use quorum_proto::marketdata::v1::{Exclusion, GetQuoteRequest};
use quorum_testkit::{TestDatabase, TestRedis, http_get, with_token};
use tonic::transport::Channel;

use crate::{free_port, quorum};

struct Process {
    child: Child,
    log: std::path::PathBuf,
}

impl Process {
    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log);
    }
}

fn channel(addr: SocketAddr) -> Channel {
    Channel::from_shared(format!("http://{addr}"))
        .unwrap()
        .connect_lazy()
}

#[tokio::test]
async fn every_service_runs_in_one_process_and_stops_on_sigterm() {
    let catalog = Catalog::load().unwrap();
    let database = TestDatabase::create().await;
    let redis = TestRedis::start().await;
    let id = uuid::Uuid::new_v4().simple().to_string();
    let state_dir = std::env::temp_dir().join(format!("quorum-all-{id}"));
    let log = std::env::temp_dir().join(format!("quorum-all-{id}.log"));
    let mut command = quorum();
    command
        .arg("all")
        .env("DATABASE_URL", &database.url)
        .env("REDIS_URL", &redis.url)
        .env("QUORUM_STATE_DIR", &state_dir)
        .env("QUORUM_ADMIN_PASSWORD", "all in one admin")
        .env("QUORUM_LOG_FORMAT", "text")
        .env("RUST_LOG", "warn,quorum=info");
    // Every service on ports of its own, given to it alone; nobody is told where the
    // others are: the process knows.
    let mut addresses: HashMap<String, (SocketAddr, SocketAddr)> = HashMap::new();
    for entry in catalog.implemented() {
        let grpc: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
        let admin: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
        command
            .env(
                service_variable(&entry.name, "QUORUM_GRPC_ADDR"),
                grpc.to_string(),
            )
            .env(
                service_variable(&entry.name, "QUORUM_ADMIN_ADDR"),
                admin.to_string(),
            )
            .env_remove(entry.address_env_var());
        addresses.insert(entry.name.clone(), (grpc, admin));
    }
    let output = std::fs::File::create(&log).unwrap();
    let child = command
        .stdout(output.try_clone().unwrap())
        .stderr(output)
        .stdin(Stdio::null())
        .spawn()
        .unwrap();
    let mut process = Process { child, log };

    let deadline = Instant::now() + Duration::from_secs(90);
    for (name, (grpc, _)) in &addresses {
        while !quorum_kit::healthcheck::is_serving(*grpc).await {
            if let Ok(Some(status)) = process.child.try_wait() {
                panic!("quorum all exited with {status}:\n{}", process.log_tail());
            }
            assert!(
                Instant::now() < deadline,
                "{name} not SERVING within 90 s:\n{}",
                process.log_tail()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    let login = AuthServiceClient::new(channel(addresses["auth-manager"].0))
        .login(LoginRequest {
            username: "admin".into(),
            password: "all in one admin".into(),
        })
        .await
        .unwrap()
        .into_inner();
    let token = login.tokens.unwrap().access_token;

    // audit-logger checks the token with auth-manager's keys, found in the process.
    let chain = AuditServiceClient::new(channel(addresses["audit-logger"].0))
        .verify_chain(with_token(VerifyChainRequest::default(), &token))
        .await
        .unwrap()
        .into_inner();
    assert!(chain.valid, "{chain:?}");

    // The connectors' market reaches price-feed over the bus, all in one process.
    let mut prices = PriceFeedServiceClient::new(channel(addresses["price-feed"].0));
    let started = Instant::now();
    loop {
        let answer = prices
            .get_quote(with_token(
                GetQuoteRequest {
                    symbol: "BTC-USDT".into(),
                },
                &token,
            ))
            .await;
        let included = answer.as_ref().ok().map_or(0, |answer| {
            let quote = answer.get_ref().quote.clone().unwrap_or_default();
            quote
                .venues
                .iter()
                .filter(|venue| venue.exclusion() == Exclusion::None)
                .count()
        });
        if included >= 2 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no BTC-USDT quote over two venues within 60 s: {answer:?}\n{}",
            process.log_tail()
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }

    // Each service keeps its own metrics on its own admin port.
    let (code, metrics) = http_get(addresses["price-feed"].1, "/metrics").await;
    assert_eq!(code, 200);
    assert!(metrics.contains("service=\"price-feed\""), "{metrics}");
    assert!(!metrics.contains("service=\"auth-manager\""), "{metrics}");

    let pid = process.child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(status) = process.child.try_wait().unwrap() {
            assert_eq!(status.code(), Some(0), "{}", process.log_tail());
            break;
        }
        assert!(
            Instant::now() < deadline,
            "quorum all ignored SIGTERM for 30 s:\n{}",
            process.log_tail()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        process.log().contains("all services serving"),
        "{}",
        process.log_tail()
    );
    let _ = std::fs::remove_dir_all(&state_dir);
}
