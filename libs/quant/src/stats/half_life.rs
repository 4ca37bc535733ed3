//! The half-life of mean reversion of an Ornstein-Uhlenbeck-like series.
//!
//! Regress the change `Δx[t] = x[t] - x[t-1]` on the previous level `x[t-1]`:
//! `Δx[t] = a + b * x[t-1] + noise`. A reverting series has `-1 < b < 0`, and a gap to
//! the mean shrinks by the factor `1 + b` per step, so it halves after
//! `-ln 2 / ln(1 + b)` steps. This exact discrete form is used (not the continuous
//! approximation `-ln 2 / b`, which it approaches for small `|b|`).
use super::error::StatsError;
use super::regression::fit;

/// The fitted regression and the half-life in steps, `None` when the series does not
/// revert (`b >= 0`) or overshoots the mean each step (`b <= -1`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MeanReversion {
    /// `b`: the change per step per unit of level.
    pub slope: f64,
    /// `a`: the level is expected to revert to `-a / b`.
    pub intercept: f64,
    pub half_life: Option<f64>,
}

/// Fits `Δx[t] = a + b * x[t-1]` over `series` (at least four values, not constant).
pub fn ou_half_life(series: &[f64]) -> Result<MeanReversion, StatsError> {
    if series.len() < 4 {
        return Err(StatsError::TooShort {
            series: "series",
            needed: 4,
            got: series.len(),
        });
    }
    let previous = &series[..series.len() - 1];
    let changes: Vec<f64> = series.windows(2).map(|pair| pair[1] - pair[0]).collect();
    let regression = fit(&changes, "series", previous, "series")?;
    let slope = regression.slope;
    let half_life = (slope < 0.0 && slope > -1.0).then(|| -std::f64::consts::LN_2 / slope.ln_1p());
    Ok(MeanReversion {
        slope,
        intercept: regression.intercept,
        half_life,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_geometric_decay_has_the_expected_half_life() {
        // x[t] = 10 + 0.5^t * 8 (a gap that halves every step) with a small wobble so the
        // changes are not all explained: half-life close to 1.
        let series: Vec<f64> = (0..40)
            .map(|t| 10.0 + 8.0 * 0.5_f64.powi(t) + if t % 2 == 0 { 1e-6 } else { -1e-6 })
            .collect();
        let reversion = ou_half_life(&series).unwrap();
        let half_life = reversion.half_life.unwrap();
        assert!((half_life - 1.0).abs() < 1e-3, "{half_life}");
        assert!((-reversion.intercept / reversion.slope - 10.0).abs() < 1e-3);
    }

    #[test]
    fn a_trend_does_not_revert() {
        let series: Vec<f64> = (0..50)
            .map(|t| f64::from(t) * f64::from(t) * 0.01)
            .collect();
        let reversion = ou_half_life(&series).unwrap();
        assert!(reversion.slope > 0.0);
        assert_eq!(reversion.half_life, None);
    }

    #[test]
    fn an_alternating_series_overshoots() {
        let series: Vec<f64> = (0..20)
            .map(|t| if t % 2 == 0 { 1.0 } else { -1.0 })
            .collect();
        let reversion = ou_half_life(&series).unwrap();
        assert!(reversion.slope <= -1.0);
        assert_eq!(reversion.half_life, None);
    }

    #[test]
    fn degenerate_series_are_errors() {
        assert!(matches!(
            ou_half_life(&[1.0, 2.0, 3.0]),
            Err(StatsError::TooShort { .. })
        ));
        assert_eq!(
            ou_half_life(&[2.0; 10]),
            Err(StatsError::ZeroVariance { series: "series" })
        );
    }
}
