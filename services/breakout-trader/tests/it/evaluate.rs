//! Evaluate of breakout-trader: a range, then a breakout on volume.
use quorum_proto::trading::v1::{Direction, EvaluateRequest};

use crate::harness::{Harness, candle};

#[tokio::test]
async fn a_breakout_with_volume_is_long_with_stop_and_target() {
    let harness = Harness::start(breakout_trader::definition()).await;
    let mut candles: Vec<_> = (0..40)
        .map(|index| {
            let close = if index % 2 == 0 { 99.5 } else { 100.5 };
            candle(index, 100.0, 101.0, 99.0, close, 10.0)
        })
        .collect();
    candles.push(candle(40, 100.5, 103.2, 100.0, 103.0, 30.0));
    let request = EvaluateRequest {
        symbol: "SOL-USDT".into(),
        interval: "1m".into(),
        candles,
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
    assert_eq!(signal.strategy, "breakout");
    assert_eq!(signal.stop_price.unwrap().value, "99");
    assert_eq!(signal.target_price.unwrap().value, "109");
}
