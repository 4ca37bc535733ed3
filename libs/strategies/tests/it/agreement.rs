//! `evaluate` over every prefix of a series gives exactly the runner's signal at that
//! candle, for every strategy and the pairs mode; refused candles leave a runner as it was.
use std::collections::BTreeMap;

use quorum_strategies::{
    Breakout, Context, Direction, MeanReversion, Momentum, Runner, Strategy, by_name, evaluate,
};

use crate::support::{INTERVAL_MS, context, pair_context, wandering};

/// Small periods so that most of the series is past the warm-up.
fn quick(strategy: &dyn Strategy) -> quorum_strategies::Params {
    let entries: &[(&str, f64)] = match strategy.name() {
        "momentum" => &[
            ("roc_period", 5.0),
            ("fast_period", 4.0),
            ("slow_period", 12.0),
            ("adx_period", 5.0),
            ("adx_min", 10.0),
        ],
        "mean-reversion" => &[
            ("bollinger_period", 10.0),
            ("entry_z", 1.0),
            ("rsi_period", 5.0),
            ("lookback", 30.0),
            ("half_life_max", 200.0),
        ],
        _ => &[
            ("channel_period", 8.0),
            ("volume_period", 8.0),
            ("atr_period", 5.0),
            ("volume_factor", 1.2),
        ],
    };
    let changes: BTreeMap<String, f64> = entries
        .iter()
        .map(|(name, value)| (name.to_string(), *value))
        .collect();
    strategy
        .change_params(&strategy.default_params(), &changes)
        .unwrap()
}

fn runner_matches_evaluate(strategy: &dyn Strategy, context: Context, pairs: bool) {
    let params = quick(strategy);
    let candles = wandering(160, 2500.0, 42);
    let pair_candles = wandering(160, 40000.0, 7);
    let mut runner = Runner::new(strategy, &params, context.clone()).unwrap();
    let mut ready = 0;
    for (index, candle) in candles.iter().enumerate() {
        let live = if pairs {
            runner.push_pair(candle, &pair_candles[index]).unwrap()
        } else {
            runner.push(candle).unwrap()
        };
        let pair_prefix = pairs.then(|| &pair_candles[..=index]);
        let on_demand = evaluate(
            strategy,
            &params,
            context.clone(),
            &candles[..=index],
            pair_prefix,
        )
        .unwrap();
        assert_eq!(
            live,
            on_demand,
            "{} differs at candle {index}",
            strategy.name()
        );
        assert_eq!(live.as_of_ms, candle.open_time_ms + INTERVAL_MS);
        assert_eq!(live.bars, index + 1);
        ready += usize::from(live.ready);
    }
    assert_eq!(runner.bars(), candles.len());
    // Most of the series is past the warm-up, so the comparison covers real signals.
    assert!(
        ready > 120,
        "{} was ready at {ready} candles only",
        strategy.name()
    );
}

#[test]
fn momentum_runner_equals_evaluate() {
    runner_matches_evaluate(&Momentum, context(), false);
}

#[test]
fn mean_reversion_runner_equals_evaluate() {
    runner_matches_evaluate(&MeanReversion, context(), false);
}

#[test]
fn pairs_runner_equals_evaluate() {
    runner_matches_evaluate(&MeanReversion, pair_context(), true);
}

#[test]
fn breakout_runner_equals_evaluate() {
    runner_matches_evaluate(&Breakout, context(), false);
}

#[test]
fn refused_candles_leave_the_runner_as_it_was() {
    let candles = wandering(40, 100.0, 1);
    let params = Momentum.default_params();
    let mut runner = Runner::new(&Momentum, &params, context()).unwrap();
    let mut reference = Runner::new(&Momentum, &params, context()).unwrap();
    for candle in &candles[..20] {
        runner.push(candle).unwrap();
        reference.push(candle).unwrap();
    }
    // A repeat, a gap and a broken candle are refused, naming what is wrong.
    let repeat = runner.push(&candles[19]).unwrap_err();
    assert_eq!(repeat.path(), "candles[20].open_time_unix_ms");
    let gap = runner.push(&candles[22]).unwrap_err();
    assert!(gap.problem.contains("gap of 2"), "{gap}");
    let mut broken = candles[20].clone();
    broken.low = broken.high + quorum_domain::Decimal::ONE;
    assert_eq!(runner.push(&broken).unwrap_err().path(), "candles[20].high");
    assert_eq!(runner.bars(), 20);
    for candle in &candles[20..] {
        assert_eq!(
            runner.push(candle).unwrap(),
            reference.push(candle).unwrap()
        );
    }
}

#[test]
fn evaluate_refuses_what_it_cannot_use() {
    let params = Momentum.default_params();
    let empty = evaluate(&Momentum, &params, context(), &[], None).unwrap_err();
    assert!(empty.to_string().contains("at least one candle"), "{empty}");
    let mut shuffled = wandering(5, 100.0, 3);
    shuffled.swap(1, 3);
    let error = evaluate(&Momentum, &params, context(), &shuffled, None).unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("candles[1].open_time_unix_ms"),
        "{error}"
    );
    assert!(error.to_string().contains("gap of 2"), "{error}");
    let pairs = evaluate(
        &Momentum,
        &params,
        pair_context(),
        &shuffled,
        Some(&shuffled),
    )
    .unwrap_err();
    assert!(pairs.to_string().contains("no pairs mode"), "{pairs}");
    let bad_interval = Context {
        interval_ms: 0,
        ..context()
    };
    assert!(evaluate(&Momentum, &params, bad_interval, &shuffled, None).is_err());
}

#[test]
fn one_candle_is_a_warm_up_flat() {
    let candles = wandering(1, 100.0, 3);
    for strategy in [&Momentum as &dyn Strategy, &MeanReversion, &Breakout] {
        let signal = evaluate(
            strategy,
            &strategy.default_params(),
            context(),
            &candles,
            None,
        )
        .unwrap();
        assert_eq!(signal.direction, Direction::Flat);
        assert!(!signal.ready);
        assert_eq!(signal.params_version, strategy.default_params().version());
    }
}

#[test]
fn defaults_pass_and_strategies_are_found_by_name() {
    for name in ["momentum", "mean-reversion", "breakout"] {
        let strategy = by_name(name).unwrap();
        assert_eq!(strategy.name(), name);
        let defaults = strategy.default_params();
        assert!(strategy.cross_check(&defaults).is_empty(), "{name}");
        for param in defaults.entries() {
            assert!(
                param.spec.problem(param.value).is_none(),
                "{name}.{}",
                param.spec.name
            );
        }
    }
    assert!(by_name("martingale").is_none());
}
