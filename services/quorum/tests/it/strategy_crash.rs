//! strategy-engine killed between Decide and PlaceOrder (and just after PlaceOrder):
//! the real binary stops itself at the crash point as kill -9 would; a restarted engine
//! settles the run with the venue and never sends the order twice.
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use quorum_bus::Bus;
use quorum_domain::topics::MARKET_CANDLES;
use quorum_proto::trading::v1 as pb;
use quorum_proto::trading::v1::strategy_engine_service_client::StrategyEngineServiceClient;
use quorum_testkit::fakes::FakeExchangeState;
use quorum_testkit::strategy::{EnginePeers, INTERVAL_MS, closed_candle, spec};
use quorum_testkit::{TestDatabase, TestRedis};
use tonic::transport::Channel;

use crate::{free_port, quorum};

/// The engine's peers, and the variables that point the binary at them.
struct Peers {
    served: EnginePeers,
    env: Vec<(String, String)>,
}

async fn peers() -> Peers {
    let served = EnginePeers::serve().await;
    let env = served
        .urls
        .iter()
        .map(|(service, url)| (quorum_catalog::address_env_var(service), url.clone()))
        .collect();
    Peers { served, env }
}

struct Engine {
    child: Child,
    grpc: u16,
}

impl Drop for Engine {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_engine(
    database: &TestDatabase,
    redis: &TestRedis,
    peers: &Peers,
    crash_at: &str,
) -> Engine {
    let grpc = free_port();
    let mut command: Command = quorum();
    command
        .arg("strategy-engine")
        .env("DATABASE_URL", &database.url)
        .env("REDIS_URL", &redis.url)
        .env("QUORUM_AUTH", "disabled")
        .env("QUORUM_GRPC_ADDR", format!("127.0.0.1:{grpc}"))
        .env("QUORUM_ADMIN_ADDR", format!("127.0.0.1:{}", free_port()))
        .env("QUORUM_STRATEGY_ENGINE_CRASH_AT", crash_at)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    for (name, value) in &peers.env {
        command.env(name, value);
    }
    Engine {
        child: command.spawn().unwrap(),
        grpc,
    }
}

async fn client(engine: &Engine) -> StrategyEngineServiceClient<Channel> {
    let started = Instant::now();
    loop {
        let channel = Channel::from_shared(format!("http://127.0.0.1:{}", engine.grpc)).unwrap();
        if let Ok(channel) = channel.connect().await {
            let mut client = StrategyEngineServiceClient::new(channel);
            if client
                .list_strategies(pb::ListStrategiesRequest {})
                .await
                .is_ok()
            {
                return client;
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "strategy-engine did not come up"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn wait_exit(engine: &mut Engine) -> ExitStatus {
    let started = Instant::now();
    loop {
        if let Some(status) = engine.child.try_wait().unwrap() {
            return status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the engine did not stop at its crash point"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn running_strategy(client: &mut StrategyEngineServiceClient<Channel>) -> String {
    let spec = pb::StrategySpec {
        name: "crash".into(),
        voters: vec!["momentum-trader".into()],
        lookback: 10,
        ..spec()
    };
    let id = client
        .create_strategy(pb::CreateStrategyRequest { spec: Some(spec) })
        .await
        .unwrap()
        .into_inner()
        .strategy
        .unwrap()
        .strategy_id;
    client
        .start_strategy(pb::StartStrategyRequest {
            strategy_id: id.clone(),
        })
        .await
        .unwrap();
    id
}

async fn publish_candle(bus: &Bus, open: i64) {
    let event = closed_candle(open, 50_000);
    bus.publish(MARKET_CANDLES, &event).await.unwrap();
}

async fn settled_run(
    client: &mut StrategyEngineServiceClient<Channel>,
    id: &str,
) -> pb::StrategyRun {
    let started = Instant::now();
    loop {
        let runs = client
            .list_runs(pb::ListRunsRequest {
                strategy_id: id.into(),
                page: None,
            })
            .await
            .unwrap()
            .into_inner()
            .runs;
        if let [run] = runs.as_slice()
            && run.finished_unix_ms > 0
        {
            return run.clone();
        }
        assert!(runs.len() <= 1, "one run expected: {runs:?}");
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the run was not settled: {runs:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Kills the engine at `crash_at` on one candle, restarts it, and returns the settled
/// run and the exchange's state after the same candle was delivered once more.
async fn crash_and_restart(crash_at: &str) -> (pb::StrategyRun, FakeExchangeState) {
    let database = TestDatabase::create().await;
    let redis = TestRedis::start().await;
    let peers = peers().await;
    let bus = Bus::connect(&redis.url, "quorum").await.unwrap();

    let mut engine = start_engine(&database, &redis, &peers, crash_at);
    let mut api = client(&engine).await;
    let id = running_strategy(&mut api).await;
    redis.wait_for_group("quorum:md.candles").await;
    let open = (chrono::Utc::now().timestamp_millis() / INTERVAL_MS - 1) * INTERVAL_MS;
    publish_candle(&bus, open).await;
    let status = wait_exit(&mut engine).await;
    assert!(
        !status.success(),
        "the engine should have died at {crash_at}: {status:?}"
    );
    drop(engine);

    let engine = start_engine(&database, &redis, &peers, "");
    let mut api = client(&engine).await;
    let run = settled_run(&mut api, &id).await;
    // The candle again (a redelivery): nothing new happens.
    publish_candle(&bus, open).await;
    publish_candle(&bus, open + INTERVAL_MS).await;
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let runs = api
        .list_runs(pb::ListRunsRequest {
            strategy_id: id.clone(),
            page: None,
        })
        .await
        .unwrap()
        .into_inner()
        .runs;
    assert_eq!(
        runs.iter()
            .filter(|r| r.candle_open_unix_ms == open)
            .count(),
        1,
        "{runs:?}"
    );
    (run, peers.served.exchange.snapshot())
}

#[tokio::test]
async fn killed_between_decide_and_place_order_no_order_is_ever_sent_for_that_decision() {
    let (run, exchange) = crash_and_restart("before-order").await;
    assert_eq!(run.outcome(), pb::RunOutcome::Failed, "{run:?}");
    assert!(run.detail.contains("not sent again"), "{}", run.detail);
    assert!(
        !exchange.orders.contains_key(&run.client_order_id),
        "{exchange:?}"
    );
}

#[tokio::test]
async fn killed_right_after_place_order_the_order_is_found_and_not_placed_twice() {
    let (run, exchange) = crash_and_restart("after-order").await;
    assert_eq!(run.outcome(), pb::RunOutcome::OrderPlaced, "{run:?}");
    assert!(run.detail.contains("found at the venue"), "{}", run.detail);
    let order = &exchange.orders[&run.client_order_id];
    assert_eq!(run.order_id, order.order_id);
    let same_decision = exchange
        .orders
        .values()
        .filter(|o| o.client_order_id == run.client_order_id)
        .count();
    assert_eq!(same_decision, 1);
}
