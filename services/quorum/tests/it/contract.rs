//! The contract every implemented catalog service meets, checked on the real binary
//! (`quorum <service>`): health SERVING, reflection lists its declared services, a call
//! without a token is UNAUTHENTICATED, /metrics answers, bad config exits 64, SIGTERM
//! exits 0.
use std::collections::HashMap;
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use quorum_catalog::{Catalog, ServiceEntry};
use quorum_testkit::{TestDatabase, TestRedis};
use tonic::Code;
use tonic::transport::Channel;

use quorum_testkit::http_get;

use crate::{free_port, quorum};

struct Running {
    name: String,
    child: Child,
    grpc: SocketAddr,
    admin: SocketAddr,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn(
    entry: &ServiceEntry,
    env: &HashMap<String, String>,
    ports: &HashMap<String, (u16, u16)>,
) -> Running {
    let (grpc_port, admin_port) = ports[&entry.name];
    let grpc: SocketAddr = format!("127.0.0.1:{grpc_port}").parse().unwrap();
    let admin: SocketAddr = format!("127.0.0.1:{admin_port}").parse().unwrap();
    let child = quorum()
        .arg(&entry.name)
        .envs(env)
        .env("QUORUM_GRPC_ADDR", grpc.to_string())
        .env("QUORUM_ADMIN_ADDR", admin.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    Running {
        name: entry.name.clone(),
        child,
        grpc,
        admin,
    }
}

fn channel(addr: SocketAddr) -> Channel {
    Channel::from_shared(format!("http://{addr}"))
        .unwrap()
        .connect_lazy()
}

async fn wait_serving(running: &mut Running) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if quorum_kit::healthcheck::run(running.grpc).await == 0 {
            return;
        }
        if let Ok(Some(status)) = running.child.try_wait() {
            panic!("{} exited with {status} while starting", running.name);
        }
        assert!(
            Instant::now() < deadline,
            "{} was not SERVING within 60 s",
            running.name
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn check_contract(running: &Running, entry: &ServiceEntry) {
    let listed = quorum_kit::reflection::list_services(channel(running.grpc))
        .await
        .unwrap();
    for declared in &entry.grpc_services {
        assert!(
            listed.contains(declared),
            "{}: reflection lists {listed:?}, not {declared}",
            entry.name
        );
        let methods = quorum_kit::reflection::service_methods(channel(running.grpc), declared)
            .await
            .unwrap();
        assert!(
            !methods.is_empty(),
            "{}: {declared} has no methods",
            entry.name
        );
        let mut codes = Vec::new();
        for method in &methods {
            codes.push(
                quorum_kit::reflection::call_empty(channel(running.grpc), method)
                    .await
                    .unwrap(),
            );
        }
        assert!(
            codes.contains(&Code::Unauthenticated),
            "{}: no method of {declared} asked for a token: {codes:?}",
            entry.name
        );
        assert!(
            !codes.contains(&Code::Internal),
            "{}: a method failed internally: {codes:?}",
            entry.name
        );
    }
    let (code, metrics) = http_get(running.admin, "/metrics").await;
    assert_eq!(code, 200, "{}", entry.name);
    assert!(
        metrics.contains("grpc_server_handled_total"),
        "{}: {metrics}",
        entry.name
    );
    assert_eq!(
        http_get(running.admin, "/readyz").await.0,
        200,
        "{}",
        entry.name
    );
}

async fn stop_with_sigterm(mut running: Running) {
    let pid = running.child.id().to_string();
    let sent = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(sent.success());
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if let Some(status) = running.child.try_wait().unwrap() {
            assert_eq!(
                status.code(),
                Some(0),
                "{} did not exit cleanly on SIGTERM",
                running.name
            );
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{} ignored SIGTERM for 15 s",
            running.name
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn every_implemented_service_meets_the_contract() {
    let catalog = Catalog::load().unwrap();
    let database = TestDatabase::create().await;
    let redis = TestRedis::start().await;
    let state_dir =
        std::env::temp_dir().join(format!("quorum-contract-{}", uuid::Uuid::new_v4().simple()));
    let implemented: Vec<&ServiceEntry> = catalog.implemented().collect();
    assert!(!implemented.is_empty());
    let ports: HashMap<String, (u16, u16)> = implemented
        .iter()
        .map(|entry| (entry.name.clone(), (free_port(), free_port())))
        .collect();
    let mut env: HashMap<String, String> = HashMap::from([
        ("DATABASE_URL".into(), database.url.clone()),
        ("REDIS_URL".into(), redis.url.clone()),
        ("QUORUM_STATE_DIR".into(), state_dir.display().to_string()),
        ("QUORUM_ADMIN_PASSWORD".into(), "contract test admin".into()),
        ("RUST_LOG".into(), "warn".into()),
    ]);
    for entry in &implemented {
        env.insert(
            entry.address_env_var(),
            format!("http://127.0.0.1:{}", ports[&entry.name].0),
        );
    }
    // Services fetch auth-manager's keys, so it starts first.
    let mut order = implemented.clone();
    order.sort_by_key(|entry| entry.name != "auth-manager");
    let mut running = Vec::new();
    for entry in &order {
        let mut process = spawn(entry, &env, &ports);
        wait_serving(&mut process).await;
        running.push(process);
    }
    for (process, entry) in running.iter().zip(&order) {
        check_contract(process, entry).await;
    }
    for process in running.into_iter().rev() {
        stop_with_sigterm(process).await;
    }
}

#[tokio::test]
async fn bad_configuration_exits_64_with_one_line_naming_the_variable() {
    for entry in Catalog::load().unwrap().implemented() {
        let output = quorum()
            .arg(&entry.name)
            .env("QUORUM_GRPC_ADDR", "not-an-address")
            .env("DATABASE_URL", "postgres://nowhere/none")
            .env("REDIS_URL", "redis://nowhere")
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(64), "{}", entry.name);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(stderr.trim().lines().count(), 1, "{}: {stderr}", entry.name);
        assert!(
            stderr.contains("QUORUM_GRPC_ADDR"),
            "{}: {stderr}",
            entry.name
        );
    }
}

#[tokio::test]
async fn help_lists_the_environment_and_exits_0() {
    for entry in Catalog::load().unwrap().implemented() {
        let output = quorum()
            .args([entry.name.as_str(), "--help"])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(0), "{}", entry.name);
        let stdout = String::from_utf8_lossy(&output.stdout);
        for variable in [
            "QUORUM_GRPC_ADDR",
            "QUORUM_ADMIN_ADDR",
            "QUORUM_AUTH",
            "OTEL_EXPORTER_OTLP_ENDPOINT",
        ] {
            assert!(
                stdout.contains(variable),
                "{}: --help lacks {variable}",
                entry.name
            );
        }
    }
}
