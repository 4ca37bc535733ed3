//! Signed checkpoints of the chain head: the signing key, the signature, and the task
//! that writes a checkpoint every N records or T seconds when the head moved.
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use ed25519_dalek::{Signature, Signer as _, SigningKey, Verifier as _, VerifyingKey};
use quorum_kit::CancellationToken;
use rand::RngCore;
use sqlx::PgPool;
use tokio::sync::Notify;

use crate::store::{self, CheckpointRow};

/// The key that signs checkpoints.
#[derive(Clone)]
pub struct Signer {
    key: SigningKey,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Signer")
            .field("public_key", &self.public_key())
            .finish_non_exhaustive()
    }
}

impl Signer {
    pub fn from_seed(seed: [u8; 32]) -> Self {
        Self {
            key: SigningKey::from_bytes(&seed),
        }
    }

    /// Base64url (no padding) of the 32-byte Ed25519 public key.
    pub fn public_key(&self) -> String {
        B64.encode(self.key.verifying_key().as_bytes())
    }

    /// Base64url (no padding) Ed25519 signature over `"<sequence>:<hash>"`.
    pub fn sign(&self, sequence: u64, hash: &str) -> String {
        B64.encode(
            self.key
                .sign(signed_message(sequence, hash).as_bytes())
                .to_bytes(),
        )
    }
}

/// The text a checkpoint signature covers.
pub fn signed_message(sequence: u64, hash: &str) -> String {
    format!("{sequence}:{hash}")
}

/// Whether `signature` (base64url) by `public_key` (base64url) covers `sequence:hash`.
pub fn signature_is_valid(public_key: &str, sequence: u64, hash: &str, signature: &str) -> bool {
    let key = B64
        .decode(public_key)
        .ok()
        .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
        .and_then(|bytes| VerifyingKey::from_bytes(&bytes).ok());
    let signature = B64
        .decode(signature)
        .ok()
        .and_then(|bytes| <[u8; 64]>::try_from(bytes).ok())
        .map(|bytes| Signature::from_bytes(&bytes));
    match (key, signature) {
        (Some(key), Some(signature)) => key
            .verify(signed_message(sequence, hash).as_bytes(), &signature)
            .is_ok(),
        _ => false,
    }
}

/// Reads a 32-byte seed written as 64 hex characters.
pub fn parse_seed(text: &str) -> Option<[u8; 32]> {
    hex::decode(text.trim()).ok()?.try_into().ok()
}

/// The configured key, or the one stored in the database (made on first start).
pub async fn load_signer(
    pool: &PgPool,
    configured: Option<[u8; 32]>,
    now_ms: i64,
) -> anyhow::Result<Signer> {
    if let Some(seed) = configured {
        return Ok(Signer::from_seed(seed));
    }
    let mut fresh = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut fresh);
    let stored = store::signing_seed(pool, &hex::encode(fresh), now_ms).await?;
    let seed = parse_seed(&stored).ok_or_else(|| {
        anyhow::anyhow!("the stored checkpoint signing key is not a 32-byte hex seed")
    })?;
    Ok(Signer::from_seed(seed))
}

/// Wakes the checkpoint task early once every `every_records` appends.
#[derive(Debug, Clone)]
pub struct Trigger {
    every_records: u64,
    wake: Arc<Notify>,
}

impl Trigger {
    /// `every_records == 0` leaves checkpoints to the timer alone.
    pub fn new(every_records: u64) -> Self {
        Self {
            every_records,
            wake: Arc::new(Notify::new()),
        }
    }

    /// Called after a record at `sequence` committed.
    pub fn appended(&self, sequence: u64) {
        if self.every_records > 0 && sequence.is_multiple_of(self.every_records) {
            self.wake.notify_one();
        }
    }
}

/// Writes a checkpoint of the current head if it moved since the newest checkpoint.
pub async fn checkpoint_now(
    pool: &PgPool,
    signer: &Signer,
    now_ms: i64,
) -> Result<Option<CheckpointRow>, sqlx::Error> {
    let Some((sequence, hash)) = store::head(pool).await? else {
        return Ok(None);
    };
    let newest = store::list_checkpoints(pool, 1).await?;
    if newest
        .first()
        .is_some_and(|checkpoint| checkpoint.sequence >= sequence)
    {
        return Ok(None);
    }
    let checkpoint = CheckpointRow {
        sequence,
        signature: signer.sign(sequence, &hash),
        hash,
        created_at_ms: now_ms,
        public_key: signer.public_key(),
    };
    store::insert_checkpoint(pool, &checkpoint).await?;
    Ok(Some(checkpoint))
}

/// Writes checkpoints until `shutdown`, then one last one.
pub async fn run(
    pool: PgPool,
    signer: Signer,
    interval: Duration,
    trigger: Trigger,
    shutdown: CancellationToken,
) {
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ticker.tick().await;
    loop {
        let stopping = tokio::select! {
            () = shutdown.cancelled() => true,
            _ = ticker.tick() => false,
            () = trigger.wake.notified() => false,
        };
        match checkpoint_now(&pool, &signer, chrono::Utc::now().timestamp_millis()).await {
            Ok(Some(checkpoint)) => {
                tracing::info!(sequence = checkpoint.sequence, hash = %checkpoint.hash, "checkpoint signed");
            }
            Ok(None) => {}
            Err(error) => tracing::warn!(%error, "checkpoint failed; will try again"),
        }
        if stopping {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_verify_with_the_public_key_only_for_their_message() {
        let signer = Signer::from_seed([7; 32]);
        let hash = "ab".repeat(32);
        let signature = signer.sign(5, &hash);
        assert!(signature_is_valid(
            &signer.public_key(),
            5,
            &hash,
            &signature
        ));
        assert!(!signature_is_valid(
            &signer.public_key(),
            6,
            &hash,
            &signature
        ));
        let other = Signer::from_seed([8; 32]);
        assert!(!signature_is_valid(
            &other.public_key(),
            5,
            &hash,
            &signature
        ));
        assert!(!signature_is_valid("??", 5, &hash, &signature));
    }

    #[test]
    fn seeds_are_64_hex_characters() {
        assert_eq!(parse_seed(&"01".repeat(32)), Some([1; 32]));
        assert_eq!(parse_seed("0102"), None);
        assert_eq!(parse_seed(&"zz".repeat(32)), None);
    }

    #[test]
    fn trigger_fires_on_multiples_only() {
        let trigger = Trigger::new(3);
        trigger.appended(2);
        trigger.appended(3);
        let off = Trigger::new(0);
        off.appended(3);
        // A stored permit makes `notified` ready at once.
        let ready = futures_ready(trigger.wake.notified());
        assert!(ready);
        assert!(!futures_ready(off.wake.notified()));
    }

    fn futures_ready(future: impl std::future::Future<Output = ()>) -> bool {
        let waker = std::task::Waker::noop();
        let mut context = std::task::Context::from_waker(waker);
        let mut future = std::pin::pin!(future);
        future.as_mut().poll(&mut context).is_ready()
    }
}
