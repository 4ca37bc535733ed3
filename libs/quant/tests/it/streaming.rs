//! Streaming forms give the batch numbers, on the fixture bars and on a longer random
//! walk that crosses many blocks of the batch kernels, and again after `reset`.
use quorum_quant::indicators::{
    self, Adx, Atr, Bar, Bollinger, DirectionalMovement, Donchian, Ema, Macd, Obv, Roc,
    RollingVwap, Rsi, Sma, StdDev, TrueRange, Vwap, Wma, ZScore,
};

use crate::fixtures::{assert_same, bars, collect};

/// A deterministic random walk of `len` bars (xorshift noise), far longer than a block.
fn random_walk(len: usize) -> Vec<Bar> {
    let mut state = 0x9E37_79B9_7F4A_7C15_u64;
    let mut noise = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5
    };
    let mut close = 250.0;
    (0..len)
        .map(|_| {
            let open = close;
            close *= 1.0 + 0.02 * noise();
            Bar {
                open,
                high: open.max(close) * (1.0 + 0.005 * (noise() + 0.5)),
                low: open.min(close) * (1.0 - 0.005 * (noise() + 0.5)),
                close,
                volume: 1000.0 * (noise() + 0.6),
            }
        })
        .collect()
}

fn inputs() -> Vec<Vec<Bar>> {
    vec![bars().bars(), random_walk(3_000)]
}

fn columns(bars: &[Bar]) -> [Vec<f64>; 4] {
    [
        bars.iter().map(|bar| bar.high).collect(),
        bars.iter().map(|bar| bar.low).collect(),
        bars.iter().map(|bar| bar.close).collect(),
        bars.iter().map(|bar| bar.volume).collect(),
    ]
}

#[test]
fn close_only_indicators() {
    for bars in inputs() {
        let [_, _, close, _] = columns(&bars);
        let prices = || close.iter().copied();
        for period in [1, 2, 9, 20, 50] {
            let mut sma = Sma::new(period).unwrap();
            assert_same(
                "SMA",
                &collect(prices(), |x| sma.update(x)),
                &indicators::sma(&close, period).unwrap(),
            );
            let mut ema = Ema::new(period).unwrap();
            assert_same(
                "EMA",
                &collect(prices(), |x| ema.update(x)),
                &indicators::ema(&close, period).unwrap(),
            );
            let mut wma = Wma::new(period).unwrap();
            assert_same(
                "WMA",
                &collect(prices(), |x| wma.update(x)),
                &indicators::wma(&close, period).unwrap(),
            );
            let mut roc = Roc::new(period).unwrap();
            assert_same(
                "ROC",
                &collect(prices(), |x| roc.update(x)),
                &indicators::roc(&close, period).unwrap(),
            );
        }
        for period in [2, 14, 30] {
            let mut rsi = Rsi::new(period).unwrap();
            assert_same(
                "RSI",
                &collect(prices(), |x| rsi.update(x)),
                &indicators::rsi(&close, period).unwrap(),
            );
            let mut deviation = StdDev::new(period, 2.0).unwrap();
            let batch = indicators::stddev(&close, period, 2.0).unwrap();
            assert_same(
                "STDDEV",
                &collect(prices(), |x| deviation.update(x)),
                &batch,
            );
            let mut score = ZScore::new(period).unwrap();
            let batch = indicators::zscore(&close, period).unwrap();
            assert_same("z-score", &collect(prices(), |x| score.update(x)), &batch);
        }
    }
}

#[test]
fn macd_and_bollinger() {
    for bars in inputs() {
        let [_, _, close, _] = columns(&bars);
        for (fast, slow, signal) in [(12, 26, 9), (3, 4, 1), (5, 35, 5)] {
            let batch = indicators::macd(&close, fast, slow, signal).unwrap();
            let mut streaming = Macd::new(fast, slow, signal).unwrap();
            let outputs: Vec<_> = close.iter().map(|x| streaming.update(*x)).collect();
            let line = |pick: fn(&indicators::MacdOutput) -> f64| -> Vec<f64> {
                outputs
                    .iter()
                    .map(|o| o.as_ref().map_or(f64::NAN, pick))
                    .collect()
            };
            assert_same("MACD", &line(|o| o.macd), &batch.macd);
            assert_same("MACD signal", &line(|o| o.signal), &batch.signal);
            assert_same("MACD histogram", &line(|o| o.histogram), &batch.histogram);
        }
        for (period, up, down) in [(20, 2.0, 2.0), (5, 1.0, 3.0)] {
            let batch = indicators::bollinger(&close, period, up, down).unwrap();
            let mut streaming = Bollinger::new(period, up, down).unwrap();
            let outputs: Vec<_> = close.iter().map(|x| streaming.update(*x)).collect();
            let line = |pick: fn(&indicators::BollingerOutput) -> f64| -> Vec<f64> {
                outputs
                    .iter()
                    .map(|o| o.as_ref().map_or(f64::NAN, pick))
                    .collect()
            };
            assert_same("upper", &line(|o| o.upper), &batch.upper);
            assert_same("middle", &line(|o| o.middle), &batch.middle);
            assert_same("lower", &line(|o| o.lower), &batch.lower);
            assert_same("%b", &line(|o| o.percent_b), &batch.percent_b);
        }
    }
}

#[test]
fn bar_indicators() {
    for bars in inputs() {
        let [high, low, close, volume] = columns(&bars);
        let mut range = TrueRange::new();
        let batch = indicators::trange(&high, &low, &close).unwrap();
        assert_same(
            "TRANGE",
            &collect(bars.iter().copied(), |bar| range.update(bar)),
            &batch,
        );
        for period in [1, 2, 14, 40] {
            let mut atr = Atr::new(period).unwrap();
            let batch = indicators::atr(&high, &low, &close, period).unwrap();
            assert_same(
                "ATR",
                &collect(bars.iter().copied(), |bar| atr.update(bar)),
                &batch,
            );
            let mut rolling = RollingVwap::new(period).unwrap();
            let batch = indicators::rolling_vwap(&high, &low, &close, &volume, period).unwrap();
            assert_same(
                "rolling VWAP",
                &collect(bars.iter().copied(), |bar| rolling.update(bar)),
                &batch,
            );
            let mut channel = Donchian::new(period).unwrap();
            let batch = indicators::donchian(&high, &low, period).unwrap();
            let streamed = collect(bars.iter().copied(), |bar| {
                channel.update(bar).map(|o| o.middle)
            });
            assert_same("Donchian middle", &streamed, &batch.middle);
        }
        for period in [2, 14, 30] {
            let series = indicators::directional(&high, &low, &close, period).unwrap();
            let mut adx = Adx::new(period).unwrap();
            let streamed = collect(bars.iter().copied(), |bar| adx.update(bar).map(|o| o.adx));
            assert_same("ADX", &streamed, &series.adx);
            let mut movement = DirectionalMovement::new(period).unwrap();
            let outputs: Vec<_> = bars.iter().map(|bar| movement.update(*bar)).collect();
            let plus: Vec<f64> = outputs
                .iter()
                .map(|o| o.map_or(f64::NAN, |o| o.plus_di))
                .collect();
            let minus: Vec<f64> = outputs
                .iter()
                .map(|o| o.map_or(f64::NAN, |o| o.minus_di))
                .collect();
            assert_same("+DI", &plus, &series.plus_di);
            assert_same("-DI", &minus, &series.minus_di);
        }
        let mut obv = Obv::new();
        let batch = indicators::obv(&close, &volume).unwrap();
        assert_same(
            "OBV",
            &collect(bars.iter().copied(), |bar| obv.update(bar)),
            &batch,
        );
        let mut vwap = Vwap::new();
        let batch = indicators::vwap(&high, &low, &close, &volume).unwrap();
        assert_same(
            "VWAP",
            &collect(bars.iter().copied(), |bar| vwap.update(bar)),
            &batch,
        );
    }
}

#[test]
fn reset_gives_the_same_numbers_again() {
    let bars = random_walk(500);
    let closes: Vec<f64> = bars.iter().map(|bar| bar.close).collect();
    let mut rsi = Rsi::new(14).unwrap();
    let mut macd = Macd::new(12, 26, 9).unwrap();
    let mut adx = Adx::new(14).unwrap();
    let mut deviation = StdDev::new(20, 1.0).unwrap();
    let run = |rsi: &mut Rsi, macd: &mut Macd, adx: &mut Adx, deviation: &mut StdDev| {
        let mut trace = Vec::new();
        for (bar, close) in bars.iter().zip(&closes) {
            trace.push(rsi.update(*close));
            trace.push(macd.update(*close).map(|o| o.signal));
            trace.push(adx.update(*bar).map(|o| o.adx));
            trace.push(deviation.update(*close));
        }
        trace
    };
    let first = run(&mut rsi, &mut macd, &mut adx, &mut deviation);
    rsi.reset();
    macd.reset();
    adx.reset();
    deviation.reset();
    let second = run(&mut rsi, &mut macd, &mut adx, &mut deviation);
    assert_eq!(first, second);
    assert!(first.iter().flatten().count() > 1_500);
}

/// WMA's running sums feed each other's rounding; the periodic rebuild keeps both forms
/// within 1e-12 of the exact weighted mean over a long walk.
#[test]
fn wma_stays_accurate_over_a_long_walk() {
    let close: Vec<f64> = random_walk(5_000).iter().map(|bar| bar.close).collect();
    for period in [1, 2, 3, 9, 64, 65, 300] {
        let batch = indicators::wma(&close, period).unwrap();
        let mut wma = Wma::new(period).unwrap();
        let streamed = collect(close.iter().copied(), |x| wma.update(x));
        let total = (period * (period + 1) / 2) as f64;
        for end in period - 1..close.len() {
            let window = &close[end + 1 - period..=end];
            let exact = window
                .iter()
                .enumerate()
                .map(|(index, value)| value * (index + 1) as f64)
                .sum::<f64>()
                / total;
            for (form, value) in [("batch", batch[end]), ("streaming", streamed[end])] {
                let error = ((value - exact) / exact).abs();
                assert!(
                    error < 1e-12,
                    "WMA({period}) {form}[{end}]: relative error {error:e}"
                );
            }
        }
    }
}
