//! Hashing and generating secrets: passwords (argon2id), and high-entropy tokens and API
//! keys (stored as SHA-256, which is enough for random 256-bit values).
use std::sync::{Arc, Mutex, OnceLock, mpsc};

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 12;
/// Longest password accepted (argon2 cost grows with length).
pub const MAX_PASSWORD_CHARS: usize = 256;
/// Prefix of refresh tokens, so a leaked one is recognisable.
pub const REFRESH_PREFIX: &str = "qrt_";
/// Prefix of API keys.
pub const API_KEY_PREFIX: &str = "qk_";
/// Characters of an API key kept in clear to tell keys apart: "qk_" and 8 more.
pub const VISIBLE_KEY_CHARS: usize = 11;

/// What is wrong with a proposed password, if anything.
pub fn password_problem(password: &str) -> Option<String> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Some(format!("must be at least {MIN_PASSWORD_CHARS} characters"));
    }
    if chars > MAX_PASSWORD_CHARS {
        return Some(format!("must be at most {MAX_PASSWORD_CHARS} characters"));
    }
    None
}

/// Argon2 runs at once, at most. Each takes about 19 MiB and a core for a while: a burst
/// of logins or user creations must queue rather than exhaust the container's memory.
pub const PASSWORD_WORKERS: usize = 2;

type Job = Box<dyn FnOnce() + Send>;

/// The password threads: a fixed few, because the allocator keeps a freed argon2 buffer
/// in the arena of the thread that used it. On the blocking pool, whose threads come and
/// go by the dozen, those buffers added up past the memory limit.
fn password_workers() -> &'static Mutex<mpsc::Sender<Job>> {
    static WORKERS: OnceLock<Mutex<mpsc::Sender<Job>>> = OnceLock::new();
    WORKERS.get_or_init(|| {
        let (sender, receiver) = mpsc::channel::<Job>();
        let receiver = Arc::new(Mutex::new(receiver));
        for index in 0..PASSWORD_WORKERS {
            let receiver = Arc::clone(&receiver);
            let spawned = std::thread::Builder::new()
                .name(format!("password-{index}"))
                .spawn(move || run_password_jobs(&receiver));
            if let Err(error) = spawned {
                tracing::error!(%error, "cannot start a password thread");
            }
        }
        Mutex::new(sender)
    })
}

fn run_password_jobs(receiver: &Mutex<mpsc::Receiver<Job>>) {
    loop {
        let job = match receiver.lock() {
            Ok(receiver) => receiver.recv(),
            Err(_) => return,
        };
        match job {
            Ok(job) => job(),
            Err(_) => return,
        }
    }
}

/// Runs CPU- and memory-heavy password work on the password threads.
async fn password_work<T, F>(work: F) -> anyhow::Result<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let (done, result) = tokio::sync::oneshot::channel();
    let job: Job = Box::new(move || {
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(work));
        if let Ok(value) = outcome {
            let _ = done.send(value);
        }
    });
    password_workers()
        .lock()
        .map_err(|_| anyhow::anyhow!("password threads are unavailable"))?
        .send(job)
        .map_err(|_| anyhow::anyhow!("password threads have stopped"))?;
    result
        .await
        .map_err(|_| anyhow::anyhow!("password work failed"))
}

/// Argon2id hash in PHC string form. CPU-heavy: runs on the blocking pool.
pub async fn hash_password(password: String) -> anyhow::Result<String> {
    password_work(move || {
        let salt = SaltString::generate(&mut rand::rngs::OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(|error| anyhow::anyhow!("password hashing failed: {error}"))
    })
    .await?
}

/// Whether `password` matches the PHC hash. A malformed hash never matches.
pub async fn verify_password(hash: String, password: String) -> bool {
    password_work(move || {
        PasswordHash::new(&hash)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

/// Spends the time of one verification, so unknown user names answer as slowly as
/// known ones.
pub async fn burn_verification(password: String) {
    static DUMMY: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    let dummy = DUMMY
        .get_or_init(|| async { hash_password(new_secret()).await.unwrap_or_default() })
        .await;
    let _ = verify_password(dummy.clone(), password).await;
}

/// Lowercase hex SHA-256 of a secret.
pub fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Constant-time equality of two hex hashes.
pub fn same_hash(left: &str, right: &str) -> bool {
    left.as_bytes().ct_eq(right.as_bytes()).into()
}

fn random_text(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    rand::rngs::OsRng.fill_bytes(&mut buffer);
    B64.encode(buffer)
}

/// A new refresh token: `qrt_` and 256 random bits.
pub fn new_refresh_token() -> String {
    format!("{REFRESH_PREFIX}{}", random_text(32))
}

/// A new API key `qk_<8 visible>_<256 random bits>` and its visible prefix.
pub fn new_api_key() -> (String, String) {
    let visible: String = random_text(6)
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { 'x' })
        .take(8)
        .collect();
    let key = format!("{API_KEY_PREFIX}{visible}_{}", random_text(32));
    let prefix = key.chars().take(VISIBLE_KEY_CHARS).collect();
    (key, prefix)
}

/// The visible prefix of a presented API key, if it is shaped like one.
pub fn api_key_prefix(key: &str) -> Option<String> {
    let well_formed = key.starts_with(API_KEY_PREFIX)
        && key.len() > VISIBLE_KEY_CHARS + 1
        && key.is_ascii()
        && key.as_bytes().get(VISIBLE_KEY_CHARS) == Some(&b'_');
    well_formed.then(|| key[..VISIBLE_KEY_CHARS].to_string())
}

/// A random secret for the bootstrap admin password or the service key.
pub fn new_secret() -> String {
    random_text(24)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn password_hash_verifies_only_the_same_password() {
        let hash = hash_password("correct horse battery".into()).await.unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password(hash.clone(), "correct horse battery".into()).await);
        assert!(!verify_password(hash, "correct horse battery!".into()).await);
        assert!(!verify_password("not a hash".into(), "x".into()).await);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn password_work_runs_a_few_at_a_time() {
        use std::sync::Arc;
        use std::sync::atomic::{AtomicUsize, Ordering};
        let running = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..12)
            .map(|_| {
                let (running, peak) = (running.clone(), peak.clone());
                tokio::spawn(password_work(move || {
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    peak.fetch_max(now, Ordering::SeqCst);
                    std::thread::sleep(std::time::Duration::from_millis(20));
                    running.fetch_sub(1, Ordering::SeqCst);
                    std::thread::current().id()
                }))
            })
            .collect();
        let mut threads = std::collections::HashSet::new();
        for task in tasks {
            threads.insert(task.await.unwrap().unwrap());
        }
        assert_eq!(peak.load(Ordering::SeqCst), PASSWORD_WORKERS);
        // The same few threads, whose allocator arenas keep the argon2 buffers.
        assert!(
            threads.len() <= PASSWORD_WORKERS,
            "{} threads",
            threads.len()
        );
    }

    #[test]
    fn password_policy() {
        assert!(password_problem("short").is_some());
        assert!(password_problem("twelve chars").is_none());
        assert!(password_problem(&"x".repeat(300)).is_some());
    }

    #[test]
    fn api_keys_have_a_recognisable_prefix() {
        let (key, prefix) = new_api_key();
        assert_eq!(api_key_prefix(&key), Some(prefix.clone()));
        assert!(prefix.starts_with("qk_") && prefix.len() == VISIBLE_KEY_CHARS);
        assert_ne!(new_api_key().0, key);
        assert_eq!(api_key_prefix("qk_short"), None);
        assert_eq!(api_key_prefix("zz_abcdefgh_rest"), None);
        assert_eq!(api_key_prefix("qk_abcdéfgh_rest"), None);
    }

    #[test]
    fn secret_hashes_compare() {
        let hash = hash_secret("a");
        assert!(same_hash(&hash, &hash_secret("a")));
        assert!(!same_hash(&hash, &hash_secret("b")));
        assert!(new_refresh_token().starts_with(REFRESH_PREFIX));
    }
}
