//! Creating, starting, stopping and listing strategies: roles, bad requests, pages.
use quorum_proto::trading::v1 as pb;
use quorum_proto::trading::v1::StrategyState;
use tonic::Code;
use tonic_types::StatusExt;

use crate::harness::{Harness, spec};

fn fields(status: &tonic::Status) -> Vec<String> {
    status
        .get_error_details()
        .bad_request()
        .map(|bad| {
            bad.field_violations
                .iter()
                .map(|v| v.field.clone())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn changing_strategies_needs_the_trader_role_and_reading_any_token() {
    let harness = Harness::start().await;
    let mut client = harness.client.clone();
    let status = client
        .create_strategy(pb::CreateStrategyRequest { spec: Some(spec()) })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated);
    let status = client
        .create_strategy(harness.request(
            pb::CreateStrategyRequest { spec: Some(spec()) },
            &["viewer"],
        ))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied);
    let id = harness.running_strategy().await;
    let listed = client
        .list_strategies(harness.request(pb::ListStrategiesRequest {}, &["viewer"]))
        .await
        .unwrap()
        .into_inner()
        .strategies;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].strategy_id, id);
    assert_eq!(listed[0].state(), StrategyState::Running);
    assert_eq!(listed[0].spec.as_ref().unwrap().lookback, 20);
}

#[tokio::test]
async fn bad_specs_name_their_fields_and_unknown_ids_are_not_found() {
    let harness = Harness::start().await;
    let mut client = harness.client.clone();
    let mut bad = spec();
    bad.symbol = "BTCUSDT".into();
    bad.voters.clear();
    bad.interval = "2m".into();
    let status = client
        .create_strategy(
            harness.request(pb::CreateStrategyRequest { spec: Some(bad) }, &["trader"]),
        )
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    let named = fields(&status);
    for field in ["spec.symbol", "spec.voters", "spec.interval"] {
        assert!(
            named.contains(&field.to_string()),
            "{field} missing in {named:?}"
        );
    }
    let status = client
        .start_strategy(harness.request(
            pb::StartStrategyRequest {
                strategy_id: "nope".into(),
            },
            &["trader"],
        ))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound);
    let status = client
        .list_runs(harness.request(
            pb::ListRunsRequest {
                strategy_id: harness.running_strategy().await,
                page: Some(quorum_proto::common::v1::PageRequest {
                    page_size: 10,
                    page_token: "garbage".into(),
                }),
            },
            &["viewer"],
        ))
        .await
        .unwrap_err();
    assert_eq!(fields(&status), ["page.page_token"]);
}

#[tokio::test]
async fn a_stopped_strategy_ignores_candles_and_runs_page_newest_first() {
    let harness = Harness::start().await;
    let id = harness.running_strategy().await;
    for bars_ago in [3, 2, 1] {
        harness.publish_candle(bars_ago, 50_000).await;
    }
    let runs = harness.finished_runs(&id, 3).await;
    assert!(
        runs.windows(2)
            .all(|pair| pair[0].candle_open_unix_ms > pair[1].candle_open_unix_ms)
    );
    let mut client = harness.client.clone();
    let first = client
        .list_runs(harness.request(
            pb::ListRunsRequest {
                strategy_id: id.clone(),
                page: Some(quorum_proto::common::v1::PageRequest {
                    page_size: 2,
                    page_token: String::new(),
                }),
            },
            &["viewer"],
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(first.runs.len(), 2);
    let second = client
        .list_runs(harness.request(
            pb::ListRunsRequest {
                strategy_id: id.clone(),
                page: Some(quorum_proto::common::v1::PageRequest {
                    page_size: 2,
                    page_token: first.next_page_token,
                }),
            },
            &["viewer"],
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(second.runs.len(), 1);
    assert!(second.next_page_token.is_empty());
    assert_eq!(second.runs[0].run_id, runs[2].run_id);

    let stopped = client
        .stop_strategy(harness.request(
            pb::StopStrategyRequest {
                strategy_id: id.clone(),
            },
            &["trader"],
        ))
        .await
        .unwrap()
        .into_inner()
        .strategy
        .unwrap();
    assert_eq!(stopped.state(), StrategyState::Stopped);
    harness.publish_candle(0, 50_000).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(harness.runs(&id).await.len(), 3);
}
