//! auth-manager: users and service accounts, API keys, Ed25519-signed access tokens with
//! refresh, the JWKS every service verifies with, lockout, and the bootstrap of the first
//! admin and of the cluster service key.
mod admin;
mod audit;
mod bootstrap;
mod convert;
mod handlers;
mod keys;
mod secrets;
mod session;
mod store;

use std::sync::Arc;
use std::time::Duration;

use quorum_bus::BusArgs;
use quorum_bus::outbox::Outbox;
use quorum_kit::auth::AuthPolicy;
use quorum_kit::{ConfigError, Kit, Service};
use quorum_proto::auth::v1::auth_service_server::AuthServiceServer;
use quorum_store::DatabaseArgs;
use sqlx::PgPool;

pub use keys::SigningKeys;

pub const SERVICE: &str = "auth-manager";

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!();

/// auth-manager's own settings (the kit's common ones are listed by `--help`).
#[derive(Debug, Clone, clap::Args)]
pub struct Config {
    #[command(flatten)]
    pub database: DatabaseArgs,
    #[command(flatten)]
    pub bus: BusArgs,
    /// Lifetime of access tokens, in seconds.
    #[arg(long, env = "QUORUM_ACCESS_TOKEN_TTL_SECS", default_value_t = 900)]
    pub access_token_ttl_secs: u64,
    /// Lifetime of refresh tokens, in seconds.
    #[arg(long, env = "QUORUM_REFRESH_TOKEN_TTL_SECS", default_value_t = 604_800)]
    pub refresh_token_ttl_secs: u64,
    /// Lifetime of service tokens, in seconds.
    #[arg(long, env = "QUORUM_SERVICE_TOKEN_TTL_SECS", default_value_t = 3_600)]
    pub service_token_ttl_secs: u64,
    /// Failed logins in a row that lock an account.
    #[arg(long, env = "QUORUM_LOCKOUT_THRESHOLD", default_value_t = 5)]
    pub lockout_threshold: u32,
    /// How long a lock lasts, in seconds.
    #[arg(long, env = "QUORUM_LOCKOUT_SECS", default_value_t = 900)]
    pub lockout_secs: u64,
    /// How long a rotated-out signing key still verifies, in seconds.
    #[arg(long, env = "QUORUM_KEY_OVERLAP_SECS", default_value_t = 3_600)]
    pub key_overlap_secs: u64,
    /// Name of the bootstrap admin created when no admin exists.
    #[arg(long, env = "QUORUM_ADMIN_USERNAME", default_value = "admin")]
    pub admin_username: String,
    /// Password of the bootstrap admin; unset or empty: generate one and write it to
    /// `<state dir>/secrets/admin-password`.
    #[arg(long, env = "QUORUM_ADMIN_PASSWORD", hide_env_values = true)]
    pub admin_password: Option<String>,
}

/// Settings the handlers use, in the units they use.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub access_ttl: Duration,
    pub refresh_ttl: Duration,
    pub service_ttl: Duration,
    pub lockout_threshold: i32,
    pub lockout: Duration,
    pub key_overlap: Duration,
}

/// What every handler shares.
pub(crate) struct State {
    pub pool: PgPool,
    pub keys: Arc<SigningKeys>,
    pub outbox: Outbox,
    pub settings: Settings,
    /// The cluster service key, if one is configured or was generated.
    pub service_key: Option<String>,
}

/// Builds auth-manager: database, keys, bootstrap, outbox relay, and the gRPC service.
pub async fn start(kit: Kit, config: Config) -> anyhow::Result<Service> {
    let settings = settings(&config)?;
    config.bus.check()?;
    let pool = config.database.connect(SERVICE, &MIGRATOR).await?;
    let keys = SigningKeys::open(pool.clone()).await?;
    let outbox = Outbox::open(pool.clone()).await?;
    let service_key = bootstrap::service_key(kit.config());
    bootstrap::first_admin(&pool, &outbox, kit.config(), &config).await?;

    kit.set_key_source(Arc::new(keys::LocalKeySource(keys.clone())));
    kit.spawn(
        "outbox-relay",
        outbox
            .clone()
            .relay_when_connected(config.bus.clone(), kit.shutdown_token()),
    );
    kit.spawn(
        "key-reload",
        reload_keys(keys.clone(), kit.shutdown_token()),
    );

    let state = Arc::new(State {
        pool,
        keys: keys.clone(),
        outbox,
        settings,
        service_key,
    });
    Ok(Service::new()
        .add(AuthServiceServer::new(handlers::AuthHandlers::new(state)))
        .policy(policy())
        .admin_routes(handlers::jwks_http_routes(keys)))
}

fn settings(config: &Config) -> Result<Settings, ConfigError> {
    let positive = |value: u64, variable: &str| {
        if value == 0 {
            Err(ConfigError::new(variable, "must be greater than zero"))
        } else {
            Ok(Duration::from_secs(value))
        }
    };
    let threshold = i32::try_from(config.lockout_threshold)
        .ok()
        .filter(|threshold| *threshold > 0)
        .ok_or_else(|| {
            ConfigError::new("QUORUM_LOCKOUT_THRESHOLD", "must be between 1 and 2^31")
        })?;
    Ok(Settings {
        access_ttl: positive(config.access_token_ttl_secs, "QUORUM_ACCESS_TOKEN_TTL_SECS")?,
        refresh_ttl: positive(
            config.refresh_token_ttl_secs,
            "QUORUM_REFRESH_TOKEN_TTL_SECS",
        )?,
        service_ttl: positive(
            config.service_token_ttl_secs,
            "QUORUM_SERVICE_TOKEN_TTL_SECS",
        )?,
        lockout_threshold: threshold,
        lockout: positive(config.lockout_secs, "QUORUM_LOCKOUT_SECS")?,
        key_overlap: positive(config.key_overlap_secs, "QUORUM_KEY_OVERLAP_SECS")?,
    })
}

/// Who may call what. Sign-in methods and the JWKS are public.
fn policy() -> AuthPolicy {
    const PREFIX: &str = "/quorum.auth.v1.AuthService/";
    let mut policy = AuthPolicy::new();
    for method in [
        "Login",
        "Refresh",
        "Logout",
        "LoginWithApiKey",
        "IssueServiceToken",
        "GetJwks",
    ] {
        policy = policy.public(&format!("{PREFIX}{method}"));
    }
    for method in [
        "CreateUser",
        "ListUsers",
        "SetUserDisabled",
        "UnlockUser",
        "CreateServiceAccount",
        "RotateSigningKey",
    ] {
        policy = policy.require(&format!("{PREFIX}{method}"), &["admin"]);
    }
    policy
}

/// Picks up keys rotated by another replica.
async fn reload_keys(keys: Arc<SigningKeys>, shutdown: quorum_kit::CancellationToken) {
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(Duration::from_secs(30)) => {}
        }
        if let Err(error) = keys.reload().await {
            tracing::warn!(%error, "cannot reload signing keys");
        }
    }
}
