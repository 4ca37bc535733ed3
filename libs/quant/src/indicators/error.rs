//! The error every indicator constructor and batch function returns for bad parameters.

/// The longest period any indicator accepts (TA-Lib's own limit), so that a wrong
/// parameter cannot ask for an enormous window.
pub const MAX_PERIOD: usize = 100_000;

/// A bad parameter, named as the constructor or batch function calls it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum IndicatorError {
    #[error("{parameter} must be at least {minimum}, got {value}")]
    PeriodTooShort {
        parameter: &'static str,
        minimum: usize,
        value: usize,
    },
    #[error("{parameter} must be at most {maximum}, got {value}")]
    PeriodTooLong {
        parameter: &'static str,
        maximum: usize,
        value: usize,
    },
    #[error("fast_period ({fast}) must be shorter than slow_period ({slow})")]
    FastNotShorterThanSlow { fast: usize, slow: usize },
    #[error("{parameter} must be a finite number >= 0, got {value}")]
    InvalidMultiplier { parameter: &'static str, value: f64 },
    #[error("{parameter} has {actual} values but {reference} has {expected}")]
    LengthMismatch {
        parameter: &'static str,
        reference: &'static str,
        expected: usize,
        actual: usize,
    },
}

impl IndicatorError {
    /// The name of the parameter that is wrong.
    pub fn parameter(&self) -> &'static str {
        match self {
            Self::PeriodTooShort { parameter, .. }
            | Self::PeriodTooLong { parameter, .. }
            | Self::InvalidMultiplier { parameter, .. }
            | Self::LengthMismatch { parameter, .. } => parameter,
            Self::FastNotShorterThanSlow { .. } => "fast_period",
        }
    }
}

/// Checks that a period lies in `minimum..=MAX_PERIOD`.
pub(crate) fn check_period(
    parameter: &'static str,
    value: usize,
    minimum: usize,
) -> Result<usize, IndicatorError> {
    if value < minimum {
        return Err(IndicatorError::PeriodTooShort {
            parameter,
            minimum,
            value,
        });
    }
    if value > MAX_PERIOD {
        return Err(IndicatorError::PeriodTooLong {
            parameter,
            maximum: MAX_PERIOD,
            value,
        });
    }
    Ok(value)
}

/// Checks that a band or deviation multiplier is finite and not negative.
pub(crate) fn check_multiplier(parameter: &'static str, value: f64) -> Result<f64, IndicatorError> {
    if value.is_finite() && value >= 0.0 {
        Ok(value)
    } else {
        Err(IndicatorError::InvalidMultiplier { parameter, value })
    }
}

/// Checks that a companion input series has as many values as the first one.
pub(crate) fn check_length(
    parameter: &'static str,
    reference: &'static str,
    expected: usize,
    actual: usize,
) -> Result<(), IndicatorError> {
    if expected == actual {
        Ok(())
    } else {
        Err(IndicatorError::LengthMismatch {
            parameter,
            reference,
            expected,
            actual,
        })
    }
}
