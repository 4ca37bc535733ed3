//! Value at risk and expected shortfall, historical and parametric (normal), as pure
//! functions of position values and past returns. Statistics, so `f64`: money is
//! converted at the edges.
//!
//! Conventions:
//! - A loss is a positive amount: loss = -(portfolio PnL).
//! - Historical VaR at confidence c over n losses sorted ascending is the k-th smallest,
//!   k = ceil(c x n) (the empirical lower quantile: the smallest loss with at least c of
//!   the observations at or below it). ES is the mean of the losses ranked above k (the
//!   n - k worst); when there are none, ES = VaR.
//! - Parametric: the portfolio PnL is normal with mean zero and variance w' S w, where S
//!   is the sample covariance of the returns (divisor n - 1) and w the position values;
//!   VaR = z(c) sigma and ES = sigma phi(z(c)) / (1 - c).
//! - Horizons scale by the square root of time: a one-interval figure times
//!   sqrt(horizon / interval).

/// A loss quantile and the mean loss beyond it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tail {
    pub value_at_risk: f64,
    pub expected_shortfall: f64,
}

impl Tail {
    /// Both figures times `factor` (see [`horizon_scale`]).
    pub fn scaled(self, factor: f64) -> Tail {
        Tail {
            value_at_risk: self.value_at_risk * factor,
            expected_shortfall: self.expected_shortfall * factor,
        }
    }
}

/// Why a figure cannot be computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VarError {
    #[error("confidence must be above 0 and below 1")]
    Confidence,
    #[error("{0} observations; at least 2 are needed")]
    TooFewObservations(usize),
    #[error("observation {index} has {found} returns for {expected} positions")]
    Width {
        index: usize,
        found: usize,
        expected: usize,
    },
    #[error("a value or return is not a finite number")]
    NotFinite,
}

/// The least number of observations either method accepts (a sample covariance needs
/// two).
pub const MIN_OBSERVATIONS: usize = 2;

/// The portfolio PnL of each past return vector: sum over positions of value x return.
/// `returns[i][j]` is the return of position `j` in observation `i`.
pub fn portfolio_pnl(values: &[f64], returns: &[Vec<f64>]) -> Result<Vec<f64>, VarError> {
    check_shape(values, returns)?;
    Ok(returns
        .iter()
        .map(|row| row.iter().zip(values).map(|(ret, value)| ret * value).sum())
        .collect())
}

/// Historical VaR and ES of a PnL series (see the module conventions).
pub fn historical(pnl: &[f64], confidence: f64) -> Result<Tail, VarError> {
    check_confidence(confidence)?;
    if pnl.len() < MIN_OBSERVATIONS {
        return Err(VarError::TooFewObservations(pnl.len()));
    }
    if pnl.iter().any(|value| !value.is_finite()) {
        return Err(VarError::NotFinite);
    }
    let mut losses: Vec<f64> = pnl.iter().map(|pnl| -pnl).collect();
    losses.sort_by(f64::total_cmp);
    let n = losses.len();
    let rank = quantile_rank(confidence, n);
    let value_at_risk = losses[rank - 1];
    let beyond = &losses[rank..];
    let expected_shortfall = if beyond.is_empty() {
        value_at_risk
    } else {
        beyond.iter().sum::<f64>() / beyond.len() as f64
    };
    Ok(Tail {
        value_at_risk,
        expected_shortfall,
    })
}

/// Parametric (normal, zero mean) VaR and ES of positions with these values.
pub fn parametric(values: &[f64], returns: &[Vec<f64>], confidence: f64) -> Result<Tail, VarError> {
    check_confidence(confidence)?;
    let covariance = covariance(values.len(), returns)?;
    let mut variance = 0.0;
    for (row, weight_row) in covariance.iter().zip(values) {
        for (entry, weight_column) in row.iter().zip(values) {
            variance += weight_row * entry * weight_column;
        }
    }
    let sigma = variance.max(0.0).sqrt();
    let z = normal_quantile(confidence);
    Ok(Tail {
        value_at_risk: z * sigma,
        expected_shortfall: sigma * normal_density(z) / (1.0 - confidence),
    })
}

/// The sample covariance matrix (divisor n - 1) of `width` series observed together.
pub fn covariance(width: usize, returns: &[Vec<f64>]) -> Result<Vec<Vec<f64>>, VarError> {
    let n = returns.len();
    if n < MIN_OBSERVATIONS {
        return Err(VarError::TooFewObservations(n));
    }
    check_widths(width, returns)?;
    let means: Vec<f64> = (0..width)
        .map(|column| returns.iter().map(|row| row[column]).sum::<f64>() / n as f64)
        .collect();
    let deviations: Vec<Vec<f64>> = returns
        .iter()
        .map(|row| {
            row.iter()
                .zip(&means)
                .map(|(value, mean)| value - mean)
                .collect()
        })
        .collect();
    let divisor = (n - 1) as f64;
    let matrix = (0..width)
        .map(|first| {
            (0..width)
                .map(|second| {
                    deviations
                        .iter()
                        .map(|row| row[first] * row[second])
                        .sum::<f64>()
                        / divisor
                })
                .collect()
        })
        .collect();
    Ok(matrix)
}

/// sqrt(horizon / interval): what one-interval figures are multiplied by.
pub fn horizon_scale(interval_ms: i64, horizon_days: u32) -> f64 {
    const DAY_MS: f64 = 86_400_000.0;
    if interval_ms <= 0 {
        return 1.0;
    }
    (f64::from(horizon_days) * DAY_MS / interval_ms as f64).sqrt()
}

/// The 1-based rank of the c-quantile among n sorted values: ceil(c n), within 1..=n.
/// A tiny tolerance keeps c n that is whole in decimal (0.8 x 5) from rounding up.
pub fn quantile_rank(confidence: f64, n: usize) -> usize {
    let exact = confidence * n as f64;
    let rank = (exact - 1e-9).ceil();
    (rank.max(1.0) as usize).min(n)
}

/// The standard normal density.
pub fn normal_density(x: f64) -> f64 {
    (-0.5 * x * x).exp() / (2.0 * std::f64::consts::PI).sqrt()
}

/// The standard normal quantile (inverse CDF), by Acklam's rational approximation
/// (relative error below 1.2e-9) for 0 < p < 1.
pub fn normal_quantile(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    const LOW: f64 = 0.024_25;
    if p <= 0.0 {
        return f64::NEG_INFINITY;
    }
    if p >= 1.0 {
        return f64::INFINITY;
    }
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    if p < LOW {
        tail((-2.0 * p.ln()).sqrt())
    } else if p > 1.0 - LOW {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    }
}

fn check_confidence(confidence: f64) -> Result<(), VarError> {
    if confidence.is_finite() && confidence > 0.0 && confidence < 1.0 {
        Ok(())
    } else {
        Err(VarError::Confidence)
    }
}

fn check_shape(values: &[f64], returns: &[Vec<f64>]) -> Result<(), VarError> {
    if values.iter().any(|value| !value.is_finite()) {
        return Err(VarError::NotFinite);
    }
    check_widths(values.len(), returns)
}

fn check_widths(width: usize, returns: &[Vec<f64>]) -> Result<(), VarError> {
    for (index, row) in returns.iter().enumerate() {
        if row.len() != width {
            return Err(VarError::Width {
                index,
                found: row.len(),
                expected: width,
            });
        }
        if row.iter().any(|value| !value.is_finite()) {
            return Err(VarError::NotFinite);
        }
    }
    Ok(())
}

#[cfg(test)]
#[path = "var_tests.rs"]
mod tests;
