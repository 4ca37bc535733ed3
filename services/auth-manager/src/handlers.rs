//! The gRPC face of auth-manager (each method delegates to `session` or `admin`) and the
//! JWKS over HTTP on the admin port.
use std::sync::Arc;

use axum::Json;
use axum::routing::get;
use quorum_kit::auth::caller;
use quorum_proto::auth::v1 as pb;
use quorum_proto::auth::v1::auth_service_server::AuthService;
use tonic::{Request, Response, Status};

use crate::keys::SigningKeys;
use crate::{State, admin, session};

pub struct AuthHandlers {
    state: Arc<State>,
}

impl AuthHandlers {
    pub(crate) fn new(state: Arc<State>) -> Self {
        Self { state }
    }
}

type Reply<T> = Result<Response<T>, Status>;

#[tonic::async_trait]
impl AuthService for AuthHandlers {
    async fn login(&self, request: Request<pb::LoginRequest>) -> Reply<pb::LoginResponse> {
        session::login(&self.state, request.into_inner())
            .await
            .map(Response::new)
    }

    async fn refresh(&self, request: Request<pb::RefreshRequest>) -> Reply<pb::RefreshResponse> {
        session::refresh(&self.state, request.into_inner())
            .await
            .map(Response::new)
    }

    async fn logout(&self, request: Request<pb::LogoutRequest>) -> Reply<pb::LogoutResponse> {
        session::logout(&self.state, request.into_inner())
            .await
            .map(Response::new)
    }

    async fn login_with_api_key(
        &self,
        request: Request<pb::LoginWithApiKeyRequest>,
    ) -> Reply<pb::LoginWithApiKeyResponse> {
        session::login_with_api_key(&self.state, request.into_inner())
            .await
            .map(Response::new)
    }

    async fn issue_service_token(
        &self,
        request: Request<pb::IssueServiceTokenRequest>,
    ) -> Reply<pb::IssueServiceTokenResponse> {
        session::issue_service_token(&self.state, request.into_inner())
            .await
            .map(Response::new)
    }

    async fn get_jwks(&self, _request: Request<pb::GetJwksRequest>) -> Reply<pb::GetJwksResponse> {
        Ok(Response::new(pb::GetJwksResponse {
            keys: self.state.keys.jwks(),
        }))
    }

    async fn who_am_i(&self, request: Request<pb::WhoAmIRequest>) -> Reply<pb::WhoAmIResponse> {
        let claims = &caller(&request)?.claims;
        Ok(Response::new(session::who_am_i(claims)))
    }

    async fn change_password(
        &self,
        request: Request<pb::ChangePasswordRequest>,
    ) -> Reply<pb::ChangePasswordResponse> {
        let claims = caller(&request)?.claims.clone();
        session::change_password(&self.state, &claims, request.into_inner())
            .await
            .map(Response::new)
    }

    async fn create_user(
        &self,
        request: Request<pb::CreateUserRequest>,
    ) -> Reply<pb::CreateUserResponse> {
        let claims = caller(&request)?.claims.clone();
        admin::create_user(&self.state, &claims, request.into_inner())
            .await
            .map(Response::new)
    }

    async fn list_users(
        &self,
        request: Request<pb::ListUsersRequest>,
    ) -> Reply<pb::ListUsersResponse> {
        admin::list_users(&self.state, request.into_inner())
            .await
            .map(Response::new)
    }

    async fn set_user_disabled(
        &self,
        request: Request<pb::SetUserDisabledRequest>,
    ) -> Reply<pb::SetUserDisabledResponse> {
        let claims = caller(&request)?.claims.clone();
        admin::set_user_disabled(&self.state, &claims, request.into_inner())
            .await
            .map(Response::new)
    }

    async fn unlock_user(
        &self,
        request: Request<pb::UnlockUserRequest>,
    ) -> Reply<pb::UnlockUserResponse> {
        let claims = caller(&request)?.claims.clone();
        admin::unlock_user(&self.state, &claims, request.into_inner())
            .await
            .map(Response::new)
    }

    async fn create_service_account(
        &self,
        request: Request<pb::CreateServiceAccountRequest>,
    ) -> Reply<pb::CreateServiceAccountResponse> {
        let claims = caller(&request)?.claims.clone();
        admin::create_service_account(&self.state, &claims, request.into_inner())
            .await
            .map(Response::new)
    }

    async fn create_api_key(
        &self,
        request: Request<pb::CreateApiKeyRequest>,
    ) -> Reply<pb::CreateApiKeyResponse> {
        let claims = caller(&request)?.claims.clone();
        admin::create_api_key(&self.state, &claims, request.into_inner())
            .await
            .map(Response::new)
    }

    async fn list_api_keys(
        &self,
        request: Request<pb::ListApiKeysRequest>,
    ) -> Reply<pb::ListApiKeysResponse> {
        let claims = caller(&request)?.claims.clone();
        admin::list_api_keys(&self.state, &claims, request.into_inner())
            .await
            .map(Response::new)
    }

    async fn revoke_api_key(
        &self,
        request: Request<pb::RevokeApiKeyRequest>,
    ) -> Reply<pb::RevokeApiKeyResponse> {
        let claims = caller(&request)?.claims.clone();
        admin::revoke_api_key(&self.state, &claims, request.into_inner())
            .await
            .map(Response::new)
    }

    async fn rotate_signing_key(
        &self,
        request: Request<pb::RotateSigningKeyRequest>,
    ) -> Reply<pb::RotateSigningKeyResponse> {
        let claims = caller(&request)?.claims.clone();
        admin::rotate_signing_key(&self.state, &claims)
            .await
            .map(Response::new)
    }
}

/// `GET /.well-known/jwks.json` in RFC 7517 form.
pub fn jwks_http_routes(keys: Arc<SigningKeys>) -> axum::Router {
    axum::Router::new().route(
        "/.well-known/jwks.json",
        get(move || {
            let keys = keys.clone();
            async move {
                let listed: Vec<serde_json::Value> = keys
                    .jwks()
                    .into_iter()
                    .map(|jwk| {
                        serde_json::json!({
                            "kty": jwk.kty, "crv": jwk.crv, "kid": jwk.kid,
                            "x": jwk.x, "alg": jwk.alg, "use": jwk.key_use,
                        })
                    })
                    .collect();
                Json(serde_json::json!({ "keys": listed }))
            }
        }),
    )
}
