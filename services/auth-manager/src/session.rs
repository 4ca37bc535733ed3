//! Signing in and staying signed in: password login with lockout, refresh-token rotation
//! with reuse detection, API keys, service tokens, and the caller's own account.
use chrono::Utc;
use quorum_bus::events::AuditOutcome;
use quorum_kit::auth::token::{self, Claims};
use quorum_kit::errors::{FieldErrors, internal};
use quorum_proto::auth::v1 as pb;
use serde_json::json;
use tonic::Status;
use uuid::Uuid;

use crate::{State, audit, secrets, store};

/// Seconds a service token request's timestamp may differ from the clock.
const SERVICE_CLOCK_WINDOW_MS: i64 = 300_000;
const BAD_CREDENTIALS: &str = "invalid username or password";

fn db(error: sqlx::Error) -> Status {
    internal("database error", error)
}

/// Signs an access token for a principal.
pub fn access_token(
    state: &State,
    subject: &str,
    name: &str,
    kind: &str,
    roles: Vec<String>,
    scopes: Vec<String>,
    ttl: std::time::Duration,
) -> Result<(String, i64), Status> {
    let (kid, signer) = state
        .keys
        .signer()
        .ok_or_else(|| Status::unavailable("no signing key is loaded; retry shortly"))?;
    let now = Utc::now().timestamp();
    let lifetime = i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX / 4);
    let claims = Claims {
        iss: token::ISSUER.into(),
        sub: subject.into(),
        name: name.into(),
        kind: kind.into(),
        roles,
        scopes,
        iat: now,
        nbf: now,
        exp: now + lifetime,
        jti: Uuid::now_v7().to_string(),
    };
    Ok((token::sign(&signer, &kid, &claims), lifetime))
}

fn pair(access: (String, i64), refresh: String) -> pb::TokenPair {
    pb::TokenPair {
        access_token: access.0,
        refresh_token: refresh,
        token_type: "Bearer".into(),
        expires_in_seconds: access.1,
    }
}

pub async fn login(state: &State, request: pb::LoginRequest) -> Result<pb::LoginResponse, Status> {
    let mut errors = FieldErrors::new();
    errors.check(
        !request.username.is_empty() && request.username.len() <= 128,
        "username",
        "must be 1 to 128 characters",
    );
    errors.check(
        !request.password.is_empty() && request.password.len() <= 1024,
        "password",
        "must be 1 to 1024 characters",
    );
    errors.into_result()?;
    let mut transaction = state.pool.begin().await.map_err(db)?;
    let found = store::principal_by_name(&mut transaction, &request.username, true)
        .await
        .map_err(db)?;
    let resource = format!("user:{}", request.username);
    let Some(principal) = found.filter(|found| found.kind == "user") else {
        secrets::burn_verification(request.password).await;
        audit::record(
            &mut transaction,
            &request.username,
            "auth.login",
            &resource,
            AuditOutcome::Denied,
            json!({"reason": "unknown user"}),
        )
        .await
        .map_err(db)?;
        transaction.commit().await.map_err(db)?;
        state.outbox.wake();
        return Err(Status::unauthenticated(BAD_CREDENTIALS));
    };
    let now = Utc::now();
    if principal.locked(now) {
        let until = principal
            .locked_until
            .map(|until| until.to_rfc3339())
            .unwrap_or_default();
        return Err(Status::unauthenticated(format!(
            "account is locked until {until} after repeated failed logins; wait or ask an admin to unlock it"
        )));
    }
    let matches = match principal.password_hash.clone() {
        Some(hash) => secrets::verify_password(hash, request.password).await,
        None => false,
    };
    if !matches {
        let lock_seconds = state.settings.lockout.as_secs_f64();
        let locked_until = store::record_failed_login(
            &mut transaction,
            principal.id,
            state.settings.lockout_threshold,
            lock_seconds,
        )
        .await
        .map_err(db)?;
        let now_locked = locked_until.is_some_and(|until| until > now);
        audit::record(
            &mut transaction,
            &principal.name,
            "auth.login",
            &resource,
            AuditOutcome::Denied,
            json!({"reason": "wrong password"}),
        )
        .await
        .map_err(db)?;
        if now_locked {
            audit::record(
                &mut transaction,
                &principal.name,
                "auth.lockout",
                &resource,
                AuditOutcome::Success,
                json!({"failed_logins": principal.failed_logins + 1}),
            )
            .await
            .map_err(db)?;
        }
        transaction.commit().await.map_err(db)?;
        state.outbox.wake();
        return Err(Status::unauthenticated(BAD_CREDENTIALS));
    }
    if principal.disabled {
        return Err(Status::permission_denied(
            "account is disabled; ask an admin",
        ));
    }
    store::reset_failed_logins(&mut transaction, principal.id)
        .await
        .map_err(db)?;
    let refresh = secrets::new_refresh_token();
    store::insert_refresh_token(
        &mut transaction,
        principal.id,
        &secrets::hash_secret(&refresh),
        state.settings.refresh_ttl.as_secs_f64(),
    )
    .await
    .map_err(db)?;
    audit::record(
        &mut transaction,
        &principal.name,
        "auth.login",
        &resource,
        AuditOutcome::Success,
        json!({}),
    )
    .await
    .map_err(db)?;
    let access = access_token(
        state,
        &principal.id.to_string(),
        &principal.name,
        "user",
        principal.roles.clone(),
        vec![],
        state.settings.access_ttl,
    )?;
    transaction.commit().await.map_err(db)?;
    state.outbox.wake();
    Ok(pb::LoginResponse {
        tokens: Some(pair(access, refresh)),
    })
}

pub async fn refresh(
    state: &State,
    request: pb::RefreshRequest,
) -> Result<pb::RefreshResponse, Status> {
    if !request.refresh_token.starts_with(secrets::REFRESH_PREFIX) {
        return Err(quorum_kit::errors::invalid_field(
            "refresh_token",
            "is not a Quorum refresh token (qrt_...)",
        ));
    }
    let mut transaction = state.pool.begin().await.map_err(db)?;
    let hash = secrets::hash_secret(&request.refresh_token);
    let stored = store::refresh_token_by_hash(&mut transaction, &hash)
        .await
        .map_err(db)?
        .ok_or_else(|| Status::unauthenticated("refresh token is not valid; log in again"))?;
    let principal = store::principal_by_id(&state.pool, stored.principal_id)
        .await
        .map_err(db)?
        .ok_or_else(|| Status::unauthenticated("refresh token is not valid; log in again"))?;
    if stored.revoked_at.is_some() {
        if stored.replaced_by.is_some() {
            // A spent token presented again means it was copied: end every session.
            let revoked = store::revoke_all_refresh_tokens(&mut transaction, principal.id)
                .await
                .map_err(db)?;
            audit::record(
                &mut transaction,
                &principal.name,
                "auth.refresh_reuse",
                &format!("user:{}", principal.name),
                AuditOutcome::Denied,
                json!({"sessions_revoked": revoked}),
            )
            .await
            .map_err(db)?;
            transaction.commit().await.map_err(db)?;
            state.outbox.wake();
            return Err(Status::unauthenticated(
                "refresh token was already used; every session of this account was signed out, log in again",
            ));
        }
        return Err(Status::unauthenticated(
            "refresh token was revoked; log in again",
        ));
    }
    if stored.expires_at <= Utc::now() {
        return Err(Status::unauthenticated(
            "refresh token has expired; log in again",
        ));
    }
    if principal.disabled {
        return Err(Status::permission_denied(
            "account is disabled; ask an admin",
        ));
    }
    let fresh = secrets::new_refresh_token();
    let fresh_id = store::insert_refresh_token(
        &mut transaction,
        principal.id,
        &secrets::hash_secret(&fresh),
        state.settings.refresh_ttl.as_secs_f64(),
    )
    .await
    .map_err(db)?;
    store::revoke_refresh_token(&mut transaction, stored.id, Some(fresh_id))
        .await
        .map_err(db)?;
    let access = access_token(
        state,
        &principal.id.to_string(),
        &principal.name,
        &principal.kind,
        principal.roles.clone(),
        vec![],
        state.settings.access_ttl,
    )?;
    transaction.commit().await.map_err(db)?;
    Ok(pb::RefreshResponse {
        tokens: Some(pair(access, fresh)),
    })
}

pub async fn logout(
    state: &State,
    request: pb::LogoutRequest,
) -> Result<pb::LogoutResponse, Status> {
    if request.refresh_token.is_empty() {
        return Err(quorum_kit::errors::invalid_field(
            "refresh_token",
            "must not be empty",
        ));
    }
    let mut transaction = state.pool.begin().await.map_err(db)?;
    let hash = secrets::hash_secret(&request.refresh_token);
    // Unknown tokens answer OK too: logging out is idempotent and reveals nothing.
    let stored = store::refresh_token_by_hash(&mut transaction, &hash)
        .await
        .map_err(db)?;
    if let Some(stored) = stored.filter(|stored| stored.revoked_at.is_none()) {
        store::revoke_refresh_token(&mut transaction, stored.id, None)
            .await
            .map_err(db)?;
    }
    transaction.commit().await.map_err(db)?;
    Ok(pb::LogoutResponse {})
}

pub async fn login_with_api_key(
    state: &State,
    request: pb::LoginWithApiKeyRequest,
) -> Result<pb::LoginWithApiKeyResponse, Status> {
    let prefix = secrets::api_key_prefix(&request.api_key).ok_or_else(|| {
        quorum_kit::errors::invalid_field("api_key", "is not a Quorum API key (qk_...)")
    })?;
    let invalid = || Status::unauthenticated("API key is not valid");
    let mut transaction = state.pool.begin().await.map_err(db)?;
    let key = store::api_key_by_prefix(&mut transaction, &prefix)
        .await
        .map_err(db)?
        .ok_or_else(invalid)?;
    if !secrets::same_hash(&key.key_hash, &secrets::hash_secret(&request.api_key)) {
        return Err(invalid());
    }
    if key.revoked_at.is_some() {
        return Err(Status::unauthenticated("API key was revoked"));
    }
    if key.expires_at.is_some_and(|at| at <= Utc::now()) {
        return Err(Status::unauthenticated("API key has expired"));
    }
    let principal = store::principal_by_id(&state.pool, key.principal_id)
        .await
        .map_err(db)?
        .ok_or_else(invalid)?;
    if principal.disabled {
        return Err(Status::permission_denied("the key's account is disabled"));
    }
    store::touch_api_key(&mut transaction, key.id)
        .await
        .map_err(db)?;
    let access = access_token(
        state,
        &principal.id.to_string(),
        &principal.name,
        &principal.kind,
        principal.roles.clone(),
        key.scopes.clone(),
        state.settings.access_ttl,
    )?;
    transaction.commit().await.map_err(db)?;
    Ok(pb::LoginWithApiKeyResponse {
        tokens: Some(pair(access, String::new())),
    })
}

pub async fn issue_service_token(
    state: &State,
    request: pb::IssueServiceTokenRequest,
) -> Result<pb::IssueServiceTokenResponse, Status> {
    let known = quorum_catalog::Catalog::load()
        .map(|catalog| catalog.service(&request.service).is_some())
        .unwrap_or(false);
    let mut errors = FieldErrors::new();
    errors.check(
        known,
        "service",
        "must be the catalog name of a Quorum service",
    );
    errors.check(
        request.signature.len() == 64,
        "signature",
        "must be 64 hex characters",
    );
    errors.into_result()?;
    let key = state.service_key.as_deref().ok_or_else(|| {
        Status::failed_precondition(
            "auth-manager has no service key; set QUORUM_SERVICE_KEY or QUORUM_SERVICE_KEY_FILE",
        )
    })?;
    let skew = (Utc::now().timestamp_millis() - request.timestamp_unix_ms).abs();
    if skew > SERVICE_CLOCK_WINDOW_MS {
        return Err(Status::unauthenticated(
            "timestamp is more than 5 minutes from auth-manager's clock",
        ));
    }
    let expected =
        quorum_kit::client::service_signature(key, &request.service, request.timestamp_unix_ms);
    if !secrets::same_hash(&expected, &request.signature.to_ascii_lowercase()) {
        return Err(Status::unauthenticated(
            "service signature does not match the service key",
        ));
    }
    let subject = format!("svc:{}", request.service);
    let access = access_token(
        state,
        &subject,
        &request.service,
        "service",
        vec!["service".into()],
        vec![],
        state.settings.service_ttl,
    )?;
    Ok(pb::IssueServiceTokenResponse {
        tokens: Some(pair(access, String::new())),
    })
}

pub fn who_am_i(claims: &Claims) -> pb::WhoAmIResponse {
    let kind = match claims.kind.as_str() {
        "service_account" => pb::PrincipalKind::ServiceAccount,
        "service" => pb::PrincipalKind::Service,
        _ => pb::PrincipalKind::User,
    };
    pb::WhoAmIResponse {
        subject: claims.sub.clone(),
        name: claims.name.clone(),
        kind: kind as i32,
        roles: claims.roles.clone(),
        scopes: claims.scopes.clone(),
        expires_at_unix_ms: claims.exp.saturating_mul(1000),
    }
}

pub async fn change_password(
    state: &State,
    claims: &Claims,
    request: pb::ChangePasswordRequest,
) -> Result<pb::ChangePasswordResponse, Status> {
    let mut errors = FieldErrors::new();
    errors.check(
        !request.current_password.is_empty(),
        "current_password",
        "must not be empty",
    );
    if let Some(problem) = secrets::password_problem(&request.new_password) {
        errors.add("new_password", problem);
    }
    errors.into_result()?;
    let id = Uuid::parse_str(&claims.sub)
        .map_err(|_| Status::failed_precondition("only user accounts have passwords"))?;
    let principal = store::principal_by_id(&state.pool, id)
        .await
        .map_err(db)?
        .filter(|principal| principal.kind == "user")
        .ok_or_else(|| Status::failed_precondition("only user accounts have passwords"))?;
    let matches = match principal.password_hash.clone() {
        Some(hash) => secrets::verify_password(hash, request.current_password).await,
        None => false,
    };
    if !matches {
        return Err(Status::unauthenticated("current password is wrong"));
    }
    let hash = secrets::hash_password(request.new_password)
        .await
        .map_err(|error| internal("password hashing failed", error))?;
    let mut transaction = state.pool.begin().await.map_err(db)?;
    store::set_password(&mut transaction, id, &hash)
        .await
        .map_err(db)?;
    store::revoke_all_refresh_tokens(&mut transaction, id)
        .await
        .map_err(db)?;
    audit::record(
        &mut transaction,
        &principal.name,
        "auth.change_password",
        &format!("user:{}", principal.name),
        AuditOutcome::Success,
        json!({}),
    )
    .await
    .map_err(db)?;
    transaction.commit().await.map_err(db)?;
    state.outbox.wake();
    Ok(pb::ChangePasswordResponse {})
}
