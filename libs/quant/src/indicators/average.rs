//! Moving averages: simple (TA-Lib SMA) and exponential (EMA, seeded with the SMA of the
//! first `period` values); the linearly weighted one (WMA) is in `weighted`.
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
pub fn sma(values: &[f64], period: usize) -> Result<Vec<f64>, IndicatorError> {
    let period = check_period("period", period, 1)?;
    let mut output = warm_up(values.len(), period - 1);
    if values.len() < period {
        return Ok(output);
    }
    let divisor = period as f64;
    let inverse = 1.0 / divisor;
    let mut sum = values[..period].iter().fold(0.0, |sum, value| sum + value);
    output.push(sum / divisor);
    let mut buffer = [0.0; TILE];
    for range in tiles(period, values.len()) {
        let block = &mut buffer[..range.len()];
        let entering = &values[range.clone()];
        let leaving = &values[range.start - period..range.end - period];
        for ((slot, new), old) in block.iter_mut().zip(entering).zip(leaving) {
            *slot = new - old;
        }
        sum = scan(block, 1.0, sum);
        block.iter_mut().for_each(|slot| *slot *= inverse);
        output.extend_from_slice(block);
    }
    Ok(output)
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

    #[test]
    fn short_input_is_all_warm_up() {
        let output = sma(&[1.0, 2.0], 5).unwrap();
        assert_eq!(output.len(), 2);
        assert!(output.iter().all(|value| value.is_nan()));
        assert!(ema(&[], 3).unwrap().is_empty());
        assert_eq!(sma(&[1.0], 0).unwrap_err().parameter(), "period");
    }
}
