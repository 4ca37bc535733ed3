//! What every test needs: a fresh database, a private Redis, the service, and helpers.
use std::future::Future;

use audit_logger::{Config, SERVICE, start};
use quorum_kit::KitConfig;
use quorum_proto::audit::v1::audit_service_client::AuditServiceClient;
use quorum_proto::audit::v1::{
    AppendRequest, AuditEvent, AuditRecord, Outcome, QueryRequest, VerifyChainRequest,
    VerifyChainResponse,
};
use quorum_testkit::{TestDatabase, TestRedis, TestServer};
use sqlx::PgPool;
use tonic::transport::Channel;

pub use quorum_testkit::eventually;

pub type Client = AuditServiceClient<Channel>;

pub struct Harness {
    pub db: TestDatabase,
    pub redis: TestRedis,
    pub server: TestServer,
    pub client: Client,
}

impl Harness {
    /// The service with default settings.
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    /// The service with settings adjusted by `adjust`.
    pub async fn start_with(adjust: impl FnOnce(&mut Config)) -> Self {
        let db = TestDatabase::create().await;
        let redis = TestRedis::start().await;
        let mut config = Config::new(db.url.clone(), redis.url.clone());
        adjust(&mut config);
        let server = serve(config).await;
        let client = AuditServiceClient::new(server.channel());
        Self {
            db,
            redis,
            server,
            client,
        }
    }

    /// Stops the service, runs `meanwhile`, and starts a new one on the same database
    /// and Redis.
    pub async fn restart_after<F, Fut>(self, meanwhile: F) -> Self
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = ()>,
    {
        let Self {
            db, redis, server, ..
        } = self;
        server.stop().await.unwrap();
        meanwhile().await;
        let server = serve(Config::new(db.url.clone(), redis.url.clone())).await;
        let client = AuditServiceClient::new(server.channel());
        Self {
            db,
            redis,
            server,
            client,
        }
    }

    pub async fn append(&mut self, event: AuditEvent) -> AuditRecord {
        let request = self
            .server
            .request(AppendRequest { event: Some(event) }, &["service"]);
        let response = self.client.append(request).await.unwrap().into_inner();
        assert!(!response.duplicate);
        response.record.unwrap()
    }

    /// Appends `count` events `<prefix>-1..` and returns their records.
    pub async fn append_many(&mut self, prefix: &str, count: usize) -> Vec<AuditRecord> {
        let mut records = Vec::new();
        for index in 1..=count {
            records.push(self.append(event(&format!("{prefix}-{index}"))).await);
        }
        records
    }

    pub async fn query(&mut self, query: QueryRequest) -> Vec<AuditRecord> {
        let request = self.server.request(query, &["auditor"]);
        self.client
            .query(request)
            .await
            .unwrap()
            .into_inner()
            .records
    }

    pub async fn verify(&mut self, from: u64, to: u64) -> VerifyChainResponse {
        let request = VerifyChainRequest {
            from_sequence: from,
            to_sequence: to,
        };
        let request = self.server.request(request, &["auditor"]);
        self.client
            .verify_chain(request)
            .await
            .unwrap()
            .into_inner()
    }

    /// A direct connection to the service's database, as an operator would have.
    pub async fn sql(&self) -> PgPool {
        PgPool::connect(&self.db.url).await.unwrap()
    }

    /// Runs `statement` with the append-only triggers off, as a superuser could.
    pub async fn tamper(&self, statement: &str) {
        let pool = self.sql().await;
        let mut transaction = pool.begin().await.unwrap();
        sqlx::query("ALTER TABLE audit_logger.audit_records DISABLE TRIGGER USER")
            .execute(&mut *transaction)
            .await
            .unwrap();
        sqlx::query(sqlx::AssertSqlSafe(statement.to_string()))
            .execute(&mut *transaction)
            .await
            .unwrap();
        sqlx::query("ALTER TABLE audit_logger.audit_records ENABLE TRIGGER USER")
            .execute(&mut *transaction)
            .await
            .unwrap();
        transaction.commit().await.unwrap();
    }
}

pub async fn serve(config: Config) -> TestServer {
    TestServer::start(SERVICE, KitConfig::for_tests(), move |kit| {
        start(kit, config)
    })
    .await
}

/// A valid event with id `event_id` by alice.
pub fn event(event_id: &str) -> AuditEvent {
    AuditEvent {
        event_id: event_id.into(),
        actor: "alice".into(),
        action: "auth.login".into(),
        resource: "user:alice".into(),
        outcome: Outcome::Success as i32,
        occurred_at_unix_ms: 1_700_000_000_000,
        source_service: "auth-manager".into(),
        source_address: "10.0.0.7".into(),
        details_json: r#"{"method":"password"}"#.into(),
    }
}
