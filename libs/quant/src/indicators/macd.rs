//! MACD exactly as TA-Lib computes it: both EMAs are seeded at the bar where the slow
//! one can be, the fast one with the simple average of its last `fast_period` values,
//! and the signal line is an EMA of the MACD line seeded the same way.
use super::average::smoothing;
use super::block::{LANES, Lanes, column, extend, into_series, padded, push_values};
use super::error::{IndicatorError, check_period};
use super::kernel::{Smoothing, warm_up};

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
    // The streaming form up to the first block boundary after the first output: it seeds
    // the averages exactly as TA-Lib does.
    let start = (lookback + 1).next_multiple_of(LANES).min(len);
    let mut lead = [
        warm_up(start, lookback),
        warm_up(start, lookback),
        warm_up(start, lookback),
    ];
    for value in &values[..start] {
        if let Some(output) = state.update(*value) {
            lead[0].push(output.macd);
            lead[1].push(output.signal);
            lead[2].push(output.histogram);
        }
    }
    let mut lines = (column(len), column(len), column(len));
    push_values(&mut lines.0, &lead[0]);
    push_values(&mut lines.1, &lead[1]);
    push_values(&mut lines.2, &lead[2]);
    let smoothings = Smoothings {
        fast: Smoothing::exponential(smoothing(fast_period)),
        slow: Smoothing::exponential(smoothing(slow_period)),
        signal: Smoothing::exponential(smoothing(signal_period)),
    };
    let (blocks, rest) = values[start..].as_chunks::<LANES>();
    let mut averages = extend(
        &mut lines,
        blocks.iter(),
        [state.fast, state.slow, state.signal],
        #[inline(always)]
        |averages: &mut [f64; 3], block| smoothings.lines(averages, block),
    );
    if !rest.is_empty() {
        let (line, signal, histogram) = smoothings.lines(&mut averages, &padded(rest, 0.0));
        lines.0.push(line);
        lines.1.push(signal);
        lines.2.push(histogram);
    }
    Ok(MacdSeries {
        macd: into_series(lines.0, len),
        signal: into_series(lines.1, len),
        histogram: into_series(lines.2, len),
    })
}

/// The batch form's three smoothings; the averages they carry from block to block are
/// `[fast, slow, signal]`.
#[derive(Debug, Clone, Copy)]
struct Smoothings {
    fast: Smoothing,
    slow: Smoothing,
    signal: Smoothing,
}

impl Smoothings {
    /// MACD, signal and histogram at a block of values. Four values at a time through all
    /// three averages: all of a block through each in turn needs more registers than
    /// x86-64 has and measured slower. Always inlined, so that the averages stay in
    /// registers from block to block.
    #[inline(always)]
    fn lines(&self, averages: &mut [f64; 3], values: &Lanes) -> (Lanes, Lanes, Lanes) {
        let [fast, slow, signal] = averages;
        let mut lines = ([0.0; LANES], [0.0; LANES], [0.0; LANES]);
        let (quads, _) = values.as_chunks::<4>();
        for (index, quad) in quads.iter().enumerate() {
            let fast = self.fast.next4(fast, *quad);
            let slow = self.slow.next4(slow, *quad);
            let line: [f64; 4] = std::array::from_fn(|i| fast[i] - slow[i]);
            let signal = self.signal.next4(signal, line);
            let positions = 4 * index..4 * index + 4;
            lines.0[positions.clone()].copy_from_slice(&line);
            lines.1[positions.clone()].copy_from_slice(&signal);
            let histogram = lines.2[positions].iter_mut().zip(line).zip(signal);
            for ((histogram, line), signal) in histogram {
                *histogram = line - signal;
            }
        }
        lines
    }
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
