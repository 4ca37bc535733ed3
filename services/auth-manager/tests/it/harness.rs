//! Starting auth-manager for a test and calling it.
use std::path::PathBuf;

use auth_manager::{Config, SERVICE, start};
use quorum_kit::KitConfig;
use quorum_proto::auth::v1::auth_service_client::AuthServiceClient;
use quorum_proto::auth::v1::{LoginRequest, TokenPair};
use quorum_testkit::{TestDatabase, TestRedis, TestServer, with_token};
use tonic::transport::Channel;

pub const ADMIN_PASSWORD: &str = "admin password for tests";

pub struct Harness {
    pub server: TestServer,
    pub redis: TestRedis,
    pub database: TestDatabase,
    pub state_dir: PathBuf,
}

pub fn config(database: &TestDatabase, redis: &TestRedis, admin_password: Option<&str>) -> Config {
    Config {
        database: quorum_store::DatabaseArgs::new(database.url.clone()),
        bus: quorum_bus::BusArgs::new(redis.url.clone()),
        access_token_ttl_secs: 900,
        refresh_token_ttl_secs: 3600,
        service_token_ttl_secs: 600,
        lockout_threshold: 3,
        lockout_secs: 600,
        key_overlap_secs: 600,
        admin_username: "admin".into(),
        admin_password: admin_password.map(str::to_string),
    }
}

pub fn kit_config(state_dir: &std::path::Path) -> KitConfig {
    let mut kit = KitConfig::for_tests();
    kit.state_dir = state_dir.to_path_buf();
    kit
}

pub fn temp_state_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("auth-manager-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

impl Harness {
    pub async fn start() -> Self {
        Self::start_with(Some(ADMIN_PASSWORD), |_| {}).await
    }

    pub async fn start_with(
        admin_password: Option<&str>,
        adjust: impl FnOnce(&mut Config),
    ) -> Self {
        let database = TestDatabase::create().await;
        let redis = TestRedis::start().await;
        let state_dir = temp_state_dir();
        let mut config = config(&database, &redis, admin_password);
        adjust(&mut config);
        let server = TestServer::start(SERVICE, kit_config(&state_dir), move |kit| {
            start(kit, config)
        })
        .await;
        Self {
            server,
            redis,
            database,
            state_dir,
        }
    }

    pub fn client(&self) -> AuthServiceClient<Channel> {
        AuthServiceClient::new(self.server.channel())
    }

    pub async fn login(&self, username: &str, password: &str) -> Result<TokenPair, tonic::Status> {
        let response = self
            .client()
            .login(LoginRequest {
                username: username.into(),
                password: password.into(),
            })
            .await?;
        Ok(response.into_inner().tokens.unwrap())
    }

    pub async fn admin_token(&self) -> String {
        self.login("admin", ADMIN_PASSWORD)
            .await
            .unwrap()
            .access_token
    }
}

pub fn authed<T>(message: T, token: &str) -> tonic::Request<T> {
    with_token(message, token)
}

/// Audit events auth-manager relayed to the bus, as (action, outcome) pairs.
pub async fn audit_actions(redis_url: &str) -> Vec<(String, String)> {
    let client = redis::Client::open(redis_url).unwrap();
    let mut connection = client.get_multiplexed_async_connection().await.unwrap();
    let reply: redis::streams::StreamRangeReply = redis::cmd("XRANGE")
        .arg("quorum:audit")
        .arg("-")
        .arg("+")
        .query_async(&mut connection)
        .await
        .unwrap();
    reply
        .ids
        .iter()
        .filter_map(|entry| {
            let data: String = entry.get("data")?;
            let event: serde_json::Value = serde_json::from_str(&data).ok()?;
            Some((
                event["action"].as_str()?.to_string(),
                event["outcome"].as_str()?.to_string(),
            ))
        })
        .collect()
}

/// Polls `probe` until it returns true or 10 s pass.
pub async fn eventually<F, Fut>(what: &str, mut probe: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while std::time::Instant::now() < deadline {
        if probe().await {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}");
}
