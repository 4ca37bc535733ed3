//! Ordinary least squares of one series on another: the hedge ratio of a pair.
use super::error::{StatsError, check_finite};

/// `y ≈ intercept + slope * x`, with the share of the variance of `y` it explains.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LinearFit {
    pub slope: f64,
    pub intercept: f64,
    pub r_squared: f64,
}

/// The OLS fit of `y` on `x`; the slope is the hedge ratio (units of `x` per unit of
/// `y`). Needs at least three pairs and variance in both series.
pub fn hedge_ratio(y: &[f64], x: &[f64]) -> Result<LinearFit, StatsError> {
    if x.len() != y.len() {
        return Err(StatsError::LengthMismatch {
            series: "x",
            expected: y.len(),
            got: x.len(),
        });
    }
    fit(y, "y", x, "x")
}

/// The fit of `y` on `x` from centered sums (two passes, so levels far from zero do not
/// cancel the spreads).
pub(crate) fn fit(
    y: &[f64],
    y_name: &'static str,
    x: &[f64],
    x_name: &'static str,
) -> Result<LinearFit, StatsError> {
    if y.len() < 3 {
        return Err(StatsError::TooShort {
            series: y_name,
            needed: 3,
            got: y.len(),
        });
    }
    check_finite(y_name, y)?;
    check_finite(x_name, x)?;
    let count = y.len() as f64;
    let mean_x = x.iter().sum::<f64>() / count;
    let mean_y = y.iter().sum::<f64>() / count;
    let (mut sxx, mut syy, mut sxy) = (0.0, 0.0, 0.0);
    for (xi, yi) in x.iter().zip(y) {
        let dx = xi - mean_x;
        let dy = yi - mean_y;
        sxx += dx * dx;
        syy += dy * dy;
        sxy += dx * dy;
    }
    if negligible(sxx, x, count) {
        return Err(StatsError::ZeroVariance { series: x_name });
    }
    if negligible(syy, y, count) {
        return Err(StatsError::ZeroVariance { series: y_name });
    }
    let slope = sxy / sxx;
    Ok(LinearFit {
        slope,
        intercept: mean_y - slope * mean_x,
        r_squared: (sxy * sxy / (sxx * syy)).min(1.0),
    })
}

/// Whether a sum of squared deviations is no more than the rounding of the values:
/// a constant series leaves such a residue instead of an exact zero.
fn negligible(sum_squares: f64, values: &[f64], count: f64) -> bool {
    let scale = values
        .iter()
        .fold(0.0_f64, |largest, value| largest.max(value.abs()));
    let rounding = 16.0 * f64::EPSILON * scale;
    sum_squares <= count * rounding * rounding
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_line_is_recovered() {
        let x = [1.0, 2.0, 3.0, 4.0, 5.0];
        let y: Vec<f64> = x.iter().map(|v| 3.0 + 2.0 * v).collect();
        let fit = hedge_ratio(&y, &x).unwrap();
        assert!((fit.slope - 2.0).abs() < 1e-12);
        assert!((fit.intercept - 3.0).abs() < 1e-12);
        assert!((fit.r_squared - 1.0).abs() < 1e-12);
    }

    #[test]
    fn noisy_fit_by_hand() {
        // x = 1, 2, 3; y = 1, 3, 2: sxx = 2, sxy = 1, syy = 2 -> slope 0.5, r² 0.25.
        let fit = hedge_ratio(&[1.0, 3.0, 2.0], &[1.0, 2.0, 3.0]).unwrap();
        assert_eq!(fit.slope, 0.5);
        assert_eq!(fit.intercept, 1.0);
        assert_eq!(fit.r_squared, 0.25);
    }

    #[test]
    fn degenerate_input_is_an_error() {
        assert_eq!(
            hedge_ratio(&[1.0, 2.0, 3.0], &[0.1, 0.1, 0.1]),
            Err(StatsError::ZeroVariance { series: "x" })
        );
        assert_eq!(
            hedge_ratio(&[5.0, 5.0, 5.0], &[1.0, 2.0, 3.0]),
            Err(StatsError::ZeroVariance { series: "y" })
        );
        assert!(matches!(
            hedge_ratio(&[1.0, 2.0], &[1.0, 2.0]),
            Err(StatsError::TooShort { .. })
        ));
        assert!(matches!(
            hedge_ratio(&[1.0, 2.0, 3.0], &[1.0, 2.0]),
            Err(StatsError::LengthMismatch { series: "x", .. })
        ));
    }
}
