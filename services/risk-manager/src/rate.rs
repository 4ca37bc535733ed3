//! Orders checked per account over a rolling minute, counted in Redis so every replica
//! sees the same count: one sorted set per account (`risk-manager:orders:<account>`),
//! a member per check scored by Redis's own clock, trimmed to the window and expiring
//! with it.
use std::time::Duration;

use redis::aio::ConnectionManager;
use tokio::sync::OnceCell;
use tonic::Status;

/// The rolling window.
pub const WINDOW: Duration = Duration::from_secs(60);

/// How long a Redis command may take before the count is given up.
const REDIS_TIMEOUT: Duration = Duration::from_secs(2);

/// Adds the check, drops members older than the window, renews the key's lifetime and
/// returns the count, atomically. Redis's clock is used so replicas agree on the window.
const COUNT_SCRIPT: &str = r"
local now = redis.call('TIME')
local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local window_ms = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now_ms - window_ms)
redis.call('ZADD', KEYS[1], now_ms, ARGV[1])
redis.call('PEXPIRE', KEYS[1], window_ms)
return redis.call('ZCARD', KEYS[1])
";

/// The per-account order counter.
pub struct OrderRate {
    redis_url: String,
    connection: OnceCell<ConnectionManager>,
    script: redis::Script,
}

impl OrderRate {
    /// Connects on first use, so the service starts while Redis is still coming up.
    pub fn new(redis_url: &str) -> Self {
        Self {
            redis_url: redis_url.to_string(),
            connection: OnceCell::new(),
            script: redis::Script::new(COUNT_SCRIPT),
        }
    }

    /// Counts check `check_id` for `account`; returns the checks in the last minute,
    /// this one included. UNAVAILABLE when Redis cannot be reached.
    pub async fn count(&self, account: &str, check_id: &str) -> Result<u64, Status> {
        let mut connection = self.connection().await?.clone();
        let window_ms = u64::try_from(WINDOW.as_millis()).unwrap_or(60_000);
        let mut invocation = self.script.key(key(account));
        invocation.arg(check_id).arg(window_ms);
        invocation
            .invoke_async::<u64>(&mut connection)
            .await
            .map_err(redis_down)
    }

    async fn connection(&self) -> Result<&ConnectionManager, Status> {
        self.connection
            .get_or_try_init(|| async {
                let client = redis::Client::open(self.redis_url.as_str()).map_err(redis_down)?;
                let config = redis::aio::ConnectionManagerConfig::new()
                    .set_response_timeout(Some(REDIS_TIMEOUT))
                    .set_connection_timeout(Some(REDIS_TIMEOUT));
                ConnectionManager::new_with_config(client, config)
                    .await
                    .map_err(redis_down)
            })
            .await
    }
}

/// The Redis key of an account's counter.
pub fn key(account: &str) -> String {
    format!("{}:orders:{account}", crate::SERVICE)
}

fn redis_down(error: redis::RedisError) -> Status {
    tracing::warn!(%error, "order rate counter unavailable");
    Status::unavailable("redis (the order rate counter) is unavailable; retry later")
}
