//! Breakout on hand-made series: a range, then a bar that leaves it.
use quorum_domain::Candle;

use super::*;
use crate::testing::{candle, changes, context, says};
use crate::{Direction, Signal, evaluate};

/// 40 bars ranging between 99 and 101 (true range 2, volume 10), then `last`.
fn range_then(last: Candle) -> Vec<Candle> {
    let mut candles: Vec<Candle> = (0..40)
        .map(|index| {
            let close = if index % 2 == 0 { 99.5 } else { 100.5 };
            candle(index, 100.0, 101.0, 99.0, close, 10.0)
        })
        .collect();
    candles.push(last);
    candles
}

fn signal(candles: &[Candle]) -> Signal {
    evaluate(
        &Breakout,
        &Breakout.default_params(),
        context(),
        candles,
        None,
    )
    .unwrap()
}

#[test]
fn a_breakout_with_volume_is_long_with_stop_and_target() {
    let signal = signal(&range_then(candle(40, 100.5, 103.2, 100.0, 103.0, 30.0)));
    assert_eq!(signal.direction, Direction::Long, "{:?}", signal.reasons);
    assert!(signal.strength > 0.5, "{}", signal.strength);
    assert!(signal.confidence > 0.75, "{}", signal.confidence);
    let atr = signal.fact("atr").unwrap();
    assert!((atr - 2.0).abs() < 1e-9, "{atr}");
    assert!((signal.stop.unwrap() - 99.0).abs() < 1e-9);
    assert!((signal.target.unwrap() - 109.0).abs() < 1e-9);
    assert!(
        says(&signal, "close 103.00 above the high"),
        "{:?}",
        signal.reasons
    );
    assert!(
        says(&signal, "volume 30.00 > 1.50 x the 20-bar average 10.00"),
        "{:?}",
        signal.reasons
    );
    assert!(
        says(&signal, "stop 99.00 (2.00 ATR), target 109.00 (3.00 ATR)"),
        "{:?}",
        signal.reasons
    );
}

#[test]
fn a_breakout_without_volume_is_flat() {
    let signal = signal(&range_then(candle(40, 100.5, 103.2, 100.0, 103.0, 12.0)));
    assert_eq!(signal.direction, Direction::Flat);
    assert!(
        says(&signal, "not confirmed by volume"),
        "{:?}",
        signal.reasons
    );
    assert_eq!(signal.stop, None);
}

#[test]
fn a_breakout_that_fails_the_filter_is_flat() {
    // Clears the high by 0.3, less than 0.25 x ATR (2) = 0.5.
    let signal = signal(&range_then(candle(40, 100.5, 101.4, 100.0, 101.3, 30.0)));
    assert_eq!(signal.direction, Direction::Flat);
    assert!(says(&signal, "false breakout"), "{:?}", signal.reasons);
    assert!(says(&signal, "by 0.15 ATR"), "{:?}", signal.reasons);
    // Without the filter the same bar trades.
    let loose = Breakout
        .change_params(&Breakout.default_params(), &changes(&[("hold_atr", 0.0)]))
        .unwrap();
    let candles = range_then(candle(40, 100.5, 101.4, 100.0, 101.3, 30.0));
    let signal = evaluate(&Breakout, &loose, context(), &candles, None).unwrap();
    assert_eq!(signal.direction, Direction::Long);
}

#[test]
fn a_breakdown_with_volume_is_short() {
    let signal = signal(&range_then(candle(40, 99.5, 99.8, 96.8, 97.0, 40.0)));
    assert_eq!(signal.direction, Direction::Short, "{:?}", signal.reasons);
    assert!(signal.strength < -0.5);
    assert!((signal.stop.unwrap() - 101.0).abs() < 1e-9);
    assert!((signal.target.unwrap() - 91.0).abs() < 1e-9);
}

#[test]
fn inside_the_channel_is_flat() {
    let signal = signal(&range_then(candle(40, 100.0, 100.2, 99.8, 100.0, 50.0)));
    assert_eq!(signal.direction, Direction::Flat);
    assert!(
        says(
            &signal,
            "inside the previous 20-bar channel [99.00, 101.00]"
        ),
        "{:?}",
        signal.reasons
    );
    assert!((signal.confidence - 1.0).abs() < 1e-9);
}

#[test]
fn a_flat_series_is_flat() {
    let candles: Vec<Candle> = (0..40)
        .map(|index| candle(index, 100.0, 100.0, 100.0, 100.0, 10.0))
        .collect();
    let signal = signal(&candles);
    assert_eq!(signal.direction, Direction::Flat);
    assert!(signal.ready);
    assert_eq!(signal.strength, 0.0);
    assert!(says(&signal, "no breakout"), "{:?}", signal.reasons);
}

#[test]
fn warm_up_counts_the_previous_bars() {
    let params = Breakout.default_params();
    assert_eq!(Breakout.warm_up(&params).unwrap(), 21);
    let candles = range_then(candle(40, 100.5, 103.2, 100.0, 103.0, 30.0));
    let early = signal(&candles[candles.len() - 20..]);
    assert!(!early.ready);
    assert!(signal(&candles[candles.len() - 21..]).ready);
}
