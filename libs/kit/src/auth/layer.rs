//! The tower layer that checks the bearer token of each request against the policy.
use std::sync::Arc;
use std::task::{Context, Poll};

use futures::future::BoxFuture;
use http::{Request, Response};
use tonic::Status;
use tonic::body::Body;
use tower_layer::Layer;
use tower_service::Service;

use super::keys::KeySource;
use super::policy::{AuthPolicy, Requirement, roles_satisfy};
use super::token::{self, Claims};

tokio::task_local! {
    static CALLER_TOKEN: String;
}

/// Whether tokens are checked. `Disabled` is for local development only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AuthMode {
    Enabled,
    Disabled,
}

/// The verified caller, put in the request extensions for handlers.
#[derive(Debug, Clone)]
pub struct Caller {
    pub claims: Claims,
    /// The bearer token as received, forwarded on calls made on the caller's behalf.
    pub token: String,
}

/// The verified caller of a request, or UNAUTHENTICATED (public methods have none).
pub fn caller<T>(request: &tonic::Request<T>) -> Result<&Caller, Status> {
    request
        .extensions()
        .get::<Caller>()
        .ok_or_else(|| Status::unauthenticated("this method needs a bearer token"))
}

/// The bearer token of the request being handled by this task, if any.
pub fn current_token() -> Option<String> {
    CALLER_TOKEN.try_with(|token| token.clone()).ok()
}

#[derive(Clone)]
pub struct AuthLayer {
    state: Arc<AuthState>,
}

struct AuthState {
    mode: AuthMode,
    policy: AuthPolicy,
    keys: Arc<dyn KeySource>,
}

impl AuthLayer {
    pub fn new(mode: AuthMode, policy: AuthPolicy, keys: Arc<dyn KeySource>) -> Self {
        Self {
            state: Arc::new(AuthState { mode, policy, keys }),
        }
    }
}

impl<S> Layer<S> for AuthLayer {
    type Service = AuthService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        AuthService {
            inner,
            state: self.state.clone(),
        }
    }
}

#[derive(Clone)]
pub struct AuthService<S> {
    inner: S,
    state: Arc<AuthState>,
}

impl<S> Service<Request<Body>> for AuthService<S>
where
    S: Service<Request<Body>, Response = Response<Body>> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response<Body>;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<Response<Body>, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<Body>) -> Self::Future {
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let state = self.state.clone();
        let path = request.uri().path().to_string();
        let authorization = request.headers().get(http::header::AUTHORIZATION).cloned();
        Box::pin(async move {
            match authorize(&state, &path, authorization.as_ref()).await {
                Ok(None) => inner.call(request).await,
                Ok(Some(caller)) => {
                    let token = caller.token.clone();
                    request.extensions_mut().insert(caller);
                    CALLER_TOKEN.scope(token, inner.call(request)).await
                }
                Err(status) => Ok(status.into_http()),
            }
        })
    }
}

async fn authorize(
    state: &AuthState,
    path: &str,
    authorization: Option<&http::HeaderValue>,
) -> Result<Option<Caller>, Status> {
    let wanted = match state.policy.requirement(path) {
        Requirement::Public => return Ok(None),
        Requirement::Roles(roles) => roles,
    };
    if state.mode == AuthMode::Disabled {
        return Ok(Some(anonymous_admin()));
    }
    let token = bearer_token(authorization)?;
    let kid =
        token::peek_key_id(token).map_err(|error| Status::unauthenticated(error.to_string()))?;
    let key = state
        .keys
        .verifying_key(&kid)
        .await
        .map_err(|error| Status::unavailable(error.to_string()))?
        .ok_or_else(|| {
            Status::unauthenticated(format!("token signed with unknown key id {kid}"))
        })?;
    let now = chrono::Utc::now().timestamp();
    let claims = token::verify(token, &key, now)
        .map_err(|error| Status::unauthenticated(error.to_string()))?;
    if !roles_satisfy(&claims.roles, wanted) {
        return Err(Status::permission_denied(format!(
            "{} needs one of the roles [{}]; the caller has [{}]",
            path,
            wanted.join(", "),
            claims.roles.join(", ")
        )));
    }
    Ok(Some(Caller {
        claims,
        token: token.to_string(),
    }))
}

fn bearer_token(authorization: Option<&http::HeaderValue>) -> Result<&str, Status> {
    let header = authorization.ok_or_else(|| {
        Status::unauthenticated(
            "missing authorization metadata: send `authorization: Bearer <token>`",
        )
    })?;
    let value = header
        .to_str()
        .map_err(|_| Status::unauthenticated("authorization metadata is not ASCII"))?;
    value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .map(str::trim)
        .filter(|token| !token.is_empty())
        .ok_or_else(|| Status::unauthenticated("authorization metadata must be `Bearer <token>`"))
}

fn anonymous_admin() -> Caller {
    Caller {
        claims: Claims {
            iss: token::ISSUER.into(),
            sub: "anonymous".into(),
            name: "anonymous".into(),
            kind: "user".into(),
            roles: vec![super::ADMIN_ROLE.into()],
            scopes: vec![],
            iat: 0,
            nbf: 0,
            exp: i64::MAX / 2,
            jti: String::new(),
        },
        token: String::new(),
    }
}
