//! Bad parameters are errors that name the parameter, from constructors and batch forms.
use quorum_quant::indicators::{
    self, Adx, Atr, Bollinger, Ema, IndicatorError, MAX_PERIOD, Macd, Rsi, Sma, StdDev,
};

#[test]
fn zero_periods_are_refused() {
    assert_eq!(
        Sma::new(0).unwrap_err(),
        IndicatorError::PeriodTooShort {
            parameter: "period",
            minimum: 1,
            value: 0
        }
    );
    assert_eq!(Ema::new(0).unwrap_err().parameter(), "period");
    assert_eq!(Atr::new(0).unwrap_err().parameter(), "period");
    assert_eq!(
        indicators::wma(&[1.0], 0).unwrap_err().parameter(),
        "period"
    );
    assert_eq!(
        indicators::roc(&[1.0], 0).unwrap_err().parameter(),
        "period"
    );
    assert_eq!(
        indicators::rolling_max(&[1.0], 0).unwrap_err().parameter(),
        "period"
    );
    assert_eq!(
        indicators::zscore(&[1.0], 0).unwrap_err().parameter(),
        "period"
    );
    assert_eq!(
        indicators::rolling_vwap(&[], &[], &[], &[], 0)
            .unwrap_err()
            .parameter(),
        "period"
    );
}

#[test]
fn periods_below_the_minimum_are_refused() {
    assert_eq!(Rsi::new(1).unwrap_err().parameter(), "period");
    assert_eq!(Adx::new(1).unwrap_err().parameter(), "period");
    assert_eq!(StdDev::new(1, 1.0).unwrap_err().parameter(), "period");
    assert_eq!(
        Bollinger::new(1, 2.0, 2.0).unwrap_err().parameter(),
        "period"
    );
}

#[test]
fn huge_periods_are_refused_before_allocating() {
    let error = Sma::new(usize::MAX).unwrap_err();
    assert_eq!(
        error,
        IndicatorError::PeriodTooLong {
            parameter: "period",
            maximum: MAX_PERIOD,
            value: usize::MAX
        }
    );
    assert!(Sma::new(MAX_PERIOD).is_ok());
}

#[test]
fn macd_periods_are_checked() {
    assert_eq!(Macd::new(12, 12, 9).unwrap_err().parameter(), "fast_period");
    assert_eq!(Macd::new(0, 26, 9).unwrap_err().parameter(), "fast_period");
    assert_eq!(
        Macd::new(12, 26, 0).unwrap_err().parameter(),
        "signal_period"
    );
    assert_eq!(
        indicators::macd(&[1.0; 40], 30, 20, 9).unwrap_err(),
        IndicatorError::FastNotShorterThanSlow { fast: 30, slow: 20 }
    );
}

#[test]
fn multipliers_must_be_finite_and_not_negative() {
    assert_eq!(
        Bollinger::new(20, -2.0, 2.0).unwrap_err().parameter(),
        "deviations_up"
    );
    assert_eq!(
        Bollinger::new(20, 2.0, f64::INFINITY)
            .unwrap_err()
            .parameter(),
        "deviations_down"
    );
    assert_eq!(
        indicators::stddev(&[1.0], 5, f64::NAN)
            .unwrap_err()
            .parameter(),
        "deviations"
    );
}

#[test]
fn series_of_different_lengths_are_refused() {
    let error = indicators::atr(&[1.0, 2.0], &[1.0, 2.0], &[1.0], 1).unwrap_err();
    assert_eq!(
        error,
        IndicatorError::LengthMismatch {
            parameter: "close",
            reference: "high",
            expected: 2,
            actual: 1
        }
    );
    assert_eq!(
        indicators::obv(&[1.0], &[]).unwrap_err().parameter(),
        "volume"
    );
    assert_eq!(
        indicators::adx(&[1.0], &[], &[1.0], 14)
            .unwrap_err()
            .parameter(),
        "low"
    );
    assert_eq!(
        indicators::donchian(&[1.0], &[], 5)
            .unwrap_err()
            .parameter(),
        "low"
    );
    assert_eq!(
        indicators::vwap(&[1.0], &[1.0], &[1.0], &[])
            .unwrap_err()
            .parameter(),
        "volume"
    );
}

#[test]
fn error_messages_name_the_parameter() {
    let message = Rsi::new(0).unwrap_err().to_string();
    assert_eq!(message, "period must be at least 2, got 0");
    let message = Macd::new(26, 12, 9).unwrap_err().to_string();
    assert!(message.contains("fast_period"), "{message}");
}
