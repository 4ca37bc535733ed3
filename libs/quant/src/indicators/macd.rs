//! MACD exactly as TA-Lib computes it: both EMAs are seeded at the bar where the slow
//! one can be, the fast one with the simple average of its last `fast_period` values,
//! and the signal line is an EMA of the MACD line seeded the same way.
use super::average::{smoothing, tiles};
use super::error::{IndicatorError, check_period};
use super::kernel::{TILE, scan, scan_pair, warm_up};

/// The three lines of one bar.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MacdOutput {
    pub macd: f64,
    pub signal: f64,
    pub histogram: f64,
}

/// The three lines over a whole series, NaN for the first
/// `slow_period + signal_period - 2` positions.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MacdSeries {
    pub macd: Vec<f64>,
    pub signal: Vec<f64>,
    pub histogram: Vec<f64>,
}

#[derive(Debug, Clone)]
pub struct Macd {
    fast_period: usize,
    slow_period: usize,
    signal_period: usize,
    seen: usize,
    fast: f64,
    slow: f64,
    signals: usize,
    signal: f64,
}

impl Macd {
    /// `fast_period` must be shorter than `slow_period`.
    pub fn new(
        fast_period: usize,
        slow_period: usize,
        signal_period: usize,
    ) -> Result<Self, IndicatorError> {
        let fast_period = check_period("fast_period", fast_period, 1)?;
        let slow_period = check_period("slow_period", slow_period, 2)?;
        let signal_period = check_period("signal_period", signal_period, 1)?;
        if fast_period >= slow_period {
            return Err(IndicatorError::FastNotShorterThanSlow {
                fast: fast_period,
                slow: slow_period,
            });
        }
        Ok(Self {
            fast_period,
            slow_period,
            signal_period,
            seen: 0,
            fast: 0.0,
            slow: 0.0,
            signals: 0,
            signal: 0.0,
        })
    }

    /// Index of the first output.
    pub fn lookback(&self) -> usize {
        self.slow_period + self.signal_period - 2
    }

    pub fn update(&mut self, value: f64) -> Option<MacdOutput> {
        if self.seen < self.slow_period {
            self.slow += value;
            if self.seen >= self.slow_period - self.fast_period {
                self.fast += value;
            }
            self.seen += 1;
            if self.seen < self.slow_period {
                return None;
            }
            self.slow /= self.slow_period as f64;
            self.fast /= self.fast_period as f64;
        } else {
            self.fast = (value - self.fast) * smoothing(self.fast_period) + self.fast;
            self.slow = (value - self.slow) * smoothing(self.slow_period) + self.slow;
        }
        let macd = self.fast - self.slow;
        if self.signals < self.signal_period {
            self.signal += macd;
            self.signals += 1;
            if self.signals < self.signal_period {
                return None;
            }
            self.signal /= self.signal_period as f64;
        } else {
            self.signal = (macd - self.signal) * smoothing(self.signal_period) + self.signal;
        }
        Some(MacdOutput {
            macd,
            signal: self.signal,
            histogram: macd - self.signal,
        })
    }

    pub fn reset(&mut self) {
        self.seen = 0;
        self.fast = 0.0;
        self.slow = 0.0;
        self.signals = 0;
        self.signal = 0.0;
    }
}

/// [`Macd`] over a whole series.
pub fn macd(
    values: &[f64],
    fast_period: usize,
    slow_period: usize,
    signal_period: usize,
) -> Result<MacdSeries, IndicatorError> {
    let mut state = Macd::new(fast_period, slow_period, signal_period)?;
    let lookback = state.lookback();
    let len = values.len();
    let mut series = MacdSeries {
        macd: warm_up(len, lookback),
        signal: warm_up(len, lookback),
        histogram: warm_up(len, lookback),
    };
    if len <= lookback {
        return Ok(series);
    }
    for value in &values[..=lookback] {
        if let Some(first) = state.update(*value) {
            series.macd.push(first.macd);
            series.signal.push(first.signal);
            series.histogram.push(first.histogram);
        }
    }
    let k_fast = smoothing(fast_period);
    let k_slow = smoothing(slow_period);
    let k_signal = smoothing(signal_period);
    let (mut fast, mut slow, mut signal) = (state.fast, state.slow, state.signal);
    let mut fast_block = [0.0; TILE];
    let mut slow_block = [0.0; TILE];
    let mut signal_block = [0.0; TILE];
    for range in tiles(lookback + 1, len) {
        let count = range.len();
        let chunk = &values[range];
        for ((fast_slot, slow_slot), value) in fast_block[..count]
            .iter_mut()
            .zip(&mut slow_block[..count])
            .zip(chunk)
        {
            *fast_slot = k_fast * value;
            *slow_slot = k_slow * value;
        }
        (fast, slow) = scan_pair(
            &mut fast_block[..count],
            &mut slow_block[..count],
            (1.0 - k_fast, 1.0 - k_slow),
            (fast, slow),
        );
        // The fast block becomes the MACD line, the slow block the histogram.
        for ((fast_slot, signal_slot), slow_slot) in fast_block[..count]
            .iter_mut()
            .zip(&mut signal_block[..count])
            .zip(&slow_block[..count])
        {
            *fast_slot -= slow_slot;
            *signal_slot = k_signal * *fast_slot;
        }
        signal = scan(&mut signal_block[..count], 1.0 - k_signal, signal);
        for ((histogram_slot, line), signal_value) in slow_block[..count]
            .iter_mut()
            .zip(&fast_block[..count])
            .zip(&signal_block[..count])
        {
            *histogram_slot = line - signal_value;
        }
        series.macd.extend_from_slice(&fast_block[..count]);
        series.signal.extend_from_slice(&signal_block[..count]);
        series.histogram.extend_from_slice(&slow_block[..count]);
    }
    Ok(series)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_output_by_hand() {
        // fast 2, slow 3, signal 2: the EMAs are seeded at index 2, the fast one with
        // (2 + 3) / 2 = 2.5 and the slow one with 2; MACD 0.5. At index 3 (value 7):
        // fast (7 - 2.5) * 2/3 + 2.5 = 5.5, slow (7 - 2) * 0.5 + 2 = 4.5, MACD 1;
        // signal seed (0.5 + 1) / 2 = 0.75.
        let series = macd(&[1.0, 2.0, 3.0, 7.0], 2, 3, 2).unwrap();
        assert!(series.macd[2].is_nan());
        assert!((series.macd[3] - 1.0).abs() < 1e-12);
        assert!((series.signal[3] - 0.75).abs() < 1e-12);
        assert!((series.histogram[3] - 0.25).abs() < 1e-12);
    }

    #[test]
    fn fast_must_be_shorter_than_slow() {
        let error = Macd::new(26, 12, 9).unwrap_err();
        assert_eq!(error.parameter(), "fast_period");
        assert_eq!(
            error,
            IndicatorError::FastNotShorterThanSlow { fast: 26, slow: 12 }
        );
        assert_eq!(
            macd(&[], 12, 26, 0).unwrap_err().parameter(),
            "signal_period"
        );
    }
}
