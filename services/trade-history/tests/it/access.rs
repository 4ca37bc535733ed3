//! Who may call what, and bad configuration.
use quorum_kit::{ConfigError, Kit, KitConfig};
use quorum_proto::market::v1::Venue;
use quorum_proto::marketdata::v1::{GetCandlesRequest, ImportTradesRequest, QueryTradesRequest};
use tonic::Code;
use trade_history::{Config, SERVICE, start};

use crate::harness::{DAY_START, Harness, range, trade};

fn one_trade() -> Vec<ImportTradesRequest> {
    vec![ImportTradesRequest {
        trades: vec![trade(Venue::Binance, "BTC-USDT", "1", DAY_START, "1", "1")],
    }]
}

#[tokio::test]
async fn calls_without_a_token_are_unauthenticated() {
    let mut harness = Harness::start().await;
    let status = harness
        .client
        .query_trades(QueryTradesRequest {
            symbol: "BTC-USDT".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated);
    let status = harness
        .client
        .get_candles(GetCandlesRequest {
            symbol: "BTC-USDT".into(),
            interval: "1h".into(),
            range: range(DAY_START, DAY_START + 3_600_000),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated);
    let status = harness
        .client
        .import_trades(tokio_stream::iter(one_trade()))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated);
    assert_eq!(harness.stored().await, 0);
}

#[tokio::test]
async fn only_importers_and_admins_import() {
    let mut harness = Harness::start().await;
    let request = harness
        .server
        .request(tokio_stream::iter(one_trade()), &["trader"]);
    let status = harness.client.import_trades(request).await.unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied);
    assert_eq!(harness.stored().await, 0);

    let request = harness
        .server
        .request(tokio_stream::iter(one_trade()), &["admin"]);
    let response = harness.client.import_trades(request).await.unwrap();
    assert_eq!(response.into_inner().inserted, 1);

    // Any valid token may read.
    let page = harness
        .query(QueryTradesRequest {
            symbol: "BTC-USDT".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(page.trades.len(), 1);
}

#[tokio::test]
async fn a_database_url_that_is_not_postgres_is_a_config_error() {
    let config = Config::new("mysql://root@localhost/trades", "redis://127.0.0.1:6379");
    let kit = Kit::new(SERVICE, KitConfig::for_tests());
    let error = start(kit, config).await.err().expect("start must fail");
    let config_error = error.downcast_ref::<ConfigError>().expect("a ConfigError");
    assert_eq!(config_error.variable, "DATABASE_URL");
}
