//! Start-up refusals: bad configuration never gets as far as serving.
use std::sync::Arc;

use quorum_connector::{BinanceEnv, Config, MarketSource, OkxEnv, TradingMode};
use quorum_kit::{ConfigError, Kit, KitConfig};
use quorum_proto::exchange::v1::ListInstrumentsRequest;
use tonic::Code;

use crate::harness::{Harness, PATIENCE, Servers, eventually};

/// Settings that pass the checks but name servers nobody listens on: a refusal must come
/// before anything connects.
fn unreachable_config<V: quorum_connector::VenueEnv>() -> Config<V> {
    Config::new("postgres://quorum@127.0.0.1:1/none", "redis://127.0.0.1:1")
}

async fn refusal<V: quorum_connector::VenueEnv>(
    config: Config<V>,
    protocol: Arc<dyn quorum_venues::VenueProtocol>,
) -> ConfigError {
    let kit = Kit::new("binance-api", KitConfig::for_tests());
    let error = quorum_connector::start(kit, config, protocol)
        .await
        .err()
        .expect("the connector must refuse to start");
    error
        .downcast::<ConfigError>()
        .expect("a configuration error, so the kit exits 64")
}

#[tokio::test]
async fn live_trading_without_credentials_refuses_to_start() {
    let mut config = unreachable_config::<BinanceEnv>();
    config.market.trading_mode = TradingMode::Live;
    config.market.market_source = MarketSource::Live;
    let error = refusal(config, Arc::new(quorum_venues::binance::Binance)).await;
    assert_eq!(error.variable, "BINANCE_API_KEY");
    assert!(
        error.problem.contains("QUORUM_TRADING_MODE=live"),
        "{error}"
    );
}

#[tokio::test]
async fn a_service_given_another_venue_protocol_refuses_to_start() {
    let config = unreachable_config::<OkxEnv>();
    let error = refusal(config, Arc::new(quorum_venues::binance::Binance)).await;
    assert!(error.problem.contains("binance protocol"), "{error}");
}

#[tokio::test]
async fn a_replay_file_that_does_not_read_refuses_to_start() {
    let file =
        std::env::temp_dir().join(format!("quorum-bad-replay-{}.jsonl", uuid::Uuid::new_v4()));
    std::fs::write(&file, "this is not a record\n").unwrap();
    let mut config = unreachable_config::<BinanceEnv>();
    config.market.market_source = MarketSource::Replay;
    config.market.replay_path = Some(file.clone());
    let error = refusal(config, Arc::new(quorum_venues::binance::Binance)).await;
    let _ = std::fs::remove_file(file);
    assert_eq!(error.variable, "QUORUM_REPLAY_PATH");
    assert!(error.problem.contains("line 1"), "{error}");
}

#[tokio::test]
async fn symbols_the_venue_does_not_list_leave_the_service_up_but_refusing() {
    let servers = Servers::start().await;
    let mut config = servers.config::<BinanceEnv>();
    config.venue.symbols = "DOGE-USDT,PEPE-USDT".into();
    let harness = Harness::serve(servers, config, Arc::new(quorum_venues::binance::Binance)).await;
    let status = eventually("the runtime to give up on the symbols", PATIENCE, || {
        let mut client = harness.client.clone();
        let request = harness.request(ListInstrumentsRequest {}, &["viewer"]);
        async move {
            let status = client.list_instruments(request).await.err()?;
            (status.code() == Code::FailedPrecondition).then_some(status)
        }
    })
    .await;
    assert!(
        status.message().contains("QUORUM_SYMBOLS"),
        "{}",
        status.message()
    );
    assert!(
        status.message().contains("DOGE-USDT"),
        "{}",
        status.message()
    );
}
