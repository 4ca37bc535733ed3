//! Evaluate over real gRPC on hand-made candles: the signal, and bad requests named.
use quorum_proto::market::v1::Venue as ProtoVenue;
use quorum_proto::trading::v1::{Direction, EvaluateRequest};
use quorum_strategies::MeanReversion;
use tonic::Code;

use crate::harness::{Harness, candles_from, proto, trend, violated_fields};

fn request(closes: &[f64]) -> EvaluateRequest {
    EvaluateRequest {
        symbol: "btc-usdt".into(),
        venue: ProtoVenue::Binance.into(),
        interval: "1m".into(),
        candles: proto(&candles_from(0, closes)),
        pair_symbol: String::new(),
        pair_candles: vec![],
    }
}

#[tokio::test]
async fn an_uptrend_evaluates_long_with_reasons() {
    let harness = Harness::start().await;
    let closes = trend(80, 0.005);
    let response = harness
        .signals
        .clone()
        .evaluate(harness.request(request(&closes)))
        .await
        .unwrap()
        .into_inner();
    let signal = response.signal.unwrap();
    assert_eq!(signal.direction(), Direction::Long);
    assert_eq!(signal.symbol, "BTC-USDT");
    assert_eq!(signal.venue, i32::from(ProtoVenue::Binance));
    assert_eq!(signal.interval, "1m");
    assert!(
        signal.strength > 0.3 && signal.strength <= 1.0,
        "{}",
        signal.strength
    );
    assert!((0.0..=1.0).contains(&signal.confidence));
    assert!(
        signal
            .reasons
            .iter()
            .any(|reason| reason.starts_with("ROC(10) = ")),
        "{:?}",
        signal.reasons
    );
    assert_eq!(signal.strategy, "momentum");
    assert_eq!(signal.params_version.len(), 16);
    assert_eq!(signal.horizon_bars, 10);
    assert_eq!(signal.horizon_ms, 600_000);
    assert!(signal.facts["adx"] > 20.0);
    let last_open = crate::harness::START_MS + 79 * crate::harness::INTERVAL_MS;
    assert_eq!(
        signal.as_of_unix_ms,
        last_open + crate::harness::INTERVAL_MS
    );

    // Too few candles is a FLAT saying so, not an error.
    let short = harness
        .signals
        .clone()
        .evaluate(harness.request(request(&closes[..5])))
        .await
        .unwrap()
        .into_inner()
        .signal
        .unwrap();
    assert_eq!(short.direction(), Direction::Flat);
    assert!(
        short.reasons[0].contains("warming up: 5 of the 30"),
        "{:?}",
        short.reasons
    );
}

#[tokio::test]
async fn bad_candles_and_fields_are_named() {
    let harness = Harness::start().await;
    let closes = trend(40, 0.005);

    let mut broken = request(&closes);
    broken.candles[3].high = Some(quorum_proto::common::v1::Decimal { value: "1".into() });
    let status = harness
        .signals
        .clone()
        .evaluate(harness.request(broken))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert_eq!(violated_fields(&status), ["candles[3].high"]);

    let mut gap = request(&closes);
    gap.candles.remove(5);
    let status = harness
        .signals
        .clone()
        .evaluate(harness.request(gap))
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&status), ["candles[5].open_time_unix_ms"]);
    assert!(
        status.message().contains("gap of 1"),
        "{}",
        status.message()
    );

    let mut unparsable = request(&closes);
    unparsable.candles[0].close = None;
    unparsable.symbol = "BTCUSDT".into();
    unparsable.interval = "1 fortnight".into();
    let status = harness
        .signals
        .clone()
        .evaluate(harness.request(unparsable))
        .await
        .unwrap_err();
    assert_eq!(
        violated_fields(&status),
        ["symbol", "interval", "candles[0].close"]
    );

    let mut empty = request(&closes);
    empty.candles.clear();
    empty.pair_symbol = "ETH-USDT".into();
    let status = harness
        .signals
        .clone()
        .evaluate(harness.request(empty))
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&status), ["candles", "pair_symbol"]);
    assert!(
        status.message().contains("no pairs mode"),
        "{}",
        status.message()
    );
}

#[tokio::test]
async fn calls_without_a_token_are_unauthenticated() {
    let harness = Harness::start().await;
    let status = harness
        .signals
        .clone()
        .evaluate(request(&trend(40, 0.005)))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated);
}

#[tokio::test]
async fn mean_reversion_evaluates_pairs() {
    let harness = Harness::start_with("mean-reversion", &MeanReversion, |config| {
        config.register_voter = false;
    })
    .await;
    let xs: Vec<f64> = (0..220)
        .map(|index| 50.0 + 5.0 * (index as f64 / 17.0).sin())
        .collect();
    let ys: Vec<f64> = xs
        .iter()
        .enumerate()
        .map(|(index, x)| x * 2.0 * (0.01 * (index as f64 * 2.1).sin()).exp())
        .collect();
    let mut pairs = request(&ys);
    pairs.pair_symbol = "ETH-USDT".into();
    pairs.pair_candles = proto(&candles_from(0, &xs));
    let signal = harness
        .signals
        .clone()
        .evaluate(harness.request(pairs.clone()))
        .await
        .unwrap()
        .into_inner()
        .signal
        .unwrap();
    assert_eq!(signal.strategy, "mean-reversion");
    assert!(
        (signal.facts["hedge_ratio"] - 1.0).abs() < 0.1,
        "{:?}",
        signal.facts
    );
    assert!(
        signal
            .reasons
            .iter()
            .any(|reason| reason.contains("spread")),
        "{:?}",
        signal.reasons
    );

    pairs.pair_candles.pop();
    let status = harness
        .signals
        .clone()
        .evaluate(harness.request(pairs))
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&status), ["pair_candles"]);
}
