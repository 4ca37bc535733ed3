//! GetParams and SetParams: validation that changes nothing on a bad value, roles,
//! persistence across a restart, and the audit event.
use std::collections::HashMap;

use quorum_proto::trading::v1::{GetParamsRequest, GetParamsResponse, SetParamsRequest};
use tonic::Code;

use crate::harness::{Harness, violated_fields};

async fn params(harness: &Harness) -> GetParamsResponse {
    harness
        .signals
        .clone()
        .get_params(harness.request(GetParamsRequest {}))
        .await
        .unwrap()
        .into_inner()
}

fn value(response: &GetParamsResponse, name: &str) -> f64 {
    response
        .params
        .iter()
        .find(|param| param.name == name)
        .unwrap_or_else(|| panic!("{name} is not listed"))
        .value
}

fn set(values: &[(&str, f64)]) -> SetParamsRequest {
    SetParamsRequest {
        values: values
            .iter()
            .map(|(name, value)| (name.to_string(), *value))
            .collect::<HashMap<_, _>>(),
    }
}

#[tokio::test]
async fn params_are_listed_with_their_ranges() {
    let harness = Harness::start().await;
    let listed = params(&harness).await;
    let roc = listed
        .params
        .iter()
        .find(|param| param.name == "roc_period")
        .unwrap();
    assert_eq!(
        (roc.value, roc.min, roc.max, roc.integer),
        (10.0, 1.0, 500.0, true)
    );
    assert!(!roc.description.is_empty());
    assert_eq!(listed.params.len(), 7);
    assert_eq!(listed.version.len(), 16);
}

#[tokio::test]
async fn a_bad_value_is_invalid_names_the_param_and_changes_nothing() {
    let harness = Harness::start().await;
    let before = params(&harness).await;
    let status = harness
        .signals
        .clone()
        .set_params(harness.request_as(set(&[("roc_period", 2.5), ("adx_min", 25.0)]), &["trader"]))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert_eq!(violated_fields(&status), ["values[roc_period]"]);
    assert!(
        status.message().contains("whole number"),
        "{}",
        status.message()
    );

    let status = harness
        .signals
        .clone()
        .set_params(harness.request_as(set(&[("fast_period", 40.0)]), &["trader"]))
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&status), ["values[fast_period]"]);

    let status = harness
        .signals
        .clone()
        .set_params(harness.request_as(set(&[("colour", 1.0)]), &["trader"]))
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&status), ["values[colour]"]);

    let after = params(&harness).await;
    assert_eq!(after.version, before.version);
    assert_eq!(value(&after, "adx_min"), 20.0);
}

#[tokio::test]
async fn only_traders_change_params() {
    let harness = Harness::start().await;
    let status = harness
        .signals
        .clone()
        .set_params(harness.request(set(&[("adx_min", 25.0)])))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied);
}

#[tokio::test]
async fn a_change_is_audited_and_survives_a_restart() {
    let harness = Harness::start().await;
    let before = params(&harness).await;
    let changed = harness
        .signals
        .clone()
        .set_params(
            harness.request_as(set(&[("adx_min", 25.0), ("roc_period", 12.0)]), &["trader"]),
        )
        .await
        .unwrap()
        .into_inner();
    assert_ne!(changed.version, before.version);
    assert!(
        changed
            .params
            .iter()
            .any(|param| param.name == "adx_min" && param.value == 25.0)
    );

    // The audit event went to the bus in the same transaction as the stored values.
    let client = redis::Client::open(harness.redis.url.as_str()).unwrap();
    let mut connection = client.get_multiplexed_async_connection().await.unwrap();
    let entries: redis::streams::StreamRangeReply =
        redis::AsyncCommands::xrange_all(&mut connection, "quorum:audit")
            .await
            .unwrap();
    assert_eq!(entries.ids.len(), 1);
    let data: String = entries.ids[0].get("data").unwrap();
    let event: quorum_bus::events::AuditEvent = serde_json::from_str(&data).unwrap();
    assert_eq!(event.action, "strategy.set_params");
    assert_eq!(event.resource, "strategy:momentum-trader");
    assert_eq!(event.actor, "test-user");
    assert_eq!(event.details["changes"]["adx_min"]["from"], 20.0);
    assert_eq!(event.details["changes"]["adx_min"]["to"], 25.0);
    assert_eq!(event.details["version_after"], changed.version.as_str());

    let harness = harness.restart().await;
    let restored = params(&harness).await;
    assert_eq!(restored.version, changed.version);
    assert_eq!(value(&restored, "roc_period"), 12.0);
}

#[tokio::test]
async fn without_redis_nothing_changes() {
    let mut harness = Harness::start().await;
    let before = params(&harness).await;
    harness.redis.kill();
    let status = harness
        .signals
        .clone()
        .set_params(harness.request_as(set(&[("adx_min", 30.0)]), &["admin"]))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unavailable);
    assert!(
        status.message().contains("nothing changed"),
        "{}",
        status.message()
    );
    assert_eq!(params(&harness).await.version, before.version);
}
