//! Evaluate and GetParams of momentum-trader.
use quorum_proto::trading::v1::{Direction, EvaluateRequest, GetParamsRequest};

use crate::harness::{Harness, candles};

#[tokio::test]
async fn a_steady_uptrend_is_long() {
    let harness = Harness::start(momentum_trader::definition()).await;
    let closes: Vec<f64> = (0..80).map(|index| 100.0 * 1.005_f64.powi(index)).collect();
    let request = EvaluateRequest {
        symbol: "BTC-USDT".into(),
        interval: "1m".into(),
        candles: candles(&closes),
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
    assert_eq!(signal.strategy, "momentum");
    assert!(
        signal
            .reasons
            .iter()
            .any(|reason| reason.contains("ROC(10) = 5.11 % > 1.00 %")),
        "{:?}",
        signal.reasons
    );

    let params = harness
        .client
        .clone()
        .get_params(harness.request(GetParamsRequest {}))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(params.version, signal.params_version);
    assert!(params.params.iter().any(|param| param.name == "adx_min"));
}
