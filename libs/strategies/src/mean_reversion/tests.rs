//! Mean reversion on hand-made series: reverting noise with a spike, random walks, pairs.
use quorum_quant::stats::ou_half_life;

use super::*;
use crate::testing::{Noise, changes, context, says, series};
use crate::{Context, Direction, Signal, evaluate};

/// 250 closes reverting to 100 (AR(1) with φ = 0.8: half-life about 3 bars), seeded.
fn reverting(seed: u64) -> Vec<f64> {
    let mut noise = Noise::new(seed);
    let mut level = 100.0;
    (0..250)
        .map(|_| {
            level = 100.0 + 0.8 * (level - 100.0) + 0.5 * noise.next();
            level
        })
        .collect()
}

fn signal(closes: &[f64]) -> Signal {
    evaluate(
        &MeanReversion,
        &MeanReversion.default_params(),
        context(),
        &series(closes),
        None,
    )
    .unwrap()
}

#[test]
fn a_spike_below_the_band_of_a_reverting_series_is_long() {
    let mut closes = reverting(7);
    closes.push(92.0);
    let signal = signal(&closes);
    assert_eq!(signal.direction, Direction::Long, "{:?}", signal.reasons);
    assert!(signal.strength > 0.5, "{}", signal.strength);
    assert!(signal.confidence > 0.6, "{}", signal.confidence);
    let half_life = signal.fact("half_life_bars").unwrap();
    assert!((1.0..=20.0).contains(&half_life), "{half_life}");
    assert_eq!(signal.horizon_bars, half_life.ceil() as u32);
    assert!(
        says(&signal, "below the lower band"),
        "{:?}",
        signal.reasons
    );
    assert!(says(&signal, "(oversold)"), "{:?}", signal.reasons);
    assert!(signal.fact("rsi").unwrap() < 30.0);
    assert!(signal.fact("z_score").unwrap() < -2.0);
}

#[test]
fn a_spike_above_the_band_is_short() {
    let mut closes = reverting(11);
    closes.push(108.0);
    let signal = signal(&closes);
    assert_eq!(signal.direction, Direction::Short, "{:?}", signal.reasons);
    assert!(signal.strength < -0.5);
    assert!(says(&signal, "(overbought)"), "{:?}", signal.reasons);
}

#[test]
fn no_spike_no_trade() {
    let signal = signal(&reverting(7));
    assert_eq!(signal.direction, Direction::Flat, "{:?}", signal.reasons);
    assert!(signal.ready);
    assert!(says(&signal, "no trade"));
}

#[test]
fn a_random_walk_outside_the_half_life_band_is_flat() {
    let mut noise = Noise::new(12);
    let mut level: f64 = 1000.0;
    let mut closes: Vec<f64> = (0..250)
        .map(|_| {
            level += 2.0 * noise.next();
            level
        })
        .collect();
    // Even a stretch below the band does not trade a series that does not revert.
    let last = *closes.last().unwrap();
    closes.push(last - 40.0);
    let logs: Vec<f64> = closes[closes.len() - 200..]
        .iter()
        .map(|close| close.ln())
        .collect();
    let fitted = ou_half_life(&logs).unwrap().half_life;
    assert!(
        fitted.is_none_or(|half_life| half_life > 20.0),
        "the walk reverts: {fitted:?}"
    );
    let signal = signal(&closes);
    assert_eq!(signal.direction, Direction::Flat, "{:?}", signal.reasons);
    assert!(signal.ready);
    assert!(
        says(&signal, "bars outside [1, 20]: no trade"),
        "{:?}",
        signal.reasons
    );
    assert!(signal.fact("z_score").unwrap() < -2.0);
}

#[test]
fn a_flat_series_is_flat_with_the_reason() {
    let signal = signal(&[100.0; 220]);
    assert_eq!(signal.direction, Direction::Flat);
    assert!(says(&signal, "cannot be estimated"), "{:?}", signal.reasons);
}

#[test]
fn the_half_life_band_must_be_ordered() {
    let errors = MeanReversion
        .change_params(
            &MeanReversion.default_params(),
            &changes(&[("half_life_min", 30.0)]),
        )
        .unwrap_err();
    assert_eq!(errors[0].name, "half_life_min");
}

fn pair_context() -> Context {
    Context {
        pair_symbol: Some("ETH-USDT".into()),
        ..context()
    }
}

/// x wanders; y = x^1.5 times a reverting factor, so the log spread reverts.
fn pair(seed: u64) -> (Vec<f64>, Vec<f64>) {
    let mut noise = Noise::new(seed);
    let mut x_level: f64 = 50.0;
    let mut gap = 0.0;
    let mut ys = Vec::new();
    let mut xs = Vec::new();
    for _ in 0..250 {
        x_level *= 1.0 + 0.01 * noise.next();
        gap = 0.7 * gap + 0.005 * noise.next();
        xs.push(x_level);
        ys.push(x_level.powf(1.5) * gap.exp());
    }
    (ys, xs)
}

#[test]
fn pairs_mode_trades_a_stretched_spread() {
    let (mut ys, mut xs) = pair(5);
    let x_last = *xs.last().unwrap();
    xs.push(x_last);
    ys.push(x_last.powf(1.5) * (-0.05_f64).exp());
    let signal = evaluate(
        &MeanReversion,
        &MeanReversion.default_params(),
        pair_context(),
        &series(&ys),
        Some(&series(&xs)),
    )
    .unwrap();
    assert_eq!(signal.direction, Direction::Long, "{:?}", signal.reasons);
    let beta = signal.fact("hedge_ratio").unwrap();
    assert!((beta - 1.5).abs() < 0.1, "{beta}");
    assert!(says(&signal, "long y, short"), "{:?}", signal.reasons);
    assert!(signal.fact("spread_z_score").unwrap() < -2.0);
}

#[test]
fn pairs_mode_needs_aligned_candles() {
    let (ys, xs) = pair(5);
    let short = evaluate(
        &MeanReversion,
        &MeanReversion.default_params(),
        pair_context(),
        &series(&ys),
        Some(&series(&xs[1..])),
    )
    .unwrap_err();
    assert!(short.to_string().contains("pair_candles"), "{short}");
    let mut shifted = series(&xs);
    shifted[4].open_time_ms += 1;
    let misaligned = evaluate(
        &MeanReversion,
        &MeanReversion.default_params(),
        pair_context(),
        &series(&ys),
        Some(&shifted),
    )
    .unwrap_err();
    assert!(
        misaligned
            .to_string()
            .contains("pair_candles[4].open_time_unix_ms"),
        "{misaligned}"
    );
}
