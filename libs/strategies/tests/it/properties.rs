//! Properties over arbitrary candle series and parameters: strength in [-1, 1] with the
//! direction's sign, confidence in [0, 1], nothing NaN, stops on the right side.
use std::collections::BTreeMap;

use proptest::prelude::*;
use quorum_domain::Candle;
use quorum_strategies::{
    Breakout, Direction, MeanReversion, Momentum, Params, Runner, Signal, Strategy,
};

use crate::support::{candle, context, pair_context};

/// Per candle: the relative move, how far the range reaches, the volume.
fn moves() -> impl proptest::strategy::Strategy<Value = Vec<(f64, f64, f64)>> {
    prop::collection::vec(
        (
            prop_oneof![Just(0.0), -0.3..0.3f64, -0.002..0.002f64],
            prop_oneof![Just(0.0), 0.0..0.05f64],
            prop_oneof![Just(0.0), 0.0..1e6f64],
        ),
        1..90,
    )
}

fn candles_from(level: f64, moves: &[(f64, f64, f64)]) -> Vec<Candle> {
    let mut close = level;
    moves
        .iter()
        .enumerate()
        .map(|(index, (change, reach, volume))| {
            let open = close;
            close = (close * (1.0 + change)).max(1e-6);
            candle(index, open, close, close * reach, *volume)
        })
        .collect()
}

/// Parameters drawn within each range, with periods kept short so signals get ready.
fn params_for(strategy: &dyn Strategy, draws: &[f64]) -> Option<Params> {
    let mut changes = BTreeMap::new();
    for (spec, draw) in strategy.specs().iter().zip(draws.iter().cycle()) {
        let high = if spec.integer {
            spec.max.min(spec.min + 25.0)
        } else {
            spec.max
        };
        let mut value = spec.min + draw * (high - spec.min);
        if spec.integer {
            value = value.floor();
        }
        changes.insert(spec.name.to_string(), value);
    }
    strategy
        .change_params(&strategy.default_params(), &changes)
        .ok()
}

fn check(signal: &Signal) -> Result<(), TestCaseError> {
    prop_assert!(signal.strength.is_finite() && (-1.0..=1.0).contains(&signal.strength));
    prop_assert!(signal.confidence.is_finite() && (0.0..=1.0).contains(&signal.confidence));
    match signal.direction {
        Direction::Long => prop_assert!(signal.strength >= 0.0),
        Direction::Short => prop_assert!(signal.strength <= 0.0),
        Direction::Flat => prop_assert_eq!(signal.strength, 0.0),
    }
    prop_assert!(signal.facts.iter().all(|fact| fact.value.is_finite()));
    prop_assert!(!signal.reasons.is_empty());
    prop_assert!(signal.horizon_bars >= 1 && signal.horizon_ms > 0);
    if let Some(stop) = signal.stop {
        prop_assert!(stop.is_finite() && stop > 0.0);
        prop_assert!(signal.direction != Direction::Flat);
    }
    Ok(())
}

fn run(
    strategy: &dyn Strategy,
    params: &Params,
    candles: &[Candle],
    pairs: Option<&[Candle]>,
) -> Result<(), TestCaseError> {
    let context = if pairs.is_some() {
        pair_context()
    } else {
        context()
    };
    let mut runner = Runner::new(strategy, params, context).unwrap();
    for (index, candle) in candles.iter().enumerate() {
        let signal = match pairs {
            Some(pairs) => runner.push_pair(candle, &pairs[index]),
            None => runner.push(candle),
        };
        let signal = signal.map_err(|error| TestCaseError::fail(error.to_string()))?;
        check(&signal)?;
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn momentum_stays_in_bounds(level in 1e-4..1e6f64, moves in moves(), draws in prop::collection::vec(0.0..1.0f64, 7)) {
        let candles = candles_from(level, &moves);
        if let Some(params) = params_for(&Momentum, &draws) {
            run(&Momentum, &params, &candles, None)?;
        }
        run(&Momentum, &Momentum.default_params(), &candles, None)?;
    }

    #[test]
    fn mean_reversion_stays_in_bounds(level in 1e-4..1e6f64, moves in moves(), draws in prop::collection::vec(0.0..1.0f64, 8)) {
        let candles = candles_from(level, &moves);
        let pair_moves: Vec<(f64, f64, f64)> = moves.iter().rev().cloned().collect();
        let pair_candles = candles_from(level * 3.0, &pair_moves);
        if let Some(params) = params_for(&MeanReversion, &draws) {
            run(&MeanReversion, &params, &candles, None)?;
            run(&MeanReversion, &params, &candles, Some(&pair_candles))?;
        }
    }

    #[test]
    fn breakout_stays_in_bounds(level in 1e-4..1e6f64, moves in moves(), draws in prop::collection::vec(0.0..1.0f64, 8)) {
        let candles = candles_from(level, &moves);
        if let Some(params) = params_for(&Breakout, &draws) {
            run(&Breakout, &params, &candles, None)?;
        }
        run(&Breakout, &Breakout.default_params(), &candles, None)?;
    }
}
