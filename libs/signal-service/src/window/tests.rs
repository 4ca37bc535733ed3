//! The live window on hand-made candles: repeats, gaps, jumps, parameter changes.
use std::collections::BTreeMap;

use quorum_domain::Decimal;
use quorum_strategies::{Momentum, evaluate};

use super::*;

const INTERVAL: i64 = 1_000;

fn context() -> Context {
    Context {
        symbol: "BTC-USDT".into(),
        interval_ms: INTERVAL,
        pair_symbol: None,
    }
}

fn candle(slot: i64, close: i64) -> Candle {
    let close = Decimal::from(close);
    Candle {
        open_time_ms: slot * INTERVAL,
        open: close,
        high: close + Decimal::ONE,
        low: close - Decimal::ONE,
        close,
        volume: Decimal::TWO,
        quote_volume: Decimal::from(200),
        trade_count: 3,
    }
}

fn signal(pushed: Pushed) -> Signal {
    match pushed {
        Pushed::Signal(signal) => *signal,
        Pushed::Repeat => panic!("expected a signal"),
    }
}

#[test]
fn repeats_are_ignored() {
    let params = Momentum.default_params();
    let mut window = Window::new(context(), 100);
    signal(window.push(candle(1, 100), &Momentum, &params).unwrap());
    signal(window.push(candle(2, 101), &Momentum, &params).unwrap());
    assert_eq!(
        window.push(candle(2, 101), &Momentum, &params).unwrap(),
        Pushed::Repeat
    );
    assert_eq!(
        window.push(candle(1, 100), &Momentum, &params).unwrap(),
        Pushed::Repeat
    );
    assert_eq!(window.len(), 2);
}

#[test]
fn gaps_fill_with_flat_candles_and_signals_match_evaluate() {
    let params = Momentum.default_params();
    let mut window = Window::new(context(), 100);
    let mut all = Vec::new();
    for slot in 0..40 {
        if slot % 7 == 3 {
            continue;
        }
        let pushed = candle(slot, 100 + slot);
        let live = signal(window.push(pushed.clone(), &Momentum, &params).unwrap());
        if let Some(last) = all.last().cloned()
            && slot % 7 == 4
        {
            all.push(quorum_strategies::series::flat_candle(
                &last,
                (slot - 1) * INTERVAL,
            ));
        }
        all.push(pushed);
        let expected = evaluate(&Momentum, &params, context(), &all, None).unwrap();
        assert_eq!(live, expected, "at slot {slot}");
    }
    assert_eq!(window.len(), 40);
}

#[test]
fn the_window_keeps_its_capacity_and_restarts_after_a_long_jump() {
    let params = Momentum.default_params();
    // Capacity 5 is raised to the warm-up (30) plus one.
    let mut window = Window::new(context(), 5);
    for slot in 0..50 {
        window.push(candle(slot, 100), &Momentum, &params).unwrap();
    }
    assert_eq!(window.len(), 31);
    let after_jump = signal(window.push(candle(500, 100), &Momentum, &params).unwrap());
    assert_eq!(window.len(), 1);
    assert!(!after_jump.ready);
}

#[test]
fn a_parameter_change_rebuilds_the_runner_from_the_window() {
    let defaults = Momentum.default_params();
    let changes = BTreeMap::from([("roc_period".to_string(), 5.0)]);
    let changed = Momentum.change_params(&defaults, &changes).unwrap();
    let mut window = Window::new(context(), 100);
    let candles: Vec<Candle> = (0..60).map(|slot| candle(slot, 100 + slot)).collect();
    for candle in &candles[..59] {
        window.push(candle.clone(), &Momentum, &defaults).unwrap();
    }
    let live = signal(
        window
            .push(candles[59].clone(), &Momentum, &changed)
            .unwrap(),
    );
    assert_eq!(live.params_version, changed.version());
    assert_eq!(
        live,
        evaluate(&Momentum, &changed, context(), &candles, None).unwrap()
    );
}

#[test]
fn seeded_history_counts_and_bad_candles_change_nothing() {
    let params = Momentum.default_params();
    let mut window = Window::new(context(), 100);
    let history: Vec<Candle> = (0..40)
        .filter(|slot| slot % 5 != 2)
        .map(|slot| candle(slot, 100 + slot))
        .collect();
    window.seed(&history);
    assert_eq!(window.len(), 40);
    let mut broken = candle(40, 150);
    broken.high = Decimal::ONE;
    assert!(
        window
            .push(broken, &Momentum, &params)
            .unwrap_err()
            .contains("high")
    );
    assert_eq!(window.len(), 40);
    let live = signal(window.push(candle(40, 140), &Momentum, &params).unwrap());
    assert!(live.ready);
    assert_eq!(live.bars, 41);
    // A second seed does nothing once the window has candles.
    window.seed(&history[..3]);
    assert_eq!(window.len(), 41);
}
