//! Bollinger bands (TA-Lib BBANDS with a simple moving average) and %b.
use super::deviation::{deviation_of, standard_deviation};
use super::error::{IndicatorError, check_multiplier, check_period};
use super::kernel::{TILE, warm_up};
use crate::stats::rolling::{WindowSums, each_window};

/// The bands of one bar.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BollingerOutput {
    pub upper: f64,
    pub middle: f64,
    pub lower: f64,
    /// `(close - lower) / (upper - lower)`; 0.5 when the bands have no width.
    pub percent_b: f64,
}

/// The bands over whole series, each NaN for the first `period - 1` positions.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BollingerSeries {
    pub upper: Vec<f64>,
    pub middle: Vec<f64>,
    pub lower: Vec<f64>,
    pub percent_b: Vec<f64>,
}

/// Middle band: the mean of the last `period` closes (TA-Lib's SMA, to rounding); upper and lower: the middle plus `deviations_up` and
/// minus `deviations_down` population standard deviations. First value at `period - 1`.
#[derive(Debug, Clone)]
pub struct Bollinger {
    period: usize,
    deviations_up: f64,
    deviations_down: f64,
    window: WindowSums,
}

impl Bollinger {
    pub fn new(
        period: usize,
        deviations_up: f64,
        deviations_down: f64,
    ) -> Result<Self, IndicatorError> {
        let period = check_period("period", period, 2)?;
        Ok(Self {
            period,
            deviations_up: check_multiplier("deviations_up", deviations_up)?,
            deviations_down: check_multiplier("deviations_down", deviations_down)?,
            window: WindowSums::new(period),
        })
    }

    pub fn update(&mut self, close: f64) -> Option<BollingerOutput> {
        let sums = self.window.push(close)?;
        let inverse_count = 1.0 / self.period as f64;
        let middle = sums.mean(inverse_count);
        let deviation = standard_deviation(&sums, inverse_count);
        Some(bands(
            close,
            middle,
            deviation,
            self.deviations_up,
            self.deviations_down,
        ))
    }

    pub fn reset(&mut self) {
        self.window.reset();
    }
}

/// [`Bollinger`] over a whole series of closes.
pub fn bollinger(
    closes: &[f64],
    period: usize,
    deviations_up: f64,
    deviations_down: f64,
) -> Result<BollingerSeries, IndicatorError> {
    let period = check_period("period", period, 2)?;
    let deviations_up = check_multiplier("deviations_up", deviations_up)?;
    let deviations_down = check_multiplier("deviations_down", deviations_down)?;
    let len = closes.len();
    let mut series = BollingerSeries {
        upper: warm_up(len, period - 1),
        middle: warm_up(len, period - 1),
        lower: warm_up(len, period - 1),
        percent_b: warm_up(len, period - 1),
    };
    let inverse_count = 1.0 / period as f64;
    // The sequential part fills a block of means and variances; the bands of a whole
    // block are then computed and appended together.
    let mut means = [0.0; TILE];
    let mut variances = [0.0; TILE];
    let mut filled = 0;
    let mut first = period - 1;
    let mut flush = |first: usize, means: &[f64], variances: &[f64]| {
        let count = means.len();
        let mut upper = [0.0; TILE];
        let mut lower = [0.0; TILE];
        let mut percent_b = [0.0; TILE];
        let block = closes[first..first + count]
            .iter()
            .zip(means)
            .zip(variances)
            .zip(upper.iter_mut().zip(&mut lower).zip(&mut percent_b));
        for (((close, middle), variance), ((upper, lower), percent_b)) in block {
            let deviation = deviation_of(*variance);
            let output = bands(*close, *middle, deviation, deviations_up, deviations_down);
            (*upper, *lower, *percent_b) = (output.upper, output.lower, output.percent_b);
        }
        series.upper.extend_from_slice(&upper[..count]);
        series.middle.extend_from_slice(means);
        series.lower.extend_from_slice(&lower[..count]);
        series.percent_b.extend_from_slice(&percent_b[..count]);
    };
    each_window(closes, period, |_, sums| {
        means[filled] = sums.mean(inverse_count);
        variances[filled] = sums.variance(inverse_count);
        filled += 1;
        if filled == TILE {
            flush(first, &means, &variances);
            first += TILE;
            filled = 0;
        }
    });
    flush(first, &means[..filled], &variances[..filled]);
    Ok(series)
}

fn bands(close: f64, middle: f64, deviation: f64, up: f64, down: f64) -> BollingerOutput {
    let upper = middle + deviation * up;
    let lower = middle - deviation * down;
    let width = upper - lower;
    let percent_b = if width == 0.0 {
        0.5
    } else {
        (close - lower) / width
    };
    BollingerOutput {
        upper,
        middle,
        lower,
        percent_b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_by_hand() {
        // Window 1, 2, 3: mean 2, population σ sqrt(2/3).
        let series = bollinger(&[1.0, 2.0, 3.0], 3, 2.0, 1.0).unwrap();
        let sigma = (2.0_f64 / 3.0).sqrt();
        assert_eq!(series.middle[2], 2.0);
        assert!((series.upper[2] - (2.0 + 2.0 * sigma)).abs() < 1e-12);
        assert!((series.lower[2] - (2.0 - sigma)).abs() < 1e-12);
        let expected_b = (3.0 - (2.0 - sigma)) / (3.0 * sigma);
        assert!((series.percent_b[2] - expected_b).abs() < 1e-12);
        assert!(series.upper[1].is_nan());
    }

    #[test]
    fn flat_bands_put_the_close_in_the_middle() {
        let mut bands = Bollinger::new(2, 2.0, 2.0).unwrap();
        assert_eq!(bands.update(4.0), None);
        let output = bands.update(4.0).unwrap();
        assert_eq!(
            (output.upper, output.lower, output.percent_b),
            (4.0, 4.0, 0.5)
        );
    }
}
