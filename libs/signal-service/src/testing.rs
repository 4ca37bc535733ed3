//! What the signal services' own tests share (feature `testing`): a service started
//! through the shared `start` on a loopback port with a private Redis, and candle series.
#![allow(clippy::unwrap_used, clippy::expect_used)]
use quorum_kit::KitConfig;
use quorum_proto::common::v1::Decimal;
use quorum_proto::market::v1::Candle;
use quorum_proto::trading::v1::signal_source_client::SignalSourceClient;
use quorum_testkit::{TestRedis, TestServer};
use tonic::transport::Channel;

use crate::{SignalConfig, SignalServiceDef};

/// One minute.
pub const INTERVAL_MS: i64 = 60_000;
pub const START_MS: i64 = 1_700_000_040_000;

pub struct Harness {
    pub _redis: TestRedis,
    pub server: TestServer,
    pub client: SignalSourceClient<Channel>,
}

impl Harness {
    /// The service `definition` names, alone: no voter registration, no backfill (no
    /// peers in these tests).
    pub async fn start(definition: SignalServiceDef) -> Self {
        let redis = TestRedis::start().await;
        let mut config = SignalConfig::new(redis.url.clone());
        config.register_voter = false;
        config.backfill = false;
        let server = TestServer::start(definition.service, KitConfig::for_tests(), move |kit| {
            crate::start(kit, config, definition)
        })
        .await;
        let client = SignalSourceClient::new(server.channel());
        Self {
            _redis: redis,
            server,
            client,
        }
    }

    pub fn request<T>(&self, message: T) -> tonic::Request<T> {
        self.server.request(message, &["viewer"])
    }
}

fn decimal(value: f64) -> Option<Decimal> {
    Some(Decimal {
        value: format!("{value:.6}"),
    })
}

/// A candle at position `index`.
pub fn candle(index: usize, open: f64, high: f64, low: f64, close: f64, volume: f64) -> Candle {
    Candle {
        open_time_unix_ms: START_MS + index as i64 * INTERVAL_MS,
        open: decimal(open),
        high: decimal(high),
        low: decimal(low),
        close: decimal(close),
        volume: decimal(volume),
        quote_volume: decimal(volume * close),
        trade_count: 5,
    }
}

/// Candles through `closes`, each opening at the previous close, reaching 0.1 % beyond.
pub fn candles(closes: &[f64]) -> Vec<Candle> {
    let mut previous = closes.first().copied().unwrap_or(100.0);
    closes
        .iter()
        .enumerate()
        .map(|(index, close)| {
            let open = previous;
            previous = *close;
            candle(
                index,
                open,
                open.max(*close) * 1.001,
                open.min(*close) * 0.999,
                *close,
                10.0,
            )
        })
        .collect()
}
