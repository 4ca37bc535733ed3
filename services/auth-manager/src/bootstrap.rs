//! First start: the bootstrap admin and the cluster service key. Neither is ever baked
//! into an image or the repository: each comes from the environment (or a mounted
//! secret) or is generated here and written under the state directory with mode 0600.
use std::io::Write;
use std::path::Path;

use quorum_bus::events::AuditOutcome;
use quorum_bus::outbox::Outbox;
use quorum_kit::KitConfig;
use sqlx::PgPool;

use crate::{Config, audit, secrets, store};

/// The service key from the environment or its file; generated and written on first
/// start when neither exists (the file is shared with the other services).
pub fn service_key(kit: &KitConfig) -> Option<String> {
    if let Some(key) = kit.read_service_key() {
        return Some(key);
    }
    let path = kit.service_key_path();
    let key = secrets::new_secret();
    match write_secret(&path, &key) {
        Ok(()) => {
            tracing::info!(path = %path.display(), "generated the cluster service key");
            Some(key)
        }
        Err(error) => {
            tracing::warn!(path = %path.display(), %error, "no service key and cannot write one; services cannot obtain their own tokens");
            None
        }
    }
}

/// Creates the bootstrap admin when no principal holds the admin role.
pub async fn first_admin(
    pool: &PgPool,
    outbox: &Outbox,
    kit: &KitConfig,
    config: &Config,
) -> anyhow::Result<()> {
    let mut transaction = pool.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('auth-manager:bootstrap'))")
        .execute(&mut *transaction)
        .await?;
    if store::count_admins(&mut transaction).await? > 0 {
        return Ok(());
    }
    let given = config
        .admin_password
        .as_deref()
        .map(str::trim)
        .filter(|password| !password.is_empty());
    let (password, generated) = match given {
        Some(password) => {
            if let Some(problem) = secrets::password_problem(password) {
                return Err(quorum_kit::ConfigError::new("QUORUM_ADMIN_PASSWORD", problem).into());
            }
            (password.to_string(), false)
        }
        None => (secrets::new_secret(), true),
    };
    let hash = secrets::hash_password(password.clone()).await?;
    let roles = vec!["admin".to_string()];
    let created = store::insert_principal(
        &mut transaction,
        &config.admin_username,
        "user",
        Some(&hash),
        &roles,
    )
    .await?;
    if created.is_none() {
        anyhow::bail!(
            "user {} exists without the admin role; grant it or set QUORUM_ADMIN_USERNAME",
            config.admin_username
        );
    }
    audit::record(
        &mut transaction,
        "auth-manager",
        "auth.bootstrap_admin",
        &format!("user:{}", config.admin_username),
        AuditOutcome::Success,
        serde_json::json!({ "generated_password": generated }),
    )
    .await?;
    if generated {
        let path = kit.state_dir.join("secrets").join("admin-password");
        write_secret(&path, &password)?;
        tracing::warn!(user = %config.admin_username, path = %path.display(), "created the bootstrap admin; its generated password is in this file: change it after the first login");
    } else {
        tracing::info!(user = %config.admin_username, "created the bootstrap admin from QUORUM_ADMIN_PASSWORD");
    }
    transaction.commit().await?;
    outbox.wake();
    Ok(())
}

/// Writes a secret file readable only by this user, creating its directory.
fn write_secret(path: &Path, secret: &str) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(secret.as_bytes())?;
    file.write_all(b"\n")?;
    file.sync_all()
}
