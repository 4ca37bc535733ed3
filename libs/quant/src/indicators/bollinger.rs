//! Bollinger bands (TA-Lib BBANDS with a simple moving average) and %b.
use super::block::{LANES, Lanes, column, into_series};
use super::deviation::{deviation_of, standard_deviation};
use super::error::{IndicatorError, check_multiplier, check_period};
use super::moments::{FromMoments, over_windows};
use crate::stats::rolling::WindowSums;

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
    let multipliers = Multipliers {
        up: check_multiplier("deviations_up", deviations_up)?,
        down: check_multiplier("deviations_down", deviations_down)?,
    };
    let len = closes.len();
    let mut bands = (column(len), column(len), column(len), column(len));
    over_windows(closes, period, multipliers, &mut bands);
    Ok(BollingerSeries {
        upper: into_series(bands.0, len),
        middle: into_series(bands.1, len),
        lower: into_series(bands.2, len),
        percent_b: into_series(bands.3, len),
    })
}

/// The batch form's outputs: the bands of each window.
#[derive(Debug, Clone, Copy)]
struct Multipliers {
    up: f64,
    down: f64,
}

impl FromMoments<LANES> for Multipliers {
    type Output = (Lanes, Lanes, Lanes, Lanes);

    #[inline(always)]
    fn outputs(&self, closes: &Lanes, means: &Lanes, variances: &Lanes) -> Self::Output {
        let mut outputs = ([0.0; LANES], [0.0; LANES], [0.0; LANES], [0.0; LANES]);
        let (upper, middle, lower, percent_b) = &mut outputs;
        let inputs = closes.iter().zip(means).zip(variances);
        let slots = upper.iter_mut().zip(middle).zip(lower).zip(percent_b);
        for (((close, mean), variance), (((upper, middle), lower), percent_b)) in inputs.zip(slots)
        {
            let output = bands(*close, *mean, deviation_of(*variance), self.up, self.down);
            (*upper, *middle, *lower, *percent_b) =
                (output.upper, output.middle, output.lower, output.percent_b);
        }
        outputs
    }
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
