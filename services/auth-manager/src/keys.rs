//! The Ed25519 keys that sign access tokens: kept in Postgres, cached in memory, rotated
//! with an overlap so tokens signed by a retired key verify until they expire.
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use ed25519_dalek::{SigningKey, VerifyingKey};
use futures::future::BoxFuture;
use quorum_kit::auth::keys::to_jwk;
use quorum_kit::auth::token::key_id;
use quorum_kit::auth::{KeySource, KeySourceError};
use quorum_proto::auth::v1::Jwk;
use rand::RngCore;
use sqlx::PgPool;

/// How often an unknown key id may trigger a reload from the database.
const RELOAD_AT_MOST_EVERY: Duration = Duration::from_secs(1);

#[derive(Default)]
struct KeyCache {
    signer: Option<(String, SigningKey)>,
    verifying: HashMap<String, VerifyingKey>,
    loaded_at: Option<Instant>,
}

pub struct SigningKeys {
    pool: PgPool,
    cache: RwLock<KeyCache>,
}

impl SigningKeys {
    /// Loads the keys, creating the first one if there is none.
    pub async fn open(pool: PgPool) -> anyhow::Result<Arc<Self>> {
        let keys = Arc::new(Self {
            pool,
            cache: RwLock::new(KeyCache::default()),
        });
        keys.ensure_active().await?;
        keys.reload().await?;
        Ok(keys)
    }

    /// The key that signs new tokens and its id.
    pub fn signer(&self) -> Option<(String, SigningKey)> {
        self.cache
            .read()
            .ok()
            .and_then(|cache| cache.signer.clone())
    }

    /// Every key that still verifies, in JWK form.
    pub fn jwks(&self) -> Vec<Jwk> {
        let Ok(cache) = self.cache.read() else {
            return Vec::new();
        };
        let mut keys: Vec<Jwk> = cache
            .verifying
            .iter()
            .map(|(kid, key)| to_jwk(kid, key))
            .collect();
        keys.sort_by(|left, right| left.kid.cmp(&right.kid));
        keys
    }

    /// Starts signing with a new key; the old one keeps verifying for `overlap`.
    pub async fn rotate(&self, overlap: Duration) -> anyhow::Result<String> {
        let mut transaction = self.pool.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock(hashtext('auth-manager:signing-keys'))")
            .execute(&mut *transaction)
            .await?;
        let overlap_seconds = overlap.as_secs_f64();
        sqlx::query(
            "UPDATE signing_keys SET retired_at = now(),
                 expires_at = now() + make_interval(secs => $1)
             WHERE retired_at IS NULL",
        )
        .bind(overlap_seconds)
        .execute(&mut *transaction)
        .await?;
        let kid = insert_new_key(&mut transaction).await?;
        transaction.commit().await?;
        self.reload().await?;
        Ok(kid)
    }

    /// Reads keys from the database into the cache.
    pub async fn reload(&self) -> anyhow::Result<()> {
        let rows: Vec<(String, Vec<u8>, Option<chrono::DateTime<chrono::Utc>>)> = sqlx::query_as(
            "SELECT kid, secret_seed, retired_at FROM signing_keys
             WHERE expires_at IS NULL OR expires_at > now()
             ORDER BY created_at",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut fresh = KeyCache {
            loaded_at: Some(Instant::now()),
            ..KeyCache::default()
        };
        for (kid, seed, retired_at) in rows {
            let Ok(seed) = <[u8; 32]>::try_from(seed.as_slice()) else {
                tracing::error!(%kid, "stored signing key has a bad length; skipped");
                continue;
            };
            let signing = SigningKey::from_bytes(&seed);
            fresh.verifying.insert(kid.clone(), signing.verifying_key());
            if retired_at.is_none() {
                fresh.signer = Some((kid, signing));
            }
        }
        if let Ok(mut cache) = self.cache.write() {
            *cache = fresh;
        }
        Ok(())
    }

    async fn ensure_active(&self) -> anyhow::Result<()> {
        let mut transaction = self.pool.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock(hashtext('auth-manager:signing-keys'))")
            .execute(&mut *transaction)
            .await?;
        let active: i64 =
            sqlx::query_scalar("SELECT count(*) FROM signing_keys WHERE retired_at IS NULL")
                .fetch_one(&mut *transaction)
                .await?;
        if active == 0 {
            let kid = insert_new_key(&mut transaction).await?;
            tracing::info!(%kid, "created the first token signing key");
        }
        transaction.commit().await?;
        Ok(())
    }

    fn cached(&self, kid: &str) -> (Option<VerifyingKey>, bool) {
        match self.cache.read() {
            Ok(cache) => {
                let stale = cache
                    .loaded_at
                    .is_none_or(|at| at.elapsed() >= RELOAD_AT_MOST_EVERY);
                (cache.verifying.get(kid).copied(), stale)
            }
            Err(_) => (None, true),
        }
    }
}

async fn insert_new_key(
    transaction: &mut sqlx::Transaction<'_, sqlx::Postgres>,
) -> anyhow::Result<String> {
    let mut seed = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut seed);
    let signing = SigningKey::from_bytes(&seed);
    let kid = key_id(&signing.verifying_key());
    sqlx::query("INSERT INTO signing_keys (kid, secret_seed, public_key) VALUES ($1, $2, $3)")
        .bind(&kid)
        .bind(seed.as_slice())
        .bind(signing.verifying_key().as_bytes().as_slice())
        .execute(&mut **transaction)
        .await?;
    Ok(kid)
}

/// auth-manager verifies tokens with its own keys, reloading when another replica
/// rotated.
pub struct LocalKeySource(pub Arc<SigningKeys>);

impl KeySource for LocalKeySource {
    fn verifying_key<'a>(
        &'a self,
        kid: &'a str,
    ) -> BoxFuture<'a, Result<Option<VerifyingKey>, KeySourceError>> {
        Box::pin(async move {
            let (found, stale) = self.0.cached(kid);
            if found.is_some() || !stale {
                return Ok(found);
            }
            self.0
                .reload()
                .await
                .map_err(|error| KeySourceError(error.to_string()))?;
            Ok(self.0.cached(kid).0)
        })
    }
}
