//! Administration: users, service accounts, API keys and signing-key rotation.
use quorum_bus::events::AuditOutcome;
use quorum_kit::auth::{ADMIN_ROLE, Claims};
use quorum_kit::errors::{FieldErrors, internal, invalid_field};
use quorum_proto::auth::v1 as pb;
use serde_json::json;
use tonic::Status;
use uuid::Uuid;

use crate::convert::{self, check_name, checked_roles};
use crate::store::{self, Principal};
use crate::{State, audit, secrets};

const MAX_SCOPES: usize = 32;

fn db(error: sqlx::Error) -> Status {
    internal("database error", error)
}

pub async fn create_user(
    state: &State,
    actor: &Claims,
    request: pb::CreateUserRequest,
) -> Result<pb::CreateUserResponse, Status> {
    let mut errors = FieldErrors::new();
    check_name(&mut errors, "username", &request.username);
    if let Some(problem) = secrets::password_problem(&request.password) {
        errors.add("password", problem);
    }
    let roles = checked_roles(&mut errors, &request.roles);
    errors.into_result()?;
    let hash = secrets::hash_password(request.password)
        .await
        .map_err(|error| internal("password hashing failed", error))?;
    let user = insert(state, actor, &request.username, "user", Some(&hash), &roles).await?;
    Ok(pb::CreateUserResponse { user: Some(user) })
}

pub async fn create_service_account(
    state: &State,
    actor: &Claims,
    request: pb::CreateServiceAccountRequest,
) -> Result<pb::CreateServiceAccountResponse, Status> {
    let mut errors = FieldErrors::new();
    check_name(&mut errors, "name", &request.name);
    let roles = checked_roles(&mut errors, &request.roles);
    errors.into_result()?;
    let account = insert(state, actor, &request.name, "service_account", None, &roles).await?;
    Ok(pb::CreateServiceAccountResponse {
        service_account: Some(account),
    })
}

async fn insert(
    state: &State,
    actor: &Claims,
    name: &str,
    kind: &str,
    hash: Option<&str>,
    roles: &[String],
) -> Result<pb::Principal, Status> {
    let mut transaction = state.pool.begin().await.map_err(db)?;
    let created = store::insert_principal(&mut transaction, name, kind, hash, roles)
        .await
        .map_err(db)?
        .ok_or_else(|| {
            Status::already_exists(format!("a user or service account named {name} exists"))
        })?;
    audit::record(
        &mut transaction,
        &actor.name,
        &format!("auth.create_{kind}"),
        &format!("{kind}:{name}"),
        AuditOutcome::Success,
        json!({"roles": roles}),
    )
    .await
    .map_err(db)?;
    transaction.commit().await.map_err(db)?;
    state.outbox.wake();
    Ok(convert::principal(&created))
}

pub async fn list_users(
    state: &State,
    request: pb::ListUsersRequest,
) -> Result<pb::ListUsersResponse, Status> {
    let rows = store::list_principals(&state.pool, request.include_service_accounts)
        .await
        .map_err(db)?;
    Ok(pb::ListUsersResponse {
        users: rows.iter().map(convert::principal).collect(),
    })
}

pub async fn set_user_disabled(
    state: &State,
    actor: &Claims,
    request: pb::SetUserDisabledRequest,
) -> Result<pb::SetUserDisabledResponse, Status> {
    if request.username.is_empty() {
        return Err(invalid_field("username", "must not be empty"));
    }
    if request.disabled && request.username == actor.name {
        return Err(Status::failed_precondition(
            "you cannot disable your own account",
        ));
    }
    let mut transaction = state.pool.begin().await.map_err(db)?;
    let user = store::set_disabled(&mut transaction, &request.username, request.disabled)
        .await
        .map_err(db)?
        .ok_or_else(|| Status::not_found(format!("no user named {}", request.username)))?;
    if request.disabled {
        store::revoke_all_refresh_tokens(&mut transaction, user.id)
            .await
            .map_err(db)?;
    }
    let action = if request.disabled {
        "auth.disable"
    } else {
        "auth.enable"
    };
    audit::record(
        &mut transaction,
        &actor.name,
        action,
        &format!("user:{}", user.name),
        AuditOutcome::Success,
        json!({}),
    )
    .await
    .map_err(db)?;
    transaction.commit().await.map_err(db)?;
    state.outbox.wake();
    Ok(pb::SetUserDisabledResponse {
        user: Some(convert::principal(&user)),
    })
}

pub async fn unlock_user(
    state: &State,
    actor: &Claims,
    request: pb::UnlockUserRequest,
) -> Result<pb::UnlockUserResponse, Status> {
    if request.username.is_empty() {
        return Err(invalid_field("username", "must not be empty"));
    }
    let mut transaction = state.pool.begin().await.map_err(db)?;
    let user = store::unlock(&mut transaction, &request.username)
        .await
        .map_err(db)?
        .ok_or_else(|| Status::not_found(format!("no user named {}", request.username)))?;
    audit::record(
        &mut transaction,
        &actor.name,
        "auth.unlock",
        &format!("user:{}", user.name),
        AuditOutcome::Success,
        json!({}),
    )
    .await
    .map_err(db)?;
    transaction.commit().await.map_err(db)?;
    state.outbox.wake();
    Ok(pb::UnlockUserResponse {
        user: Some(convert::principal(&user)),
    })
}

/// The principal a key request is about: the named owner (admins only, unless it is
/// the caller) or the caller.
async fn key_owner(state: &State, actor: &Claims, owner: &str) -> Result<Principal, Status> {
    let is_admin = actor.has_role(ADMIN_ROLE);
    let name = if owner.is_empty() {
        actor.name.as_str()
    } else {
        owner
    };
    if name != actor.name && !is_admin {
        return Err(Status::permission_denied(
            "only admins manage other accounts' API keys",
        ));
    }
    if owner.is_empty() && actor.kind == "service" {
        return Err(Status::failed_precondition(
            "services have no API keys; name an owner",
        ));
    }
    let mut connection = state.pool.acquire().await.map_err(db)?;
    store::principal_by_name(&mut connection, name, false)
        .await
        .map_err(db)?
        .ok_or_else(|| Status::not_found(format!("no user or service account named {name}")))
}

pub async fn create_api_key(
    state: &State,
    actor: &Claims,
    request: pb::CreateApiKeyRequest,
) -> Result<pb::CreateApiKeyResponse, Status> {
    let mut errors = FieldErrors::new();
    errors.check(
        request.ttl_seconds >= 0,
        "ttl_seconds",
        "must be zero (no expiry) or positive",
    );
    errors.check(
        request.scopes.len() <= MAX_SCOPES,
        "scopes",
        format!("at most {MAX_SCOPES} scopes"),
    );
    for (index, scope) in request.scopes.iter().enumerate() {
        errors.check(
            !scope.is_empty() && scope.len() <= 64 && scope.is_ascii(),
            &format!("scopes[{index}]"),
            "must be 1 to 64 ASCII characters",
        );
    }
    errors.into_result()?;
    let owner = key_owner(state, actor, &request.owner).await?;
    let (key, prefix) = secrets::new_api_key();
    let ttl = (request.ttl_seconds > 0).then_some(request.ttl_seconds as f64);
    let mut transaction = state.pool.begin().await.map_err(db)?;
    let id = store::insert_api_key(
        &mut transaction,
        owner.id,
        &prefix,
        &secrets::hash_secret(&key),
        &request.scopes,
        ttl,
    )
    .await
    .map_err(db)?;
    audit::record(
        &mut transaction,
        &actor.name,
        "auth.create_api_key",
        &format!("api_key:{prefix}"),
        AuditOutcome::Success,
        json!({"owner": owner.name}),
    )
    .await
    .map_err(db)?;
    let stored = store::api_key_by_id(&mut transaction, id)
        .await
        .map_err(db)?
        .ok_or_else(|| Status::internal("created key vanished"))?;
    transaction.commit().await.map_err(db)?;
    state.outbox.wake();
    Ok(pb::CreateApiKeyResponse {
        info: Some(convert::api_key(&stored)),
        api_key: key,
    })
}

pub async fn list_api_keys(
    state: &State,
    actor: &Claims,
    request: pb::ListApiKeysRequest,
) -> Result<pb::ListApiKeysResponse, Status> {
    let owner = key_owner(state, actor, &request.owner).await?;
    let keys = store::api_keys_of(&state.pool, owner.id)
        .await
        .map_err(db)?;
    Ok(pb::ListApiKeysResponse {
        keys: keys.iter().map(convert::api_key).collect(),
    })
}

pub async fn revoke_api_key(
    state: &State,
    actor: &Claims,
    request: pb::RevokeApiKeyRequest,
) -> Result<pb::RevokeApiKeyResponse, Status> {
    let id = Uuid::parse_str(&request.id)
        .map_err(|_| invalid_field("id", "must be an API key id (a UUID)"))?;
    let mut transaction = state.pool.begin().await.map_err(db)?;
    let key = store::api_key_by_id(&mut transaction, id)
        .await
        .map_err(db)?
        .ok_or_else(|| Status::not_found(format!("no API key with id {id}")))?;
    if key.owner != actor.name && !actor.has_role(ADMIN_ROLE) {
        return Err(Status::permission_denied(
            "only the key's owner or an admin can revoke it",
        ));
    }
    store::revoke_api_key(&mut transaction, id)
        .await
        .map_err(db)?;
    audit::record(
        &mut transaction,
        &actor.name,
        "auth.revoke_api_key",
        &format!("api_key:{}", key.prefix),
        AuditOutcome::Success,
        json!({"owner": key.owner}),
    )
    .await
    .map_err(db)?;
    let revoked = store::api_key_by_id(&mut transaction, id)
        .await
        .map_err(db)?
        .ok_or_else(|| Status::internal("revoked key vanished"))?;
    transaction.commit().await.map_err(db)?;
    state.outbox.wake();
    Ok(pb::RevokeApiKeyResponse {
        info: Some(convert::api_key(&revoked)),
    })
}

pub async fn rotate_signing_key(
    state: &State,
    actor: &Claims,
) -> Result<pb::RotateSigningKeyResponse, Status> {
    let kid = state
        .keys
        .rotate(state.settings.key_overlap)
        .await
        .map_err(|error| internal("key rotation failed", error))?;
    let mut transaction = state.pool.begin().await.map_err(db)?;
    audit::record(
        &mut transaction,
        &actor.name,
        "auth.rotate_signing_key",
        &format!("signing_key:{kid}"),
        AuditOutcome::Success,
        json!({}),
    )
    .await
    .map_err(db)?;
    transaction.commit().await.map_err(db)?;
    state.outbox.wake();
    Ok(pb::RotateSigningKeyResponse { kid })
}
