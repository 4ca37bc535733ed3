//! The latest consolidated quote of each symbol in Redis, for services that want a price
//! without a gRPC call: key `price-feed:quote:<SYMBOL>`, the quote as JSON, with a TTL so
//! a key that exists was written within the TTL. Writes conflate like any subscriber.
use std::sync::Arc;
use std::time::Duration;

use quorum_domain::Symbol;
use quorum_kit::CancellationToken;
use redis::AsyncCommands;
use redis::aio::ConnectionManager;

use crate::hub::Hub;
use crate::subscription::Subscription;

/// Prefix of every key price-feed writes.
pub const KEY_PREFIX: &str = "price-feed:quote:";

/// The Redis key of a symbol's quote.
pub fn key(symbol: &Symbol) -> String {
    format!("{KEY_PREFIX}{symbol}")
}

/// Where and for how long quotes are written.
#[derive(Debug, Clone)]
pub struct StoreConfig {
    pub redis_url: String,
    pub ttl: Duration,
}

/// Writes every changed quote until `shutdown`, retrying (and keeping the symbol
/// pending) while Redis is down.
pub async fn run(
    config: StoreConfig,
    hub: Arc<Hub>,
    changes: Arc<Subscription>,
    shutdown: CancellationToken,
) {
    let Some(mut connection) = connect(&config.redis_url, &shutdown).await else {
        return;
    };
    let ttl_secs = config.ttl.as_secs().max(1);
    let mut failures = 0u32;
    loop {
        while let Some(symbol) = changes.take() {
            let Some(quote) = hub.current(&symbol) else {
                continue;
            };
            let json = match serde_json::to_string(&*quote) {
                Ok(json) => json,
                Err(error) => {
                    tracing::error!(%error, %symbol, "quote does not encode as JSON");
                    continue;
                }
            };
            let written: Result<(), redis::RedisError> =
                connection.set_ex(key(&symbol), json, ttl_secs).await;
            match written {
                Ok(()) => failures = 0,
                Err(error) => {
                    failures = failures.saturating_add(1);
                    tracing::warn!(%error, %symbol, failures, "cannot write quote to Redis; retrying");
                    changes.mark(&symbol);
                    if !pause(&shutdown, quorum_kit::client::backoff(failures)).await {
                        return;
                    }
                }
            }
        }
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = changes.wait_for_change() => {}
        }
    }
}

async fn connect(url: &str, shutdown: &CancellationToken) -> Option<ConnectionManager> {
    let client = match redis::Client::open(url) {
        Ok(client) => client,
        Err(error) => {
            tracing::error!(%error, "REDIS_URL is not usable; quotes are not written to Redis");
            return None;
        }
    };
    let mut attempt = 0u32;
    loop {
        match ConnectionManager::new(client.clone()).await {
            Ok(connection) => return Some(connection),
            Err(error) => {
                attempt = attempt.saturating_add(1);
                tracing::warn!(%error, attempt, "Redis not reachable yet for quotes; retrying");
            }
        }
        if !pause(shutdown, quorum_kit::client::backoff(attempt)).await {
            return None;
        }
    }
}

/// Sleeps for `wait`; false when shutdown came first.
async fn pause(shutdown: &CancellationToken, wait: Duration) -> bool {
    tokio::select! {
        () = shutdown.cancelled() => false,
        () = tokio::time::sleep(wait) => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_prefixed_by_the_service() {
        let symbol: Symbol = "eth-btc".parse().unwrap();
        assert_eq!(key(&symbol), "price-feed:quote:ETH-BTC");
    }
}
