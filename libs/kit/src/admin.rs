//! The admin HTTP port: Prometheus metrics, liveness and readiness.
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::metrics::Metrics;

/// Whether the service is ready for traffic (SERVING).
#[derive(Clone, Default)]
pub struct Readiness(Arc<AtomicBool>);

impl Readiness {
    pub fn set(&self, ready: bool) {
        self.0.store(ready, Ordering::SeqCst);
    }

    pub fn get(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// Extra HTTP routes a service adds to its admin port once it has started (for
/// example auth-manager's `/.well-known/jwks.json`).
#[derive(Clone, Default)]
pub struct ExtraRoutes(Arc<RwLock<Option<Router>>>);

impl ExtraRoutes {
    pub fn set(&self, router: Router) {
        if let Ok(mut slot) = self.0.write() {
            *slot = Some(router);
        }
    }

    fn get(&self) -> Option<Router> {
        self.0.read().ok().and_then(|slot| slot.clone())
    }
}

#[derive(Clone)]
struct AdminState {
    metrics: Metrics,
    readiness: Readiness,
    extra: ExtraRoutes,
}

/// Serves the admin routes until `shutdown`.
pub async fn serve(
    listener: TcpListener,
    metrics: Metrics,
    readiness: Readiness,
    extra: ExtraRoutes,
    shutdown: CancellationToken,
) {
    let app = Router::new()
        .route("/metrics", get(metrics_text))
        .route("/livez", get(|| async { "ok\n" }))
        .route("/readyz", get(ready))
        .fallback(extra_route)
        .with_state(AdminState {
            metrics,
            readiness,
            extra,
        });
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown.cancelled_owned())
        .await;
    if let Err(error) = served {
        tracing::error!(%error, "admin server failed");
    }
}

async fn metrics_text(State(state): State<AdminState>) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.metrics.encode(),
    )
}

async fn extra_route(
    State(state): State<AdminState>,
    request: axum::extract::Request,
) -> axum::response::Response {
    use tower::ServiceExt;
    match state.extra.get() {
        Some(router) => match router.oneshot(request).await {
            Ok(response) => response,
            Err(never) => match never {},
        },
        None => (StatusCode::NOT_FOUND, "not found\n").into_response(),
    }
}

async fn ready(State(state): State<AdminState>) -> impl IntoResponse {
    if state.readiness.get() {
        (StatusCode::OK, "ready\n")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "not ready\n")
    }
}
