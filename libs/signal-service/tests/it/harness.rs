//! What every test needs: a private Redis, the in-test peers, the service on a loopback
//! port, clients, and candle series.
use std::time::Duration;

use quorum_bus::Bus;
use quorum_domain::{Candle, CandleClosed, Decimal, Venue};
use quorum_kit::KitConfig;
use quorum_proto::ai::v1::voter_client::VoterClient;
use quorum_proto::trading::v1::signal_source_client::SignalSourceClient;
use quorum_signal_service::{SignalConfig, SignalServiceDef, start};
use quorum_strategies::{Momentum, Strategy};
use quorum_testkit::{TestRedis, TestServer};
use tokio::net::TcpListener;
use tonic::transport::Channel;

use crate::peers::{RecordingConsensus, ScriptedHistory, serve_consensus, serve_history};

pub use quorum_testkit::eventually;

/// How long a test waits for the service to catch up before failing.
pub const PATIENCE: Duration = Duration::from_secs(20);
/// Candle length in the tests: one minute.
pub const INTERVAL_MS: i64 = 60_000;
/// Open time of the first candle of a series (on the minute grid).
pub const START_MS: i64 = 1_700_000_040_000;
/// Where the service says consensus-engine can reach it.
pub const ADVERTISED: &str = "http://momentum-trader.test:50113";

pub struct Harness {
    pub redis: TestRedis,
    pub server: TestServer,
    pub signals: SignalSourceClient<Channel>,
    pub voter: VoterClient<Channel>,
    pub history: ScriptedHistory,
    pub consensus: RecordingConsensus,
    pub config: SignalConfig,
    pub definition: SignalServiceDef,
}

impl Harness {
    /// momentum-trader with its peers in place.
    pub async fn start() -> Self {
        Self::start_with("momentum-trader", &Momentum, |_| {}).await
    }

    /// The service `name` running `strategy`, its settings adjusted by `adjust`.
    pub async fn start_with(
        name: &'static str,
        strategy: &'static dyn Strategy,
        adjust: impl FnOnce(&mut SignalConfig),
    ) -> Self {
        let redis = TestRedis::start().await;
        let history = ScriptedHistory::default();
        let history_addr = serve_history(history.clone()).await;
        let consensus = RecordingConsensus::default();
        let consensus_addr = serve_consensus(
            consensus.clone(),
            TcpListener::bind("127.0.0.1:0").await.unwrap(),
        )
        .await;
        let mut config = SignalConfig::new(redis.url.clone());
        config.consumer_name = format!("test-{}", uuid_like());
        config.trade_history_addr = Some(format!("http://{history_addr}"));
        config.consensus_engine_addr = Some(format!("http://{consensus_addr}"));
        config.voter_advertise_addr = Some(ADVERTISED.into());
        adjust(&mut config);
        let definition = SignalServiceDef {
            service: name,
            strategy,
        };
        let server = serve(name, &config, definition).await;
        let harness = Self {
            signals: SignalSourceClient::new(server.channel()),
            voter: VoterClient::new(server.channel()),
            redis,
            server,
            history,
            consensus,
            config,
            definition,
        };
        harness.wait_for_group().await;
        harness
    }

    /// Stops the service and starts it again on the same Redis and peers.
    pub async fn restart(mut self) -> Self {
        self.server.stop().await.unwrap();
        self.server = serve(self.definition.service, &self.config, self.definition).await;
        self.signals = SignalSourceClient::new(self.server.channel());
        self.voter = VoterClient::new(self.server.channel());
        self
    }

    pub fn request<T>(&self, message: T) -> tonic::Request<T> {
        self.server.request(message, &["viewer"])
    }

    pub fn request_as<T>(&self, message: T, roles: &[&str]) -> tonic::Request<T> {
        self.server.request(message, roles)
    }

    /// Publishes closed candles as trade-history does.
    pub async fn publish(&self, events: &[CandleClosed]) {
        let bus = Bus::connect(&self.redis.url, "quorum").await.unwrap();
        for event in events {
            bus.publish(quorum_domain::topics::MARKET_CANDLES, event)
                .await
                .unwrap();
        }
    }

    /// The consumer group starts at the newest message: events published before it
    /// exists would never be seen.
    async fn wait_for_group(&self) {
        self.wait_for_consumer("the consumer group", |_| true).await;
    }

    /// Waits until the service's consumer group has handled everything published.
    pub async fn wait_until_consumed(&self) {
        self.wait_for_consumer("every candle handled", |group| {
            group.lag == Some(0) && group.pending == 0
        })
        .await;
    }

    async fn wait_for_consumer(
        &self,
        what: &str,
        done: impl Fn(&redis::streams::StreamInfoGroup) -> bool,
    ) {
        let group = format!("{}-{}", self.definition.service, self.config.consumer_name);
        let client = redis::Client::open(self.redis.url.as_str()).unwrap();
        let connection = client.get_multiplexed_async_connection().await.unwrap();
        let done = &done;
        eventually(&format!("{what} (group {group})"), PATIENCE, || {
            let mut connection = connection.clone();
            let group = group.clone();
            async move {
                let reply: redis::streams::StreamInfoGroupsReply =
                    redis::AsyncCommands::xinfo_groups(&mut connection, "quorum:md.candles")
                        .await
                        .ok()?;
                reply
                    .groups
                    .iter()
                    .any(|entry| entry.name == group && done(entry))
                    .then_some(())
            }
        })
        .await;
    }
}

async fn serve(
    name: &'static str,
    config: &SignalConfig,
    definition: SignalServiceDef,
) -> TestServer {
    let config = config.clone();
    TestServer::start(name, KitConfig::for_tests(), move |kit| {
        start(kit, config, definition)
    })
    .await
}

fn uuid_like() -> String {
    format!(
        "{:x}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    )
}

fn decimal(value: f64) -> Decimal {
    use rust_decimal::prelude::FromPrimitive;
    Decimal::from_f64(value).unwrap().round_dp(6)
}

/// Candles through `closes` from `START_MS + first * INTERVAL_MS`: each opens at the
/// previous close and reaches 0.1 % beyond open and close; volume 10.
pub fn candles_from(first: usize, closes: &[f64]) -> Vec<Candle> {
    let mut previous = closes.first().copied().unwrap_or(100.0);
    closes
        .iter()
        .enumerate()
        .map(|(index, close)| {
            let open = previous;
            previous = *close;
            Candle {
                open_time_ms: START_MS + (first + index) as i64 * INTERVAL_MS,
                open: decimal(open),
                high: decimal(open.max(*close) * 1.001),
                low: decimal(open.min(*close) * 0.999),
                close: decimal(*close),
                volume: decimal(10.0),
                quote_volume: decimal(10.0 * close),
                trade_count: 5,
            }
        })
        .collect()
}

/// A steady trend of `bars` closes from 100 changing by `step` per bar.
pub fn trend(bars: usize, step: f64) -> Vec<f64> {
    (0..bars)
        .map(|index| 100.0 * (1.0 + step).powi(index as i32))
        .collect()
}

pub fn proto(candles: &[Candle]) -> Vec<quorum_proto::market::v1::Candle> {
    candles.iter().map(quorum_domain::convert::candle).collect()
}

pub fn closed(venue: Venue, symbol: &str, candle: &Candle) -> CandleClosed {
    CandleClosed {
        venue,
        symbol: symbol.parse().unwrap(),
        interval: "1m".into(),
        candle: candle.clone(),
        closed_at_ms: candle.open_time_ms + INTERVAL_MS,
    }
}

/// The fields named in an INVALID_ARGUMENT's BadRequest.
pub fn violated_fields(status: &tonic::Status) -> Vec<String> {
    use tonic_types::StatusExt;
    status
        .get_error_details()
        .bad_request()
        .map(|bad| {
            bad.field_violations
                .iter()
                .map(|violation| violation.field.clone())
                .collect()
        })
        .unwrap_or_default()
}
