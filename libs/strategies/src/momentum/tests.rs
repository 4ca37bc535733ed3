//! Momentum on hand-made series: trends trade their way, flat and trendless ones do not.
use super::*;
use crate::testing::{changes, context, says, series};
use crate::{Direction, Signal, evaluate};

fn signal_with(closes: &[f64], params: &Params) -> Signal {
    evaluate(&Momentum, params, context(), &series(closes), None).unwrap()
}

fn signal(closes: &[f64]) -> Signal {
    signal_with(closes, &Momentum.default_params())
}

fn trend(bars: usize, step: f64) -> Vec<f64> {
    (0..bars)
        .map(|index| 100.0 * (1.0 + step).powi(index as i32))
        .collect()
}

#[test]
fn a_steady_uptrend_is_long() {
    let signal = signal(&trend(80, 0.005));
    assert_eq!(signal.direction, Direction::Long, "{:?}", signal.reasons);
    assert!(signal.ready);
    assert!(
        signal.strength > 0.3 && signal.strength <= 1.0,
        "{}",
        signal.strength
    );
    assert!(signal.confidence > 0.8, "{}", signal.confidence);
    assert!(
        says(&signal, "ROC(10) = 5.11 % > 1.00 %"),
        "{:?}",
        signal.reasons
    );
    assert!(says(&signal, "above EMA(30)"), "{:?}", signal.reasons);
    assert!(signal.fact("adx").unwrap() > 20.0);
    assert_eq!(signal.horizon_bars, 10);
    assert_eq!(signal.horizon_ms, 10 * crate::testing::INTERVAL_MS);
    assert_eq!(signal.strategy, "momentum");
}

#[test]
fn a_steady_downtrend_is_short() {
    let signal = signal(&trend(80, -0.005));
    assert_eq!(signal.direction, Direction::Short, "{:?}", signal.reasons);
    assert!(signal.strength < -0.3, "{}", signal.strength);
    assert!(says(&signal, "< -1.00 %"), "{:?}", signal.reasons);
}

#[test]
fn a_flat_series_is_flat() {
    let signal = signal(&[100.0; 80]);
    assert_eq!(signal.direction, Direction::Flat);
    assert!(signal.ready);
    assert_eq!(signal.strength, 0.0);
    assert!(says(&signal, "within ±1.00 %"), "{:?}", signal.reasons);
    assert!(signal.confidence > 0.9, "{}", signal.confidence);
}

#[test]
fn no_trade_below_the_adx_minimum() {
    // An uptrend with wiggles, so ADX is below its ceiling of 100.
    let closes: Vec<f64> = trend(80, 0.005)
        .iter()
        .enumerate()
        .map(|(index, close)| close + 2.0 * (index as f64 * 1.7).sin())
        .collect();
    let trending = signal(&closes);
    assert_eq!(
        trending.direction,
        Direction::Long,
        "{:?}",
        trending.reasons
    );
    let adx = trending.fact("adx").unwrap();
    assert!(adx < 99.0, "{adx}");
    let strict = Momentum
        .change_params(
            &Momentum.default_params(),
            &changes(&[("adx_min", adx + 1.0)]),
        )
        .unwrap();
    let filtered = signal_with(&closes, &strict);
    assert_eq!(filtered.direction, Direction::Flat);
    assert_eq!(filtered.strength, 0.0);
    assert!(
        says(&filtered, "no trend, no trade"),
        "{:?}",
        filtered.reasons
    );
}

#[test]
fn roc_against_the_averages_is_flat() {
    // A long rise, then a sharp drop: ROC(3) is negative, the EMAs still point up.
    let mut closes = trend(70, 0.01);
    let top = *closes.last().unwrap();
    closes.extend([top * 0.99, top * 0.98, top * 0.97]);
    let fast = Momentum
        .change_params(
            &Momentum.default_params(),
            &changes(&[("roc_period", 3.0), ("adx_min", 0.0)]),
        )
        .unwrap();
    let signal = signal_with(&closes, &fast);
    assert!(signal.fact("roc_pct").unwrap() < -1.0);
    assert!(signal.fact("ma_spread_pct").unwrap() > 0.0);
    assert_eq!(signal.direction, Direction::Flat);
    assert!(says(&signal, "disagree"), "{:?}", signal.reasons);
}

#[test]
fn too_few_candles_warm_up_flat() {
    let params = Momentum.default_params();
    assert_eq!(Momentum.warm_up(&params).unwrap(), 30);
    let early = signal(&trend(29, 0.005));
    assert_eq!(early.direction, Direction::Flat);
    assert!(!early.ready);
    assert!(
        says(&early, "warming up: 29 of the 30 candles needed"),
        "{:?}",
        early.reasons
    );
    assert!(signal(&trend(30, 0.005)).ready);
}

#[test]
fn fast_must_stay_below_slow() {
    let errors = Momentum
        .change_params(
            &Momentum.default_params(),
            &changes(&[("fast_period", 30.0)]),
        )
        .unwrap_err();
    assert_eq!(errors[0].name, "fast_period");
    assert!(errors[0].problem.contains("below slow_period (30)"));
}
