//! Rolling extremes (TA-Lib MAX and MIN) and the Donchian channel built on them.
use std::collections::VecDeque;

use super::bar::Bar;
use super::error::{IndicatorError, check_length, check_period};

/// The Donchian channel of one bar.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DonchianOutput {
    /// Highest high of the window.
    pub upper: f64,
    pub middle: f64,
    /// Lowest low of the window.
    pub lower: f64,
}

/// The channel over whole series, NaN for the first `period - 1` positions.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DonchianSeries {
    pub upper: Vec<f64>,
    pub middle: Vec<f64>,
    pub lower: Vec<f64>,
}

/// The highest value of the last `period`; first value at index `period - 1`.
#[derive(Debug, Clone)]
pub struct RollingMax {
    extreme: Extreme,
}

/// The lowest value of the last `period`; first value at index `period - 1`.
#[derive(Debug, Clone)]
pub struct RollingMin {
    extreme: Extreme,
}

impl RollingMax {
    pub fn new(period: usize) -> Result<Self, IndicatorError> {
        Ok(Self {
            extreme: Extreme::new(period, |kept, new| kept <= new)?,
        })
    }

    pub fn update(&mut self, value: f64) -> Option<f64> {
        self.extreme.update(value)
    }

    pub fn reset(&mut self) {
        self.extreme.reset();
    }
}

impl RollingMin {
    pub fn new(period: usize) -> Result<Self, IndicatorError> {
        Ok(Self {
            extreme: Extreme::new(period, |kept, new| kept >= new)?,
        })
    }

    pub fn update(&mut self, value: f64) -> Option<f64> {
        self.extreme.update(value)
    }

    pub fn reset(&mut self) {
        self.extreme.reset();
    }
}

/// [`RollingMax`] over a whole series (TA-Lib MAX).
pub fn rolling_max(values: &[f64], period: usize) -> Result<Vec<f64>, IndicatorError> {
    let mut state = RollingMax::new(period)?;
    Ok(values
        .iter()
        .map(|value| state.update(*value).unwrap_or(f64::NAN))
        .collect())
}

/// [`RollingMin`] over a whole series (TA-Lib MIN).
pub fn rolling_min(values: &[f64], period: usize) -> Result<Vec<f64>, IndicatorError> {
    let mut state = RollingMin::new(period)?;
    Ok(values
        .iter()
        .map(|value| state.update(*value).unwrap_or(f64::NAN))
        .collect())
}

/// Highest high and lowest low over `period` bars, and their midpoint.
#[derive(Debug, Clone)]
pub struct Donchian {
    highest: RollingMax,
    lowest: RollingMin,
}

impl Donchian {
    pub fn new(period: usize) -> Result<Self, IndicatorError> {
        Ok(Self {
            highest: RollingMax::new(period)?,
            lowest: RollingMin::new(period)?,
        })
    }

    pub fn update(&mut self, bar: Bar) -> Option<DonchianOutput> {
        let upper = self.highest.update(bar.high);
        let lower = self.lowest.update(bar.low);
        let (upper, lower) = (upper?, lower?);
        Some(DonchianOutput {
            upper,
            middle: (upper + lower) / 2.0,
            lower,
        })
    }

    pub fn reset(&mut self) {
        self.highest.reset();
        self.lowest.reset();
    }
}

/// [`Donchian`] over whole series of highs and lows.
pub fn donchian(
    high: &[f64],
    low: &[f64],
    period: usize,
) -> Result<DonchianSeries, IndicatorError> {
    check_length("low", "high", high.len(), low.len())?;
    let upper = rolling_max(high, period)?;
    let lower = rolling_min(low, period)?;
    let middle = upper
        .iter()
        .zip(&lower)
        .map(|(upper, lower)| (upper + lower) / 2.0)
        .collect();
    Ok(DonchianSeries {
        upper,
        middle,
        lower,
    })
}

/// A monotonic queue of (index, value): each value is kept only while no newer value
/// beats it, so the front is the window's extreme and each value enters and leaves once.
#[derive(Debug, Clone)]
struct Extreme {
    period: usize,
    /// Whether a kept value gives way to a new one.
    yields: fn(f64, f64) -> bool,
    queue: VecDeque<(usize, f64)>,
    seen: usize,
}

impl Extreme {
    fn new(period: usize, yields: fn(f64, f64) -> bool) -> Result<Self, IndicatorError> {
        let period = check_period("period", period, 1)?;
        Ok(Self {
            period,
            yields,
            queue: VecDeque::with_capacity(period),
            seen: 0,
        })
    }

    fn update(&mut self, value: f64) -> Option<f64> {
        let index = self.seen;
        self.seen += 1;
        while self
            .queue
            .back()
            .is_some_and(|(_, kept)| (self.yields)(*kept, value))
        {
            self.queue.pop_back();
        }
        self.queue.push_back((index, value));
        while self
            .queue
            .front()
            .is_some_and(|(kept_index, _)| kept_index + self.period <= index)
        {
            self.queue.pop_front();
        }
        if self.seen < self.period {
            return None;
        }
        self.queue.front().map(|(_, extreme)| *extreme)
    }

    fn reset(&mut self) {
        self.queue.clear();
        self.seen = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extremes_over_a_window() {
        let values = [3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0];
        let highest = rolling_max(&values, 3).unwrap();
        let lowest = rolling_min(&values, 3).unwrap();
        assert!(highest[1].is_nan());
        assert_eq!(&highest[2..], &[4.0, 4.0, 5.0, 9.0, 9.0, 9.0]);
        assert_eq!(&lowest[2..], &[1.0, 1.0, 1.0, 1.0, 2.0, 2.0]);
    }

    #[test]
    fn donchian_midpoint() {
        let series = donchian(&[10.0, 12.0, 11.0], &[8.0, 9.0, 7.0], 2).unwrap();
        assert_eq!(series.upper[2], 12.0);
        assert_eq!(series.lower[2], 7.0);
        assert_eq!(series.middle[2], 9.5);
    }
}
