//! Batch and streaming forms against TA-Lib, value by value including the warm-up.
use quorum_quant::indicators::{
    self, Adx, Atr, Bollinger, DirectionalMovement, Ema, Macd, Obv, Roc, RollingMax, RollingMin,
    Rsi, Sma, StdDev, TrueRange, Wma,
};

use crate::fixtures::{assert_matches_talib, bars, collect, fixture};

#[test]
fn sma_matches_talib() {
    let input = bars();
    for case in fixture("sma").cases {
        let period = case.period("period");
        let label = format!("SMA({period})");
        let expected = case.output("real");
        assert_matches_talib(
            &label,
            &indicators::sma(&input.close, period).unwrap(),
            expected,
        );
        let mut streaming = Sma::new(period).unwrap();
        let streamed = collect(input.close.iter().copied(), |x| streaming.update(x));
        assert_matches_talib(&format!("streaming {label}"), &streamed, expected);
    }
}

#[test]
fn ema_matches_talib() {
    let input = bars();
    for case in fixture("ema").cases {
        let period = case.period("period");
        let label = format!("EMA({period})");
        let expected = case.output("real");
        assert_matches_talib(
            &label,
            &indicators::ema(&input.close, period).unwrap(),
            expected,
        );
        let mut streaming = Ema::new(period).unwrap();
        let streamed = collect(input.close.iter().copied(), |x| streaming.update(x));
        assert_matches_talib(&format!("streaming {label}"), &streamed, expected);
    }
}

#[test]
fn wma_matches_talib() {
    let input = bars();
    for case in fixture("wma").cases {
        let period = case.period("period");
        let label = format!("WMA({period})");
        let expected = case.output("real");
        assert_matches_talib(
            &label,
            &indicators::wma(&input.close, period).unwrap(),
            expected,
        );
        let mut streaming = Wma::new(period).unwrap();
        let streamed = collect(input.close.iter().copied(), |x| streaming.update(x));
        assert_matches_talib(&format!("streaming {label}"), &streamed, expected);
    }
}

#[test]
fn rsi_matches_talib() {
    let input = bars();
    for case in fixture("rsi").cases {
        let period = case.period("period");
        let label = format!("RSI({period})");
        let expected = case.output("real");
        assert_matches_talib(
            &label,
            &indicators::rsi(&input.close, period).unwrap(),
            expected,
        );
        let mut streaming = Rsi::new(period).unwrap();
        let streamed = collect(input.close.iter().copied(), |x| streaming.update(x));
        assert_matches_talib(&format!("streaming {label}"), &streamed, expected);
    }
}

#[test]
fn roc_matches_talib() {
    let input = bars();
    for case in fixture("roc").cases {
        let period = case.period("period");
        let label = format!("ROC({period})");
        let expected = case.output("real");
        assert_matches_talib(
            &label,
            &indicators::roc(&input.close, period).unwrap(),
            expected,
        );
        let mut streaming = Roc::new(period).unwrap();
        let streamed = collect(input.close.iter().copied(), |x| streaming.update(x));
        assert_matches_talib(&format!("streaming {label}"), &streamed, expected);
    }
}

#[test]
fn macd_matches_talib() {
    let input = bars();
    for case in fixture("macd").cases {
        let (fast, slow, signal) = (
            case.period("fast_period"),
            case.period("slow_period"),
            case.period("signal_period"),
        );
        let label = format!("MACD({fast},{slow},{signal})");
        let batch = indicators::macd(&input.close, fast, slow, signal).unwrap();
        assert_matches_talib(&format!("{label} macd"), &batch.macd, case.output("macd"));
        assert_matches_talib(
            &format!("{label} signal"),
            &batch.signal,
            case.output("signal"),
        );
        assert_matches_talib(
            &format!("{label} histogram"),
            &batch.histogram,
            case.output("histogram"),
        );
        let mut streaming = Macd::new(fast, slow, signal).unwrap();
        let outputs: Vec<_> = input.close.iter().map(|x| streaming.update(*x)).collect();
        let line = |pick: fn(&indicators::MacdOutput) -> f64| -> Vec<f64> {
            outputs
                .iter()
                .map(|output| output.as_ref().map_or(f64::NAN, pick))
                .collect()
        };
        assert_matches_talib(
            &format!("streaming {label} macd"),
            &line(|o| o.macd),
            case.output("macd"),
        );
        assert_matches_talib(
            &format!("streaming {label} signal"),
            &line(|o| o.signal),
            case.output("signal"),
        );
        assert_matches_talib(
            &format!("streaming {label} histogram"),
            &line(|o| o.histogram),
            case.output("histogram"),
        );
    }
}

#[test]
fn bollinger_matches_talib() {
    let input = bars();
    for case in fixture("bbands").cases {
        let (period, up, down) = (
            case.period("period"),
            case.param("deviations_up"),
            case.param("deviations_down"),
        );
        let label = format!("BBANDS({period},{up},{down})");
        let batch = indicators::bollinger(&input.close, period, up, down).unwrap();
        assert_matches_talib(
            &format!("{label} upper"),
            &batch.upper,
            case.output("upper"),
        );
        assert_matches_talib(
            &format!("{label} middle"),
            &batch.middle,
            case.output("middle"),
        );
        assert_matches_talib(
            &format!("{label} lower"),
            &batch.lower,
            case.output("lower"),
        );
        let mut streaming = Bollinger::new(period, up, down).unwrap();
        let outputs: Vec<_> = input.close.iter().map(|x| streaming.update(*x)).collect();
        let upper: Vec<f64> = outputs
            .iter()
            .map(|o| o.map_or(f64::NAN, |o| o.upper))
            .collect();
        let lower: Vec<f64> = outputs
            .iter()
            .map(|o| o.map_or(f64::NAN, |o| o.lower))
            .collect();
        assert_matches_talib(
            &format!("streaming {label} upper"),
            &upper,
            case.output("upper"),
        );
        assert_matches_talib(
            &format!("streaming {label} lower"),
            &lower,
            case.output("lower"),
        );
    }
}

#[test]
fn stddev_matches_talib() {
    let input = bars();
    for case in fixture("stddev").cases {
        let (period, deviations) = (case.period("period"), case.param("deviations"));
        let label = format!("STDDEV({period},{deviations})");
        let expected = case.output("real");
        let batch = indicators::stddev(&input.close, period, deviations).unwrap();
        assert_matches_talib(&label, &batch, expected);
        let mut streaming = StdDev::new(period, deviations).unwrap();
        let streamed = collect(input.close.iter().copied(), |x| streaming.update(x));
        assert_matches_talib(&format!("streaming {label}"), &streamed, expected);
    }
}

#[test]
fn true_range_and_atr_match_talib() {
    let input = bars();
    let expected = &fixture("trange").cases[0];
    let batch = indicators::trange(&input.high, &input.low, &input.close).unwrap();
    assert_matches_talib("TRANGE", &batch, expected.output("real"));
    let mut streaming = TrueRange::new();
    let streamed = collect(input.bars(), |bar| streaming.update(bar));
    assert_matches_talib("streaming TRANGE", &streamed, expected.output("real"));
    for case in fixture("atr").cases {
        let period = case.period("period");
        let label = format!("ATR({period})");
        let batch = indicators::atr(&input.high, &input.low, &input.close, period).unwrap();
        assert_matches_talib(&label, &batch, case.output("real"));
        let mut streaming = Atr::new(period).unwrap();
        let streamed = collect(input.bars(), |bar| streaming.update(bar));
        assert_matches_talib(
            &format!("streaming {label}"),
            &streamed,
            case.output("real"),
        );
    }
}

#[test]
fn directional_movement_matches_talib() {
    let input = bars();
    for case in fixture("adx").cases {
        let period = case.period("period");
        let label = format!("period {period}");
        let series =
            indicators::directional(&input.high, &input.low, &input.close, period).unwrap();
        assert_matches_talib(&format!("ADX {label}"), &series.adx, case.output("adx"));
        assert_matches_talib(
            &format!("PLUS_DI {label}"),
            &series.plus_di,
            case.output("plus_di"),
        );
        assert_matches_talib(
            &format!("MINUS_DI {label}"),
            &series.minus_di,
            case.output("minus_di"),
        );
        assert_matches_talib(&format!("DX {label}"), &series.dx, case.output("dx"));
        let line = indicators::adx(&input.high, &input.low, &input.close, period).unwrap();
        assert_matches_talib(&format!("adx() {label}"), &line, case.output("adx"));
        let mut streaming = Adx::new(period).unwrap();
        let streamed = collect(input.bars(), |bar| streaming.update(bar).map(|o| o.adx));
        assert_matches_talib(
            &format!("streaming ADX {label}"),
            &streamed,
            case.output("adx"),
        );
        let mut movement = DirectionalMovement::new(period).unwrap();
        let streamed = collect(input.bars(), |bar| movement.update(bar).map(|o| o.dx));
        assert_matches_talib(
            &format!("streaming DX {label}"),
            &streamed,
            case.output("dx"),
        );
    }
}

#[test]
fn rolling_extremes_match_talib_max_and_min() {
    let input = bars();
    for case in fixture("max").cases {
        let period = case.period("period");
        let expected = case.output("real");
        let batch = indicators::rolling_max(&input.high, period).unwrap();
        assert_matches_talib(&format!("MAX({period})"), &batch, expected);
        let mut streaming = RollingMax::new(period).unwrap();
        let streamed = collect(input.high.iter().copied(), |x| streaming.update(x));
        assert_matches_talib(&format!("streaming MAX({period})"), &streamed, expected);
        let channel = indicators::donchian(&input.high, &input.low, period).unwrap();
        assert_matches_talib(
            &format!("Donchian({period}) upper"),
            &channel.upper,
            expected,
        );
    }
    for case in fixture("min").cases {
        let period = case.period("period");
        let expected = case.output("real");
        let batch = indicators::rolling_min(&input.low, period).unwrap();
        assert_matches_talib(&format!("MIN({period})"), &batch, expected);
        let mut streaming = RollingMin::new(period).unwrap();
        let streamed = collect(input.low.iter().copied(), |x| streaming.update(x));
        assert_matches_talib(&format!("streaming MIN({period})"), &streamed, expected);
        let channel = indicators::donchian(&input.high, &input.low, period).unwrap();
        assert_matches_talib(
            &format!("Donchian({period}) lower"),
            &channel.lower,
            expected,
        );
    }
}

#[test]
fn obv_matches_talib() {
    let input = bars();
    let expected = fixture("obv").cases[0].output("real").to_vec();
    assert_matches_talib(
        "OBV",
        &indicators::obv(&input.close, &input.volume).unwrap(),
        &expected,
    );
    let mut streaming = Obv::new();
    let streamed = collect(input.bars(), |bar| streaming.update(bar));
    assert_matches_talib("streaming OBV", &streamed, &expected);
}
