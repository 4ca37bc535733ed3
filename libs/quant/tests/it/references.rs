//! Indicators TA-Lib does not have, checked against direct computations.
use quorum_quant::indicators;

use crate::fixtures::{bars, close_enough};

fn typical(high: f64, low: f64, close: f64) -> f64 {
    (high + low + close) / 3.0
}

#[test]
fn cumulative_vwap_is_the_volume_weighted_mean_so_far() {
    let input = bars();
    let output = indicators::vwap(&input.high, &input.low, &input.close, &input.volume).unwrap();
    for (end, value) in output.iter().enumerate() {
        let (mut weighted, mut volume) = (0.0, 0.0);
        for index in 0..=end {
            weighted += typical(input.high[index], input.low[index], input.close[index])
                * input.volume[index];
            volume += input.volume[index];
        }
        assert!(close_enough(*value, weighted / volume), "VWAP[{end}]");
    }
}

#[test]
fn rolling_vwap_is_the_volume_weighted_mean_of_the_window() {
    let input = bars();
    for period in [1, 10, 60] {
        let output =
            indicators::rolling_vwap(&input.high, &input.low, &input.close, &input.volume, period)
                .unwrap();
        let mut windows_without_volume = 0;
        for (end, value) in output.iter().enumerate() {
            if end + 1 < period {
                assert!(value.is_nan(), "warm-up [{end}]");
                continue;
            }
            let (mut weighted, mut volume) = (0.0, 0.0);
            for index in end + 1 - period..=end {
                weighted += typical(input.high[index], input.low[index], input.close[index])
                    * input.volume[index];
                volume += input.volume[index];
            }
            if volume == 0.0 {
                windows_without_volume += 1;
                assert!(value.is_nan(), "window without volume [{end}]");
            } else {
                assert!(
                    close_enough(*value, weighted / volume),
                    "rolling VWAP({period})[{end}]"
                );
            }
        }
        // The fixture has a 40-bar halt without trades.
        assert_eq!(
            windows_without_volume,
            40_usize.saturating_sub(period - 1),
            "period {period}"
        );
    }
}

#[test]
fn zscore_is_the_distance_from_the_window_mean_in_deviations() {
    let input = bars();
    let period = 20;
    let output = indicators::zscore(&input.close, period).unwrap();
    for (end, value) in output.iter().enumerate().skip(period - 1) {
        let window = &input.close[end + 1 - period..=end];
        let mean = window.iter().sum::<f64>() / period as f64;
        let variance = window.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / period as f64;
        let expected = if variance < 1e-14 {
            0.0
        } else {
            (input.close[end] - mean) / variance.sqrt()
        };
        assert!(
            close_enough(*value, expected),
            "z[{end}]: {value} vs {expected}"
        );
    }
    assert!(output[..period - 1].iter().all(|value| value.is_nan()));
}

#[test]
fn percent_b_places_the_close_between_the_bands() {
    let input = bars();
    let series = indicators::bollinger(&input.close, 20, 2.0, 2.0).unwrap();
    for index in 19..input.close.len() {
        let width = series.upper[index] - series.lower[index];
        let expected = if width == 0.0 {
            0.5
        } else {
            (input.close[index] - series.lower[index]) / width
        };
        assert!(
            close_enough(series.percent_b[index], expected),
            "%b[{index}]"
        );
    }
    // Inside the 40-bar halt the bands close on the price.
    assert_eq!(series.percent_b[330], 0.5);
}
