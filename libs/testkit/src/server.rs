//! A service served in-process by the real kit on 127.0.0.1:0, with tokens to call it.
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ed25519_dalek::SigningKey;
use quorum_kit::auth::StaticKeys;
use quorum_kit::auth::token::{self, Claims};
use quorum_kit::{Kit, KitConfig, Listeners, Service};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tonic::transport::Channel;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::{HealthCheckRequest, health_client::HealthClient};

/// A running service and what a test needs to call it.
pub struct TestServer {
    pub kit: Kit,
    pub addr: SocketAddr,
    pub admin_addr: SocketAddr,
    signer: SigningKey,
    kid: String,
    task: Option<JoinHandle<anyhow::Result<()>>>,
}

impl TestServer {
    /// Serves the service `build` makes, verifying tokens with a test key, and waits
    /// until it reports SERVING.
    pub async fn start<F, Fut>(name: &'static str, config: KitConfig, build: F) -> Self
    where
        F: FnOnce(Kit) -> Fut,
        Fut: std::future::Future<Output = anyhow::Result<Service>>,
    {
        Self::start_with_peers(name, config, BTreeMap::new(), build).await
    }

    /// [`TestServer::start`] with the services the one under test calls found at the
    /// given URLs (service name to `http://127.0.0.1:<port>`), e.g. in-test servers.
    pub async fn start_with_peers<F, Fut>(
        name: &'static str,
        config: KitConfig,
        peers: BTreeMap<String, String>,
        build: F,
    ) -> Self
    where
        F: FnOnce(Kit) -> Fut,
        Fut: std::future::Future<Output = anyhow::Result<Service>>,
    {
        let grpc = bind().await;
        let admin = bind().await;
        let addr = local_addr(&grpc);
        let admin_addr = local_addr(&admin);
        let mut config = config;
        config.grpc_addr = addr;
        config.admin_addr = admin_addr;
        let kit = Kit::with_peers(name, config, Arc::new(peers));
        let signer = SigningKey::from_bytes(&rand_seed());
        let kid = token::key_id(&signer.verifying_key());
        kit.set_key_source(Arc::new(StaticKeys::new([(
            kid.clone(),
            signer.verifying_key(),
        )])));
        // Built here rather than inside the spawned server: start functions hold database
        // borrows across awaits, which the compiler cannot always prove Send.
        let service = build(kit.clone())
            .await
            .unwrap_or_else(|error| panic!("{name} failed to start: {error:#}"));
        let task = tokio::spawn(quorum_kit::serve(
            kit.clone(),
            Listeners { grpc, admin },
            async move { Ok(service) },
        ));
        let server = Self {
            kit,
            addr,
            admin_addr,
            signer,
            kid,
            task: Some(task),
        };
        server.wait_serving().await;
        server
    }

    /// A channel to the service.
    pub fn channel(&self) -> Channel {
        Channel::from_shared(format!("http://{}", self.addr))
            .unwrap_or_else(|error| panic!("bad address {}: {error}", self.addr))
            .connect_lazy()
    }

    /// A token for a principal holding `roles`, signed with the test key.
    pub fn token(&self, subject: &str, roles: &[&str]) -> String {
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            iss: token::ISSUER.into(),
            sub: subject.into(),
            name: subject.into(),
            kind: "user".into(),
            roles: roles.iter().map(|role| role.to_string()).collect(),
            scopes: vec![],
            iat: now,
            nbf: now,
            exp: now + 600,
            jti: uuid::Uuid::new_v4().to_string(),
        };
        token::sign(&self.signer, &self.kid, &claims)
    }

    /// A request carrying a token with `roles`.
    pub fn request<T>(&self, message: T, roles: &[&str]) -> tonic::Request<T> {
        with_token(message, &self.token("test-user", roles))
    }

    /// Shuts the service down gracefully and waits for it.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        self.kit.request_shutdown();
        match self.task.take() {
            Some(task) => task.await?,
            None => Ok(()),
        }
    }

    async fn wait_serving(&self) {
        let started = Instant::now();
        let mut client = HealthClient::new(self.channel());
        loop {
            let answer = client
                .check(HealthCheckRequest {
                    service: String::new(),
                })
                .await;
            if let Ok(response) = answer
                && response.into_inner().status() == ServingStatus::Serving
            {
                return;
            }
            if let Some(task) = &self.task {
                assert!(!task.is_finished(), "the service stopped while starting");
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "the service did not report SERVING within 30 s"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.kit.request_shutdown();
    }
}

/// A request with `authorization: Bearer <token>`.
pub fn with_token<T>(message: T, token: &str) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    let value = format!("Bearer {token}")
        .parse()
        .unwrap_or_else(|error| panic!("token is not valid metadata: {error}"));
    request.metadata_mut().insert("authorization", value);
    request
}

async fn bind() -> TcpListener {
    TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|error| panic!("cannot bind a loopback port: {error}"))
}

fn local_addr(listener: &TcpListener) -> SocketAddr {
    listener
        .local_addr()
        .unwrap_or_else(|error| panic!("listener has no address: {error}"))
}

fn rand_seed() -> [u8; 32] {
    let mut seed = [0u8; 32];
    seed[..16].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
    seed[16..].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
    seed
}
