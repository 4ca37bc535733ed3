//! The gRPC server: a service's routes with health, reflection and the kit's layers,
//! served until shutdown and then drained.
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use http::{Request, Response};
use tokio::net::TcpListener;
use tonic::body::Body;
use tonic::server::NamedService;
use tonic::service::{Routes, RoutesBuilder};
use tonic::transport::Server;
use tonic_health::ServingStatus;
use tonic_health::server::HealthReporter;
use tower_service::Service as TowerService;

use crate::admin::{self, Readiness};
use crate::auth::{AuthLayer, AuthMode, AuthPolicy, KeySource, RemoteJwks};
use crate::kit::Kit;
use crate::layers::{GuardConfig, GuardLayer, ObserveLayer};

/// What a service serves: its gRPC services and who may call which method.
pub struct Service {
    routes: RoutesBuilder,
    names: Vec<&'static str>,
    policy: AuthPolicy,
    descriptor_sets: Vec<&'static [u8]>,
    admin_routes: Option<axum::Router>,
}

impl Default for Service {
    fn default() -> Self {
        Self::new()
    }
}

impl Service {
    pub fn new() -> Self {
        Self {
            routes: RoutesBuilder::default(),
            names: Vec::new(),
            policy: AuthPolicy::new(),
            descriptor_sets: vec![quorum_proto::FILE_DESCRIPTOR_SET],
            admin_routes: None,
        }
    }

    /// Adds a generated tonic server (e.g. `AuthServiceServer::new(handler)`).
    #[allow(clippy::should_implement_trait)]
    pub fn add<S>(mut self, service: S) -> Self
    where
        S: TowerService<Request<Body>, Response = Response<Body>, Error = Infallible>
            + NamedService
            + Clone
            + Send
            + Sync
            + 'static,
        S::Future: Send + 'static,
    {
        self.names.push(S::NAME);
        self.routes.add_service(service);
        self
    }

    /// Per-method auth rules.
    pub fn policy(mut self, policy: AuthPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Extra HTTP routes served on the admin port beside /metrics, /livez and /readyz.
    pub fn admin_routes(mut self, router: axum::Router) -> Self {
        self.admin_routes = Some(router);
        self
    }

    /// Names of the gRPC services added, e.g. `quorum.auth.v1.AuthService`.
    pub fn names(&self) -> &[&'static str] {
        &self.names
    }
}

/// Bound listeners for the gRPC and admin ports.
pub struct Listeners {
    pub grpc: TcpListener,
    pub admin: TcpListener,
}

impl Listeners {
    /// Binds both addresses of the configuration.
    pub async fn bind(kit: &Kit) -> std::io::Result<Self> {
        Ok(Self {
            grpc: TcpListener::bind(kit.config().grpc_addr).await?,
            admin: TcpListener::bind(kit.config().admin_addr).await?,
        })
    }
}

/// Serves the service built by `starting` until the kit's shutdown token is cancelled.
///
/// While `starting` runs (migrations, connections), the port already answers health
/// checks with NOT_SERVING. On shutdown: health turns NOT_SERVING, new connections stop,
/// and in-flight calls and background tasks get the grace period to finish.
pub async fn serve<F>(kit: Kit, listeners: Listeners, starting: F) -> anyhow::Result<()>
where
    F: std::future::Future<Output = anyhow::Result<Service>>,
{
    let (reporter, health_service) = tonic_health::server::health_reporter();
    reporter
        .set_service_status("", ServingStatus::NotServing)
        .await;
    let readiness = Readiness::default();
    let shutdown = kit.shutdown_token();
    let extra_routes = admin::ExtraRoutes::default();
    // The admin port outlives the drain, so balancers can read /readyz = 503 meanwhile.
    let admin_stop = tokio_util::sync::CancellationToken::new();
    let _stop_admin_on_return = admin_stop.clone().drop_guard();
    let admin = admin::serve(
        listeners.admin,
        kit.metrics().clone(),
        readiness.clone(),
        extra_routes.clone(),
        admin_stop.clone(),
    );
    let admin_task = tokio::spawn(admin);
    let grpc_listener = Arc::new(listeners.grpc);

    let starting_server = tokio::spawn(serve_health_only(
        grpc_listener.clone(),
        health_service.clone(),
        shutdown.child_token(),
    ));
    let service = tokio::select! {
        built = starting => built,
        () = shutdown.cancelled() => {
            starting_server.abort();
            return Ok(());
        }
    };
    starting_server.abort();
    let _ = starting_server.await;
    let service = match service {
        Ok(service) => service,
        Err(error) => return Err(error),
    };

    if let Some(router) = service.admin_routes {
        extra_routes.set(router);
    }
    let keys = key_source(&kit)?;
    if kit.config().auth == AuthMode::Disabled {
        tracing::warn!(
            "QUORUM_AUTH=disabled: every call is accepted as an anonymous admin. Never run this way outside local development."
        );
    }
    start_service_token_refresh(&kit);

    let mut routes = service.routes;
    routes.add_service(health_service);
    let (v1, v1alpha) = reflection(&service.names, &service.descriptor_sets)?;
    routes.add_service(v1);
    routes.add_service(v1alpha);
    let routes: Routes = routes.routes();

    let stop_accepting = tokio_util::sync::CancellationToken::new();
    let guard = GuardConfig {
        request_timeout: kit.config().request_timeout(),
        max_concurrent_requests: kit.config().max_concurrent_requests,
    };
    let layers = tower::ServiceBuilder::new()
        .layer(ObserveLayer::new(kit.metrics().clone()))
        .layer(GuardLayer::new(guard))
        .layer(AuthLayer::new(kit.config().auth, service.policy, keys));
    let server = Server::builder()
        .layer(layers)
        .add_routes(routes)
        .serve_with_incoming_shutdown(
            accept_stream(grpc_listener),
            stop_accepting.clone().cancelled_owned(),
        );
    let server_task = tokio::spawn(server);

    set_all(&reporter, &service.names, ServingStatus::Serving).await;
    readiness.set(true);
    tracing::info!(service = kit.name(), grpc_services = ?service.names, "serving");

    shutdown.cancelled().await;
    tracing::info!("shutting down: draining");
    readiness.set(false);
    set_all(&reporter, &service.names, ServingStatus::NotServing).await;
    tokio::time::sleep(Duration::from_millis(kit.config().drain_delay_ms)).await;
    stop_accepting.cancel();

    let grace = kit.config().shutdown_grace();
    let drained = tokio::time::timeout(grace, async {
        if let Ok(Err(error)) = server_task.await {
            tracing::error!(%error, "gRPC server failed");
        }
        for (name, task) in kit.take_tasks() {
            if task.await.is_err() {
                tracing::error!(task = %name, "background task panicked");
            }
        }
    })
    .await;
    if drained.is_err() {
        tracing::warn!(
            grace_ms = grace.as_millis() as u64,
            "grace period over; abandoning unfinished work"
        );
    }
    admin_stop.cancel();
    let _ = tokio::time::timeout(Duration::from_secs(1), admin_task).await;
    tracing::info!("stopped");
    Ok(())
}

/// Answers health (NOT_SERVING) and reflection while the service starts.
async fn serve_health_only(
    listener: Arc<TcpListener>,
    health: tonic_health::pb::health_server::HealthServer<
        impl tonic_health::pb::health_server::Health,
    >,
    stop: tokio_util::sync::CancellationToken,
) {
    let served = Server::builder()
        .add_service(health)
        .serve_with_incoming_shutdown(accept_stream(listener), stop.cancelled_owned())
        .await;
    if let Err(error) = served {
        tracing::error!(%error, "health server failed during start-up");
    }
}

/// Connections accepted from a listener shared between the start-up and main servers.
fn accept_stream(
    listener: Arc<TcpListener>,
) -> impl futures::Stream<Item = std::io::Result<tokio::net::TcpStream>> {
    futures::stream::unfold(listener, |listener| async move {
        let accepted = listener.accept().await.map(|(stream, _)| {
            let _ = stream.set_nodelay(true);
            stream
        });
        Some((accepted, listener))
    })
}

fn key_source(kit: &Kit) -> anyhow::Result<Arc<dyn KeySource>> {
    if let Some(keys) = kit.key_source() {
        return Ok(keys);
    }
    let channel = kit.channel("auth-manager")?;
    Ok(RemoteJwks::new(channel))
}

fn start_service_token_refresh(kit: &Kit) {
    let tokens = kit.service_tokens().clone();
    if !tokens.has_key() || kit.name() == "auth-manager" {
        return;
    }
    match kit.channel("auth-manager") {
        Ok(channel) => {
            let shutdown = kit.shutdown_token();
            tokio::spawn(tokens.keep_fresh(channel, shutdown));
        }
        Err(error) => tracing::warn!(%error, "no auth-manager address; service token disabled"),
    }
}

async fn set_all(reporter: &HealthReporter, names: &[&'static str], status: ServingStatus) {
    reporter.set_service_status("", status).await;
    for name in names {
        reporter.set_service_status(*name, status).await;
    }
}

type Reflection<T> = tonic_reflection::server::v1::ServerReflectionServer<T>;
type ReflectionAlpha<T> = tonic_reflection::server::v1alpha::ServerReflectionServer<T>;

fn reflection(
    names: &[&'static str],
    descriptor_sets: &[&'static [u8]],
) -> anyhow::Result<(
    Reflection<impl tonic_reflection::server::v1::ServerReflection>,
    ReflectionAlpha<impl tonic_reflection::server::v1alpha::ServerReflection>,
)> {
    let builder = || {
        let mut builder = tonic_reflection::server::Builder::configure()
            .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET);
        for set in descriptor_sets {
            builder = builder.register_encoded_file_descriptor_set(set);
        }
        builder = builder.with_service_name("grpc.health.v1.Health");
        for name in names {
            builder = builder.with_service_name(*name);
        }
        builder
    };
    Ok((builder().build_v1()?, builder().build_v1alpha()?))
}
