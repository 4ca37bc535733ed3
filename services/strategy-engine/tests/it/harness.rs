//! The service with scripted peers, a bus to publish candles on, and polling helpers.
use std::time::{Duration, Instant};

use quorum_bus::Bus;
use quorum_domain::topics::MARKET_CANDLES;
use quorum_kit::KitConfig;
use quorum_proto::trading::v1 as pb;
use quorum_proto::trading::v1::strategy_engine_service_client::StrategyEngineServiceClient;
use quorum_testkit::fakes::{
    FakeCompliance, FakeConsensus, FakeExchange, FakeRisk, FakeTradeHistory,
};
use quorum_testkit::strategy::{EnginePeers, closed_candle};
use quorum_testkit::{TestDatabase, TestRedis, TestServer};
use tonic::transport::Channel;

pub use quorum_testkit::strategy::{INTERVAL_MS, spec};

pub struct Harness {
    pub server: TestServer,
    pub client: StrategyEngineServiceClient<Channel>,
    pub exchange: FakeExchange,
    pub consensus: FakeConsensus,
    pub risk: FakeRisk,
    pub compliance: FakeCompliance,
    pub history: FakeTradeHistory,
    pub bus: Bus,
    pub redis: TestRedis,
    _database: TestDatabase,
}

impl Harness {
    pub async fn start() -> Self {
        let EnginePeers {
            exchange,
            consensus,
            risk,
            compliance,
            history,
            urls,
        } = EnginePeers::serve().await;
        let database = TestDatabase::create().await;
        let redis = TestRedis::start().await;
        let config = strategy_engine::Config::new(database.url.clone(), redis.url.clone());
        let server = TestServer::start_with_peers(
            strategy_engine::SERVICE,
            KitConfig::for_tests(),
            urls,
            move |kit| strategy_engine::start(kit, config),
        )
        .await;
        let client = StrategyEngineServiceClient::new(server.channel());
        let bus = Bus::connect(&redis.url, "quorum").await.unwrap();
        let harness = Self {
            server,
            client,
            exchange,
            consensus,
            risk,
            compliance,
            history,
            bus,
            redis,
            _database: database,
        };
        harness.redis.wait_for_group("quorum:md.candles").await;
        harness
    }

    pub fn request<T>(&self, message: T, roles: &[&str]) -> tonic::Request<T> {
        self.server.request(message, roles)
    }

    /// Creates and starts a BTC-USDT 5 s strategy on binance with 10 000 USDT and 10 %
    /// fixed-fraction sizing.
    pub async fn running_strategy(&self) -> String {
        let mut client = self.client.clone();
        let created = client
            .create_strategy(self.request(
                pb::CreateStrategyRequest { spec: Some(spec()) },
                &["trader"],
            ))
            .await
            .unwrap()
            .into_inner()
            .strategy
            .unwrap();
        client
            .start_strategy(self.request(
                pb::StartStrategyRequest {
                    strategy_id: created.strategy_id.clone(),
                },
                &["trader"],
            ))
            .await
            .unwrap();
        created.strategy_id
    }

    /// Publishes the closed 5 s candle that opened `bars_ago` intervals before the
    /// current one; returns its open time.
    pub async fn publish_candle(&self, bars_ago: i64, close: i64) -> i64 {
        let now = chrono::Utc::now().timestamp_millis();
        let open = (now / INTERVAL_MS - bars_ago) * INTERVAL_MS;
        self.publish_candle_at(open, close).await;
        open
    }

    pub async fn publish_candle_at(&self, open: i64, close: i64) {
        let event = closed_candle(open, close);
        self.bus.publish(MARKET_CANDLES, &event).await.unwrap();
    }

    pub async fn runs(&self, strategy_id: &str) -> Vec<pb::StrategyRun> {
        let mut client = self.client.clone();
        client
            .list_runs(self.request(
                pb::ListRunsRequest {
                    strategy_id: strategy_id.into(),
                    page: None,
                },
                &["viewer"],
            ))
            .await
            .unwrap()
            .into_inner()
            .runs
    }

    /// Waits until the strategy has `count` finished runs; returns them, newest first.
    pub async fn finished_runs(&self, strategy_id: &str, count: usize) -> Vec<pb::StrategyRun> {
        let started = Instant::now();
        loop {
            let runs = self.runs(strategy_id).await;
            let finished: Vec<_> = runs
                .iter()
                .filter(|run| run.finished_unix_ms > 0)
                .cloned()
                .collect();
            if finished.len() >= count {
                return finished;
            }
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "{count} finished runs expected, have {runs:?}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    pub async fn strategy(&self, strategy_id: &str) -> pb::Strategy {
        let mut client = self.client.clone();
        client
            .get_strategy(self.request(
                pb::GetStrategyRequest {
                    strategy_id: strategy_id.into(),
                },
                &["viewer"],
            ))
            .await
            .unwrap()
            .into_inner()
            .strategy
            .unwrap()
    }

    /// Waits until the strategy's state is `state`; returns it.
    pub async fn wait_state(&self, strategy_id: &str, state: pb::StrategyState) -> pb::Strategy {
        let started = Instant::now();
        loop {
            let strategy = self.strategy(strategy_id).await;
            if strategy.state() == state {
                return strategy;
            }
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "state {state:?} expected: {strategy:?}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}
