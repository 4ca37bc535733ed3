//! Moving averages: simple (TA-Lib SMA) and exponential (EMA, seeded with the SMA of the
//! first `period` values); the linearly weighted one (WMA) is in `weighted`.
use super::block::{BLOCK, Block, column, extend, into_series, push_values};
use super::error::{IndicatorError, check_period};
use super::kernel::{Ring, TILE, scan, warm_up};

/// Simple moving average over `period` values; first value at index `period - 1`.
#[derive(Debug, Clone)]
pub struct Sma {
    period: usize,
    window: Ring,
    sum: f64,
}

impl Sma {
    pub fn new(period: usize) -> Result<Self, IndicatorError> {
        let period = check_period("period", period, 1)?;
        Ok(Self {
            period,
            window: Ring::new(period),
            sum: 0.0,
        })
    }

    /// Same order of operations as TA-Lib: add the new value, divide, then take the
    /// oldest value out of the running sum.
    pub fn update(&mut self, value: f64) -> Option<f64> {
        self.sum += value;
        self.window.push(value);
        if !self.window.is_full() {
            return None;
        }
        let average = self.sum / self.period as f64;
        self.sum -= self.window.oldest();
        Some(average)
    }

    pub fn reset(&mut self) {
        self.window.clear();
        self.sum = 0.0;
    }
}

/// [`Sma`] over a whole series: NaN for the first `period - 1` positions.
///
/// A block of [`BLOCK`] positions at a time, the running sum carried from block to block.
/// Exact far from the start of the series: the sum is rebuilt from the window's values at
/// the first block and every [`sma_rebuild_interval`] positions after it, so any value
/// carries the rounding of at most one interval of updates (at most a few hundred ulps of
/// the largest window sum in that interval) whatever came before. TA-Lib and the
/// streaming form carry one sum over the whole series instead, whose rounding grows with
/// the position and stays after the values that caused it have left the window.
pub fn sma(values: &[f64], period: usize) -> Result<Vec<f64>, IndicatorError> {
    let period = check_period("period", period, 1)?;
    if period == 1 {
        // The average of one value is the value, as TA-Lib returns it.
        return Ok(values.to_vec());
    }
    let len = values.len();
    let windows = Windows {
        values,
        period,
        inverse: 1.0 / period as f64,
    };
    // Up to the first block boundary at or after `period`, and the last partial block,
    // each window from its values.
    let start = period.next_multiple_of(BLOCK).min(len);
    let lead: Vec<f64> = (0..start).map(|end| windows.average_at(end)).collect();
    let mut series = column::<BLOCK>(len);
    push_values(&mut series, &lead);
    let (entering, entering_rest) = values[start..].as_chunks::<BLOCK>();
    let (leaving, _) = values[start.saturating_sub(period)..].as_chunks::<BLOCK>();
    let running = Running {
        sum: 0.0,
        next: start,
        until_rebuild: 0,
    };
    extend(
        &mut series,
        entering.iter().zip(leaving),
        running,
        #[inline(always)]
        |running: &mut Running, (entering, leaving)| windows.block(running, entering, leaving),
    );
    let tail: Vec<f64> = (len - entering_rest.len()..len)
        .map(|end| windows.average_at(end))
        .collect();
    push_values(&mut series, &tail);
    Ok(into_series(series, len))
}

/// The windows of a series for the batch SMA, and their constants.
#[derive(Debug, Clone, Copy)]
struct Windows<'a> {
    values: &'a [f64],
    period: usize,
    inverse: f64,
}

/// What the batch SMA carries from block to block (copied out after every block, so
/// kept to the values that change).
#[derive(Debug, Clone, Copy)]
struct Running {
    /// Sum of the window ending just before position `next`.
    sum: f64,
    next: usize,
    /// Blocks left before the sum is rebuilt from the window; 0 before the first block.
    until_rebuild: usize,
}

impl Windows<'_> {
    /// The sum of the `period` values before `end` (exclusive), added oldest first as
    /// TA-Lib adds its first window.
    fn sum_before(&self, end: usize) -> f64 {
        self.values[end - self.period..end]
            .iter()
            .fold(0.0, |sum, value| sum + value)
    }

    /// The average of the window ending at `end` from its values; NaN before `period - 1`.
    fn average_at(&self, end: usize) -> f64 {
        if end + 1 < self.period {
            return f64::NAN;
        }
        self.sum_before(end + 1) / self.period as f64
    }

    /// The averages at a block of positions, whose newest values are `entering` and whose
    /// values just out of the window are `leaving`. Always inlined, so that the sum stays
    /// in a register from block to block.
    ///
    /// The changes of the sum are computed for the whole block and added up by [`scan`],
    /// one addition on the carried chain per four positions (a plain running sum, one
    /// per position, measured 1.1x slower with the inputs in cache; over 1,000,000 bars
    /// both wait on memory). The sums differ from TA-Lib's sequential ones by rounding.
    #[inline(always)]
    fn block(&self, running: &mut Running, entering: &Block, leaving: &Block) -> Block {
        if running.until_rebuild == 0 {
            running.sum = self.sum_before(running.next);
            running.until_rebuild = sma_rebuild_interval(self.period) / BLOCK;
        }
        running.until_rebuild -= 1;
        running.next += BLOCK;
        let mut averages = [0.0; BLOCK];
        for (average, (entering, leaving)) in averages.iter_mut().zip(entering.iter().zip(leaving))
        {
            *average = entering - leaving;
        }
        running.sum = scan(&mut averages, 1.0, running.sum);
        averages.map(|sum| sum * self.inverse)
    }
}

/// Positions between two rebuilds of the batch SMA's sum: a whole number of blocks, and
/// at least four windows, so that a rebuild (`period` additions) costs a quarter of an
/// addition per position or less; 256 for the common periods up to 64.
fn sma_rebuild_interval(period: usize) -> usize {
    (4 * period).max(256).next_multiple_of(BLOCK)
}

/// Exponential moving average with `k = 2 / (period + 1)`, seeded like TA-Lib with the
/// simple average of the first `period` values; first value at index `period - 1`.
#[derive(Debug, Clone)]
pub struct Ema {
    period: usize,
    k: f64,
    seen: usize,
    value: f64,
}

impl Ema {
    pub fn new(period: usize) -> Result<Self, IndicatorError> {
        let period = check_period("period", period, 1)?;
        Ok(Self {
            period,
            k: smoothing(period),
            seen: 0,
            value: 0.0,
        })
    }

    pub fn update(&mut self, value: f64) -> Option<f64> {
        if self.seen < self.period {
            self.value += value;
            self.seen += 1;
            if self.seen < self.period {
                return None;
            }
            self.value /= self.period as f64;
            return Some(self.value);
        }
        self.value = (value - self.value) * self.k + self.value;
        Some(self.value)
    }

    pub fn reset(&mut self) {
        self.seen = 0;
        self.value = 0.0;
    }
}

/// [`Ema`] over a whole series: NaN for the first `period - 1` positions.
pub fn ema(values: &[f64], period: usize) -> Result<Vec<f64>, IndicatorError> {
    let period = check_period("period", period, 1)?;
    let mut output = warm_up(values.len(), period - 1);
    if values.len() < period {
        return Ok(output);
    }
    let seed = values[..period].iter().fold(0.0, |sum, value| sum + value) / period as f64;
    output.push(seed);
    ema_continue(&values[period..], smoothing(period), seed, &mut output);
    Ok(output)
}

/// The EMA smoothing factor TA-Lib uses, `2 / (period + 1)`.
pub(crate) fn smoothing(period: usize) -> f64 {
    2.0 / (period + 1) as f64
}

/// Appends the EMA of `values` continuing from `previous`.
pub(crate) fn ema_continue(values: &[f64], k: f64, previous: f64, output: &mut Vec<f64>) {
    let mut buffer = [0.0; TILE];
    let mut carried = previous;
    for chunk in values.chunks(TILE) {
        let block = &mut buffer[..chunk.len()];
        for (slot, value) in block.iter_mut().zip(chunk) {
            *slot = k * value;
        }
        carried = scan(block, 1.0 - k, carried);
        output.extend_from_slice(block);
    }
}

/// Consecutive ranges of at most [`TILE`] indices covering `start..end`.
pub(crate) fn tiles(start: usize, end: usize) -> impl Iterator<Item = std::ops::Range<usize>> {
    (start..end)
        .step_by(TILE)
        .map(move |first| first..(first + TILE).min(end))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sma_of_a_small_series() {
        let output = sma(&[1.0, 2.0, 3.0, 4.0, 5.0], 3).unwrap();
        assert!(output[0].is_nan() && output[1].is_nan());
        assert_eq!(&output[2..], &[2.0, 3.0, 4.0]);
    }

    #[test]
    fn ema_is_seeded_with_the_simple_average() {
        // k = 0.5: seed (1 + 2 + 3) / 3 = 2, then (6 - 2) * 0.5 + 2 = 4.
        let output = ema(&[1.0, 2.0, 3.0, 6.0], 3).unwrap();
        assert_eq!(&output[2..], &[2.0, 4.0]);
        let mut streaming = Ema::new(3).unwrap();
        let values: Vec<_> = [1.0, 2.0, 3.0, 6.0]
            .iter()
            .filter_map(|value| streaming.update(*value))
            .collect();
        assert_eq!(values, vec![2.0, 4.0]);
    }

    #[test]
    fn reset_starts_over() {
        let mut average = Sma::new(2).unwrap();
        average.update(10.0);
        average.update(20.0);
        average.reset();
        assert_eq!(average.update(1.0), None);
        assert_eq!(average.update(3.0), Some(2.0));
    }

    /// Rounding taken on while the values were large does not stay in the sum once they
    /// have left the window: after a stretch near 1e9, averages of values near 1 are as
    /// exact as at the start (TA-Lib, whose sum runs over the whole series, is off by 2e-7).
    #[test]
    fn sma_forgets_the_rounding_of_values_that_left_the_window() {
        let period = 20;
        let values: Vec<f64> = (0..20_000)
            .map(|i| {
                let wiggle = (f64::from(i) * 0.7).sin();
                if i < 10_000 {
                    1e9 + 1e3 * wiggle
                } else {
                    1.0 + 0.1 * wiggle
                }
            })
            .collect();
        let output = sma(&values, period).unwrap();
        let settled = 10_000 + sma_rebuild_interval(period) + period;
        for end in (period - 1..9_000).chain(settled..values.len()) {
            let window = &values[end + 1 - period..=end];
            let exact = window.iter().sum::<f64>() / period as f64;
            let error = ((output[end] - exact) / exact).abs();
            assert!(error < 1e-13, "SMA[{end}]: relative error {error:e}");
        }
        assert_eq!(sma(&values[..7], period).unwrap().len(), 7);
        assert_eq!(sma(&values[..3], 1).unwrap(), &values[..3]);
    }

    #[test]
    fn short_input_is_all_warm_up() {
        let output = sma(&[1.0, 2.0], 5).unwrap();
        assert_eq!(output.len(), 2);
        assert!(output.iter().all(|value| value.is_nan()));
        assert!(ema(&[], 3).unwrap().is_empty());
        assert_eq!(sma(&[1.0], 0).unwrap_err().parameter(), "period");
    }
}
