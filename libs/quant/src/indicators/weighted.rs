//! The linearly weighted moving average (TA-Lib WMA): the streaming form keeps TA-Lib's
//! two running sums, the batch form the same sums a block of positions at a time.
use super::block::{BLOCK, Block, column, extend, into_series, push_values};
use super::error::{IndicatorError, check_period};
use super::kernel::Ring;

/// Linearly weighted moving average (weights 1..=period, newest heaviest); first value
/// at index `period - 1`.
///
/// TA-Lib's recurrence keeps a plain and a weighted running sum and subtracts the plain
/// one from the weighted one every step, so rounding in the plain sum is summed again
/// into the weighted one. Both sums are rebuilt from the window at the first output and
/// every [`wma_rebuild_interval`] outputs after it, which bounds that growth.
#[derive(Debug, Clone)]
pub struct Wma {
    period: usize,
    window: Ring,
    /// The plain sum TA-Lib subtracts each step to shift every weight down by one.
    plain_sum: f64,
    weighted_sum: f64,
    trailing: f64,
    until_rebuild: usize,
}

impl Wma {
    pub fn new(period: usize) -> Result<Self, IndicatorError> {
        let period = check_period("period", period, 1)?;
        Ok(Self {
            period,
            window: Ring::new(period),
            plain_sum: 0.0,
            weighted_sum: 0.0,
            trailing: 0.0,
            until_rebuild: 0,
        })
    }

    pub fn update(&mut self, value: f64) -> Option<f64> {
        if self.period == 1 {
            // One weight: the value itself, as TA-Lib returns it.
            return Some(value);
        }
        self.window.push(value);
        if !self.window.is_full() {
            return None;
        }
        let average;
        if self.until_rebuild == 0 {
            let (plain, weighted) = window_sums(self.window.iter());
            average = weighted * (1.0 / weight_total(self.period));
            self.plain_sum = plain;
            self.weighted_sum = weighted - plain;
            self.until_rebuild = wma_rebuild_interval(self.period);
        } else {
            self.plain_sum += value;
            self.plain_sum -= self.trailing;
            self.weighted_sum += value * self.period as f64;
            average = self.weighted_sum * (1.0 / weight_total(self.period));
            self.weighted_sum -= self.plain_sum;
        }
        self.trailing = self.window.oldest();
        self.until_rebuild -= 1;
        Some(average)
    }

    pub fn reset(&mut self) {
        self.window.clear();
        self.plain_sum = 0.0;
        self.weighted_sum = 0.0;
        self.trailing = 0.0;
        self.until_rebuild = 0;
    }
}

/// [`Wma`] over a whole series: NaN for the first `period - 1` positions.
pub fn wma(values: &[f64], period: usize) -> Result<Vec<f64>, IndicatorError> {
    let period = check_period("period", period, 1)?;
    if period == 1 {
        return Ok(values.to_vec());
    }
    let len = values.len();
    let mut sums = Sums::new(values, period);
    // Up to the first block boundary at or after `period`, and the last partial block,
    // each window from its values.
    let start = period.next_multiple_of(BLOCK).min(len);
    let lead: Vec<f64> = (0..start).map(|end| sums.average_at(end)).collect();
    let mut series = column::<BLOCK>(len);
    push_values(&mut series, &lead);
    let (entering, entering_rest) = values[start..].as_chunks::<BLOCK>();
    let (leaving, _) = values[start.saturating_sub(period)..].as_chunks::<BLOCK>();
    sums.next = start;
    let blocks = entering.iter().zip(leaving);
    extend(
        &mut series,
        blocks,
        sums,
        #[inline(always)]
        |sums, (entering, leaving)| sums.block(entering, leaving),
    );
    let tail: Vec<f64> = (len - entering_rest.len()..len)
        .map(|end| sums.average_at(end))
        .collect();
    push_values(&mut series, &tail);
    Ok(into_series(series, len))
}

/// The batch form's running sums between blocks.
#[derive(Debug, Clone, Copy)]
struct Sums<'a> {
    values: &'a [f64],
    period: usize,
    inverse_total: f64,
    /// Plain and weighted sums of the window ending just before position `next`.
    plain: f64,
    weighted: f64,
    next: usize,
    /// Blocks left before the sums are rebuilt from the window.
    until_rebuild: usize,
}

impl<'a> Sums<'a> {
    fn new(values: &'a [f64], period: usize) -> Self {
        Self {
            values,
            period,
            inverse_total: 1.0 / weight_total(period),
            plain: 0.0,
            weighted: 0.0,
            next: 0,
            until_rebuild: 0,
        }
    }

    /// The average of the window ending at `end` from its values; NaN before `period - 1`.
    fn average_at(&self, end: usize) -> f64 {
        if end + 1 < self.period {
            return f64::NAN;
        }
        let window = &self.values[end + 1 - self.period..=end];
        window_sums(window.iter().copied()).1 * self.inverse_total
    }

    /// The averages at a block of positions, whose newest values are `entering` and whose
    /// values just out of the window are `leaving`. Always inlined, so that the sums stay
    /// in registers from block to block.
    #[inline(always)]
    fn block(&mut self, entering: &Block, leaving: &Block) -> Block {
        if self.until_rebuild == 0 {
            let window = &self.values[self.next - self.period..self.next];
            (self.plain, self.weighted) = window_sums(window.iter().copied());
            self.until_rebuild = wma_rebuild_interval(self.period) / BLOCK;
        }
        self.until_rebuild -= 1;
        self.next += BLOCK;
        // Each step adds the new value at full weight and lowers every older weight by
        // one, which is subtracting the plain sum of the previous window. One addition
        // per sum and position carried to the next: on current x86-64 adders that is as
        // fast as the blocked form of `scan`, which does twice the work. The plain sum is
        // updated as `-= leaving - entering` (the same number as `+= entering - leaving`)
        // so that the two updates do not look alike to the vectorizer: packed into one
        // register, both chains went through a shuffle per position and ran 2x slower.
        let weight = self.period as f64;
        let mut averages = [0.0; BLOCK];
        for (average, (entering, leaving)) in averages.iter_mut().zip(entering.iter().zip(leaving))
        {
            let previous = self.plain;
            self.plain -= leaving - entering;
            self.weighted += weight * entering - previous;
            *average = self.weighted * self.inverse_total;
        }
        averages
    }
}

/// Outputs between two rebuilds of the WMA sums: a multiple of 256 (so that batch
/// rebuilds fall on block starts), short enough that the doubly summed rounding stays near
/// 1e-13 of the average, and at least four windows long so a rebuild stays a small share
/// of the work between two.
fn wma_rebuild_interval(period: usize) -> usize {
    256 * period.div_ceil(64)
}

/// The plain and the weighted sum (weights 1, 2, ... from the oldest) of a window.
fn window_sums(window: impl Iterator<Item = f64>) -> (f64, f64) {
    window
        .enumerate()
        .fold((0.0, 0.0), |(plain, weighted), (index, value)| {
            (plain + value, weighted + value * (index + 1) as f64)
        })
}

/// `1 + 2 + ... + period`.
fn weight_total(period: usize) -> f64 {
    (period * (period + 1) / 2) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wma_weights_the_newest_value_most() {
        // (1*1 + 2*2 + 3*3) / 6 = 14 / 6, then (2 + 6 + 12) / 6 = 20 / 6.
        let expected = [14.0 / 6.0, 20.0 / 6.0];
        let output = wma(&[1.0, 2.0, 3.0, 4.0], 3).unwrap();
        let mut streaming = Wma::new(3).unwrap();
        let values: Vec<_> = [1.0, 2.0, 3.0, 4.0]
            .iter()
            .filter_map(|value| streaming.update(*value))
            .collect();
        assert_eq!(values.len(), 2);
        for ((batch, streamed), expected) in output[2..].iter().zip(&values).zip(expected) {
            assert!((batch - expected).abs() < 1e-14, "{batch} vs {expected}");
            assert!(
                (streamed - expected).abs() < 1e-14,
                "{streamed} vs {expected}"
            );
        }
    }

    #[test]
    fn long_series_cross_blocks_and_rebuilds() {
        let values: Vec<f64> = (0..1000)
            .map(|i| 100.0 + (f64::from(i) * 0.3).sin())
            .collect();
        let period = 7;
        let output = wma(&values, period).unwrap();
        let total = weight_total(period);
        for end in [6, 15, 16, 17, 300, 999] {
            let window = &values[end + 1 - period..=end];
            let exact: f64 = window
                .iter()
                .enumerate()
                .map(|(index, value)| value * (index + 1) as f64)
                .sum::<f64>()
                / total;
            assert!((output[end] - exact).abs() < 1e-12, "{end}");
        }
        assert!(output[5].is_nan());
        assert_eq!(wma(&values[..3], period).unwrap().len(), 3);
    }
}
