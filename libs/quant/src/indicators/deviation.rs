//! Rolling population standard deviation (TA-Lib STDDEV, with its `nbdev` multiplier)
//! and the rolling z-score, on cancellation-free sums: the streaming forms on those of
//! `stats::rolling`, the batch form of STDDEV on the block kernel of `moments`.
use super::block::{BLOCK, Block, column, into_series};
use super::error::{IndicatorError, check_multiplier, check_period};
use super::kernel::{EPSILON, warm_up};
use super::moments::{FromMoments, over_windows};
use crate::stats::rolling::{ShiftedSums, WindowSums, each_window};

/// `deviations * σ` of the last `period` values (σ divides by `period`); first value at
/// index `period - 1`. A variance below TA-Lib's epsilon counts as zero.
#[derive(Debug, Clone)]
pub struct StdDev {
    inverse_count: f64,
    deviations: f64,
    window: WindowSums,
}

impl StdDev {
    pub fn new(period: usize, deviations: f64) -> Result<Self, IndicatorError> {
        let period = check_period("period", period, 2)?;
        let deviations = check_multiplier("deviations", deviations)?;
        Ok(Self {
            inverse_count: 1.0 / period as f64,
            deviations,
            window: WindowSums::new(period),
        })
    }

    pub fn update(&mut self, value: f64) -> Option<f64> {
        let sums = self.window.push(value)?;
        Some(standard_deviation(&sums, self.inverse_count) * self.deviations)
    }

    pub fn reset(&mut self) {
        self.window.reset();
    }
}

/// [`StdDev`] over a whole series: NaN for the first `period - 1` positions.
pub fn stddev(values: &[f64], period: usize, deviations: f64) -> Result<Vec<f64>, IndicatorError> {
    let period = check_period("period", period, 2)?;
    let deviations = check_multiplier("deviations", deviations)?;
    let mut series = column::<BLOCK>(values.len());
    over_windows(values, period, Scaled { deviations }, &mut series);
    Ok(into_series(series, values.len()))
}

/// The batch form's outputs: `deviations * σ` of each window.
#[derive(Debug, Clone, Copy)]
struct Scaled {
    deviations: f64,
}

impl FromMoments<BLOCK> for Scaled {
    type Output = Block;

    #[inline(always)]
    fn outputs(&self, _: &Block, _: &Block, variances: &Block) -> Block {
        variances.map(|variance| deviation_of(variance) * self.deviations)
    }
}

/// How many population standard deviations the newest value lies from the mean of the
/// last `period` values; 0 when the window has no spread. First value at `period - 1`.
#[derive(Debug, Clone)]
pub struct ZScore {
    inverse_count: f64,
    window: WindowSums,
}

impl ZScore {
    pub fn new(period: usize) -> Result<Self, IndicatorError> {
        let period = check_period("period", period, 2)?;
        Ok(Self {
            inverse_count: 1.0 / period as f64,
            window: WindowSums::new(period),
        })
    }

    pub fn update(&mut self, value: f64) -> Option<f64> {
        let sums = self.window.push(value)?;
        Some(z_score(value, &sums, self.inverse_count))
    }

    pub fn reset(&mut self) {
        self.window.reset();
    }
}

/// [`ZScore`] over a whole series: NaN for the first `period - 1` positions.
pub fn zscore(values: &[f64], period: usize) -> Result<Vec<f64>, IndicatorError> {
    let period = check_period("period", period, 2)?;
    let mut output = warm_up(values.len(), period - 1);
    let inverse_count = 1.0 / period as f64;
    each_window(values, period, |end, sums| {
        output.push(z_score(values[end], sums, inverse_count));
    });
    Ok(output)
}

/// σ of the window, 0 when the variance is within TA-Lib's epsilon of zero or below.
pub(crate) fn standard_deviation(sums: &ShiftedSums, inverse_count: f64) -> f64 {
    deviation_of(sums.variance(inverse_count))
}

/// σ of a variance, 0 when it is within TA-Lib's epsilon of zero or below.
pub(crate) fn deviation_of(variance: f64) -> f64 {
    if variance < EPSILON {
        0.0
    } else {
        variance.sqrt()
    }
}

fn z_score(value: f64, sums: &ShiftedSums, inverse_count: f64) -> f64 {
    let deviation = standard_deviation(sums, inverse_count);
    if deviation == 0.0 {
        0.0
    } else {
        (value - sums.mean(inverse_count)) / deviation
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn population_deviation_by_hand() {
        // Window 2, 4, 4, 4, 5, 5, 7, 9: mean 5, population σ 2.
        let values = [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0];
        let output = stddev(&values, 8, 1.5).unwrap();
        assert!((output[7] - 3.0).abs() < 1e-12);
        let scores = zscore(&values, 8).unwrap();
        assert!((scores[7] - 2.0).abs() < 1e-12);
    }

    #[test]
    fn flat_window_has_no_spread() {
        let output = stddev(&[3.0; 5], 3, 2.0).unwrap();
        assert_eq!(&output[2..], &[0.0, 0.0, 0.0]);
        assert_eq!(&zscore(&[3.0; 5], 3).unwrap()[2..], &[0.0, 0.0, 0.0]);
    }

    #[test]
    fn negative_multiplier_is_refused() {
        assert_eq!(StdDev::new(5, -1.0).unwrap_err().parameter(), "deviations");
        assert_eq!(
            stddev(&[], 5, f64::NAN).unwrap_err().parameter(),
            "deviations"
        );
    }
}
