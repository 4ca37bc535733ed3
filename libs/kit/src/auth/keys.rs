//! Where verifying keys come from: a fixed set, or auth-manager's JWKS fetched and cached.
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use ed25519_dalek::VerifyingKey;
use futures::future::BoxFuture;
use quorum_proto::auth::v1::{GetJwksRequest, Jwk, auth_service_client::AuthServiceClient};
use tokio::sync::Mutex;
use tonic::transport::Channel;

/// Failure to look a key up; distinct from "no such key".
#[derive(Debug, Clone, thiserror::Error)]
#[error("signing keys are unavailable: {0}")]
pub struct KeySourceError(pub String);

/// Finds the verifying key for a key id.
pub trait KeySource: Send + Sync + 'static {
    /// `Ok(None)` when the key id is unknown to the issuer.
    fn verifying_key<'a>(
        &'a self,
        kid: &'a str,
    ) -> BoxFuture<'a, Result<Option<VerifyingKey>, KeySourceError>>;
}

/// A fixed set of keys (tests, and auth-manager's own view of its keys).
#[derive(Debug, Clone, Default)]
pub struct StaticKeys {
    keys: HashMap<String, VerifyingKey>,
}

impl StaticKeys {
    pub fn new(keys: impl IntoIterator<Item = (String, VerifyingKey)>) -> Self {
        Self {
            keys: keys.into_iter().collect(),
        }
    }
}

impl KeySource for StaticKeys {
    fn verifying_key<'a>(
        &'a self,
        kid: &'a str,
    ) -> BoxFuture<'a, Result<Option<VerifyingKey>, KeySourceError>> {
        Box::pin(async move { Ok(self.keys.get(kid).copied()) })
    }
}

/// The JWK form of an Ed25519 verifying key.
pub fn to_jwk(kid: &str, key: &VerifyingKey) -> Jwk {
    Jwk {
        kty: "OKP".into(),
        crv: "Ed25519".into(),
        kid: kid.into(),
        x: B64.encode(key.as_bytes()),
        alg: "EdDSA".into(),
        key_use: "sig".into(),
    }
}

/// Reads an Ed25519 verifying key from its JWK form.
pub fn from_jwk(jwk: &Jwk) -> Result<VerifyingKey, KeySourceError> {
    if jwk.kty != "OKP" || jwk.crv != "Ed25519" {
        return Err(KeySourceError(format!(
            "key {} is not an Ed25519 OKP key",
            jwk.kid
        )));
    }
    let bytes = B64
        .decode(&jwk.x)
        .map_err(|_| KeySourceError(format!("key {} has bad base64", jwk.kid)))?;
    let array: [u8; 32] = bytes
        .try_into()
        .map_err(|_| KeySourceError(format!("key {} is not 32 bytes", jwk.kid)))?;
    VerifyingKey::from_bytes(&array)
        .map_err(|_| KeySourceError(format!("key {} is not a valid point", jwk.kid)))
}

/// auth-manager's JWKS over gRPC, cached; fetched again when an unknown key id shows up,
/// at most once per `min_refresh_interval` so bad tokens cannot hammer auth-manager.
pub struct RemoteJwks {
    channel: Channel,
    min_refresh_interval: Duration,
    cache: Mutex<JwksCache>,
}

#[derive(Default)]
struct JwksCache {
    keys: HashMap<String, VerifyingKey>,
    fetched_at: Option<Instant>,
}

impl RemoteJwks {
    pub fn new(channel: Channel) -> Arc<Self> {
        Arc::new(Self {
            channel,
            min_refresh_interval: Duration::from_secs(5),
            cache: Mutex::new(JwksCache::default()),
        })
    }

    async fn fetch(&self) -> Result<HashMap<String, VerifyingKey>, KeySourceError> {
        let mut client = AuthServiceClient::new(self.channel.clone());
        let response = client
            .get_jwks(GetJwksRequest {})
            .await
            .map_err(|status| KeySourceError(status.message().to_string()))?;
        let mut keys = HashMap::new();
        for jwk in &response.get_ref().keys {
            keys.insert(jwk.kid.clone(), from_jwk(jwk)?);
        }
        Ok(keys)
    }
}

impl KeySource for RemoteJwks {
    fn verifying_key<'a>(
        &'a self,
        kid: &'a str,
    ) -> BoxFuture<'a, Result<Option<VerifyingKey>, KeySourceError>> {
        Box::pin(async move {
            let mut cache = self.cache.lock().await;
            if let Some(key) = cache.keys.get(kid) {
                return Ok(Some(*key));
            }
            let recently = cache
                .fetched_at
                .is_some_and(|at| at.elapsed() < self.min_refresh_interval);
            if recently {
                return Ok(None);
            }
            let keys = self.fetch().await?;
            cache.keys = keys;
            cache.fetched_at = Some(Instant::now());
            Ok(cache.keys.get(kid).copied())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::SigningKey;

    #[test]
    fn jwk_round_trip() {
        let key = SigningKey::from_bytes(&[3; 32]).verifying_key();
        let jwk = to_jwk("kid-1", &key);
        assert_eq!(from_jwk(&jwk).unwrap(), key);
    }

    #[test]
    fn jwk_with_wrong_curve_or_length_is_refused() {
        let key = SigningKey::from_bytes(&[3; 32]).verifying_key();
        let mut jwk = to_jwk("kid-1", &key);
        jwk.crv = "P-256".into();
        assert!(from_jwk(&jwk).is_err());
        let mut short = to_jwk("kid-1", &key);
        short.x = B64.encode([1u8; 16]);
        assert!(from_jwk(&short).is_err());
    }
}
