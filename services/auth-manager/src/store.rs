//! SQL for principals, API keys and refresh tokens.
use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

/// A user or service account as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Principal {
    pub id: Uuid,
    pub name: String,
    pub kind: String,
    pub password_hash: Option<String>,
    pub roles: Vec<String>,
    pub disabled: bool,
    pub failed_logins: i32,
    pub locked_until: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl Principal {
    pub fn locked(&self, now: DateTime<Utc>) -> bool {
        self.locked_until.is_some_and(|until| until > now)
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ApiKey {
    pub id: Uuid,
    pub principal_id: Uuid,
    pub owner: String,
    pub prefix: String,
    pub key_hash: String,
    pub scopes: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RefreshToken {
    pub id: Uuid,
    pub principal_id: Uuid,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub replaced_by: Option<Uuid>,
}

const PRINCIPAL_COLUMNS: &str =
    "id, name, kind, password_hash, roles, disabled, failed_logins, locked_until, created_at";

pub async fn principal_by_name(
    connection: &mut PgConnection,
    name: &str,
    for_update: bool,
) -> sqlx::Result<Option<Principal>> {
    let lock = if for_update { " FOR UPDATE" } else { "" };
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {PRINCIPAL_COLUMNS} FROM principals WHERE name = $1{lock}"
    )))
    .bind(name)
    .fetch_optional(connection)
    .await
}

pub async fn principal_by_id(pool: &PgPool, id: Uuid) -> sqlx::Result<Option<Principal>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {PRINCIPAL_COLUMNS} FROM principals WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(pool)
    .await
}

pub async fn list_principals(
    pool: &PgPool,
    include_service_accounts: bool,
) -> sqlx::Result<Vec<Principal>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {PRINCIPAL_COLUMNS} FROM principals
         WHERE kind = 'user' OR $1 ORDER BY name"
    )))
    .bind(include_service_accounts)
    .fetch_all(pool)
    .await
}

/// Inserts a principal; `None` when the name is taken.
pub async fn insert_principal(
    connection: &mut PgConnection,
    name: &str,
    kind: &str,
    password_hash: Option<&str>,
    roles: &[String],
) -> sqlx::Result<Option<Principal>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "INSERT INTO principals (id, name, kind, password_hash, roles)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (name) DO NOTHING
         RETURNING {PRINCIPAL_COLUMNS}"
    )))
    .bind(Uuid::now_v7())
    .bind(name)
    .bind(kind)
    .bind(password_hash)
    .bind(roles)
    .fetch_optional(connection)
    .await
}

pub async fn count_admins(connection: &mut PgConnection) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT count(*) FROM principals WHERE 'admin' = ANY(roles)")
        .fetch_one(connection)
        .await
}

/// Records a failed login; locks the account when `threshold` is reached.
pub async fn record_failed_login(
    connection: &mut PgConnection,
    id: Uuid,
    threshold: i32,
    lock_seconds: f64,
) -> sqlx::Result<Option<DateTime<Utc>>> {
    sqlx::query_scalar(
        "UPDATE principals SET
             failed_logins = failed_logins + 1,
             locked_until = CASE WHEN failed_logins + 1 >= $2
                 THEN now() + make_interval(secs => $3) ELSE locked_until END
         WHERE id = $1 RETURNING locked_until",
    )
    .bind(id)
    .bind(threshold)
    .bind(lock_seconds)
    .fetch_one(connection)
    .await
}

pub async fn reset_failed_logins(connection: &mut PgConnection, id: Uuid) -> sqlx::Result<()> {
    sqlx::query("UPDATE principals SET failed_logins = 0, locked_until = NULL WHERE id = $1")
        .bind(id)
        .execute(connection)
        .await
        .map(|_| ())
}

pub async fn set_disabled(
    connection: &mut PgConnection,
    name: &str,
    disabled: bool,
) -> sqlx::Result<Option<Principal>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "UPDATE principals SET disabled = $2 WHERE name = $1 RETURNING {PRINCIPAL_COLUMNS}"
    )))
    .bind(name)
    .bind(disabled)
    .fetch_optional(connection)
    .await
}

pub async fn unlock(connection: &mut PgConnection, name: &str) -> sqlx::Result<Option<Principal>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "UPDATE principals SET failed_logins = 0, locked_until = NULL WHERE name = $1
         RETURNING {PRINCIPAL_COLUMNS}"
    )))
    .bind(name)
    .fetch_optional(connection)
    .await
}

pub async fn set_password(connection: &mut PgConnection, id: Uuid, hash: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE principals SET password_hash = $2 WHERE id = $1")
        .bind(id)
        .bind(hash)
        .execute(connection)
        .await
        .map(|_| ())
}

pub async fn insert_refresh_token(
    connection: &mut PgConnection,
    principal_id: Uuid,
    token_hash: &str,
    ttl_seconds: f64,
) -> sqlx::Result<Uuid> {
    sqlx::query_scalar(
        "INSERT INTO refresh_tokens (id, principal_id, token_hash, expires_at)
         VALUES ($1, $2, $3, now() + make_interval(secs => $4)) RETURNING id",
    )
    .bind(Uuid::now_v7())
    .bind(principal_id)
    .bind(token_hash)
    .bind(ttl_seconds)
    .fetch_one(connection)
    .await
}

pub async fn refresh_token_by_hash(
    connection: &mut PgConnection,
    token_hash: &str,
) -> sqlx::Result<Option<RefreshToken>> {
    sqlx::query_as(
        "SELECT id, principal_id, expires_at, revoked_at, replaced_by FROM refresh_tokens
         WHERE token_hash = $1 FOR UPDATE",
    )
    .bind(token_hash)
    .fetch_optional(connection)
    .await
}

pub async fn revoke_refresh_token(
    connection: &mut PgConnection,
    id: Uuid,
    replaced_by: Option<Uuid>,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE refresh_tokens SET revoked_at = COALESCE(revoked_at, now()), replaced_by = $2
         WHERE id = $1",
    )
    .bind(id)
    .bind(replaced_by)
    .execute(connection)
    .await
    .map(|_| ())
}

/// Revokes every live refresh token of a principal; returns how many.
pub async fn revoke_all_refresh_tokens(
    connection: &mut PgConnection,
    principal_id: Uuid,
) -> sqlx::Result<u64> {
    sqlx::query("UPDATE refresh_tokens SET revoked_at = now() WHERE principal_id = $1 AND revoked_at IS NULL")
        .bind(principal_id)
        .execute(connection)
        .await
        .map(|done| done.rows_affected())
}

const API_KEY_COLUMNS: &str =
    "k.id, k.principal_id, p.name AS owner, k.prefix, k.key_hash, k.scopes,
    k.created_at, k.expires_at, k.revoked_at, k.last_used_at";

pub async fn insert_api_key(
    connection: &mut PgConnection,
    principal_id: Uuid,
    prefix: &str,
    key_hash: &str,
    scopes: &[String],
    ttl_seconds: Option<f64>,
) -> sqlx::Result<Uuid> {
    sqlx::query_scalar(
        "INSERT INTO api_keys (id, principal_id, prefix, key_hash, scopes, expires_at)
         VALUES ($1, $2, $3, $4, $5, now() + make_interval(secs => $6)) RETURNING id",
    )
    .bind(Uuid::now_v7())
    .bind(principal_id)
    .bind(prefix)
    .bind(key_hash)
    .bind(scopes)
    .bind(ttl_seconds)
    .fetch_one(connection)
    .await
}

pub async fn api_key_by_id(
    connection: &mut PgConnection,
    id: Uuid,
) -> sqlx::Result<Option<ApiKey>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {API_KEY_COLUMNS} FROM api_keys k JOIN principals p ON p.id = k.principal_id WHERE k.id = $1"
    )))
    .bind(id)
    .fetch_optional(connection)
    .await
}

pub async fn api_key_by_prefix(
    connection: &mut PgConnection,
    prefix: &str,
) -> sqlx::Result<Option<ApiKey>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {API_KEY_COLUMNS} FROM api_keys k JOIN principals p ON p.id = k.principal_id WHERE k.prefix = $1"
    )))
    .bind(prefix)
    .fetch_optional(connection)
    .await
}

pub async fn api_keys_of(pool: &PgPool, principal_id: Uuid) -> sqlx::Result<Vec<ApiKey>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {API_KEY_COLUMNS} FROM api_keys k JOIN principals p ON p.id = k.principal_id
         WHERE k.principal_id = $1 ORDER BY k.created_at"
    )))
    .bind(principal_id)
    .fetch_all(pool)
    .await
}

pub async fn touch_api_key(connection: &mut PgConnection, id: Uuid) -> sqlx::Result<()> {
    sqlx::query("UPDATE api_keys SET last_used_at = now() WHERE id = $1")
        .bind(id)
        .execute(connection)
        .await
        .map(|_| ())
}

pub async fn revoke_api_key(connection: &mut PgConnection, id: Uuid) -> sqlx::Result<()> {
    sqlx::query("UPDATE api_keys SET revoked_at = COALESCE(revoked_at, now()) WHERE id = $1")
        .bind(id)
        .execute(connection)
        .await
        .map(|_| ())
}
