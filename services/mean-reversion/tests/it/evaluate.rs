//! Evaluate and GetParams of mean-reversion.
use quorum_proto::trading::v1::{Direction, EvaluateRequest, GetParamsRequest};

use crate::harness::{Harness, candles};

/// 240 closes reverting to 100 (AR(1), φ = 0.8) with a fixed pseudo-random wobble, then
/// a drop to 92.
fn spike_below() -> Vec<f64> {
    let mut level: f64 = 100.0;
    let mut closes: Vec<f64> = (0..240)
        .map(|index| {
            let wobble = ((f64::from(index) * 12.9898).sin() * 43_758.545_3).fract();
            level = 100.0 + 0.8 * (level - 100.0) + 0.5 * wobble;
            level
        })
        .collect();
    closes.push(92.0);
    closes
}

#[tokio::test]
async fn a_spike_below_the_band_of_a_reverting_series_is_long() {
    let harness = Harness::start(mean_reversion::definition()).await;
    let request = EvaluateRequest {
        symbol: "ETH-USDT".into(),
        interval: "1m".into(),
        candles: candles(&spike_below()),
        ..Default::default()
    };
    let signal = harness
        .client
        .clone()
        .evaluate(harness.request(request))
        .await
        .unwrap()
        .into_inner()
        .signal
        .unwrap();
    assert_eq!(signal.direction(), Direction::Long, "{:?}", signal.reasons);
    assert_eq!(signal.strategy, "mean-reversion");
    assert!(signal.facts["z_score"] < -2.0);
    assert!(signal.facts["rsi"] < 30.0);

    let params = harness
        .client
        .clone()
        .get_params(harness.request(GetParamsRequest {}))
        .await
        .unwrap()
        .into_inner();
    assert!(
        params
            .params
            .iter()
            .any(|param| param.name == "half_life_max")
    );
}
