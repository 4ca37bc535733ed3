//! The error the statistics return for input they cannot give a meaningful answer on.

/// Why a statistic could not be computed; `series` names the argument at fault.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StatsError {
    #[error("{series} needs at least {needed} values, got {got}")]
    TooShort {
        series: &'static str,
        needed: usize,
        got: usize,
    },
    #[error("{series} has {got} values but must have {expected} like the other series")]
    LengthMismatch {
        series: &'static str,
        expected: usize,
        got: usize,
    },
    #[error("{series}[{index}] is not a finite number")]
    NonFinite { series: &'static str, index: usize },
    #[error("{series}[{index}] must be greater than zero")]
    NonPositive { series: &'static str, index: usize },
    #[error("{series} has no variance")]
    ZeroVariance { series: &'static str },
    #[error("window must be at least {minimum}, got {value}")]
    WindowTooShort { minimum: usize, value: usize },
}

/// The index of the first value that is NaN or infinite, as an error.
pub(crate) fn check_finite(series: &'static str, values: &[f64]) -> Result<(), StatsError> {
    match values.iter().position(|value| !value.is_finite()) {
        Some(index) => Err(StatsError::NonFinite { series, index }),
        None => Ok(()),
    }
}
