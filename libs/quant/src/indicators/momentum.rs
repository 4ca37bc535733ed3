//! Momentum oscillators: RSI (Wilder's smoothing, TA-Lib's convention) and ROC.
use super::average::tiles;
use super::error::{IndicatorError, check_period};
use super::kernel::{Ring, TILE, is_zero, scan_pair, warm_up};

/// Relative strength index, `100 * gain / (gain + loss)` with Wilder-smoothed average
/// gains and losses; first value at index `period` (a change needs two values).
#[derive(Debug, Clone)]
pub struct Rsi {
    period: usize,
    previous: Option<f64>,
    changes: usize,
    gain: f64,
    loss: f64,
}

impl Rsi {
    pub fn new(period: usize) -> Result<Self, IndicatorError> {
        let period = check_period("period", period, 2)?;
        Ok(Self {
            period,
            previous: None,
            changes: 0,
            gain: 0.0,
            loss: 0.0,
        })
    }

    pub fn update(&mut self, value: f64) -> Option<f64> {
        let previous = self.previous.replace(value)?;
        let change = value - previous;
        let period = self.period as f64;
        if self.changes < self.period {
            self.changes += 1;
            if change < 0.0 {
                self.loss -= change;
            } else {
                self.gain += change;
            }
            if self.changes < self.period {
                return None;
            }
        } else {
            self.loss *= period - 1.0;
            self.gain *= period - 1.0;
            if change < 0.0 {
                self.loss -= change;
            } else {
                self.gain += change;
            }
        }
        self.loss /= period;
        self.gain /= period;
        Some(strength(self.gain, self.loss))
    }

    pub fn reset(&mut self) {
        self.previous = None;
        self.changes = 0;
        self.gain = 0.0;
        self.loss = 0.0;
    }
}

/// [`Rsi`] over a whole series: NaN for the first `period` positions.
pub fn rsi(values: &[f64], period: usize) -> Result<Vec<f64>, IndicatorError> {
    let mut state = Rsi::new(period)?;
    let mut output = warm_up(values.len(), period);
    if values.len() <= period {
        return Ok(output);
    }
    for value in &values[..=period] {
        if let Some(first) = state.update(*value) {
            output.push(first);
        }
    }
    let decay = (period as f64 - 1.0) / period as f64;
    let share = 1.0 / period as f64;
    let (mut gain, mut loss) = (state.gain, state.loss);
    let mut gains = [0.0; TILE];
    let mut losses = [0.0; TILE];
    for range in tiles(period + 1, values.len()) {
        let len = range.len();
        let current = &values[range.clone()];
        let previous = &values[range.start - 1..range.end - 1];
        for (((gain_slot, loss_slot), now), before) in gains[..len]
            .iter_mut()
            .zip(&mut losses[..len])
            .zip(current)
            .zip(previous)
        {
            let change = now - before;
            let falling = change < 0.0;
            *gain_slot = if falling { 0.0 } else { change * share };
            *loss_slot = if falling { -change * share } else { 0.0 };
        }
        (gain, loss) = scan_pair(
            &mut gains[..len],
            &mut losses[..len],
            (decay, decay),
            (gain, loss),
        );
        for (gain_slot, loss_slot) in gains[..len].iter_mut().zip(&losses[..len]) {
            *gain_slot = strength(*gain_slot, *loss_slot);
        }
        output.extend_from_slice(&gains[..len]);
    }
    Ok(output)
}

fn strength(gain: f64, loss: f64) -> f64 {
    let total = gain + loss;
    if is_zero(total) {
        0.0
    } else {
        100.0 * (gain / total)
    }
}

/// Rate of change in percent, TA-Lib's ROC: `(value / value_period_ago - 1) * 100`, 0
/// when the older value is 0; first value at index `period`.
#[derive(Debug, Clone)]
pub struct Roc {
    window: Ring,
}

impl Roc {
    pub fn new(period: usize) -> Result<Self, IndicatorError> {
        let period = check_period("period", period, 1)?;
        Ok(Self {
            window: Ring::new(period + 1),
        })
    }

    pub fn update(&mut self, value: f64) -> Option<f64> {
        self.window.push(value);
        self.window
            .is_full()
            .then(|| rate_of_change(value, self.window.oldest()))
    }

    pub fn reset(&mut self) {
        self.window.clear();
    }
}

/// [`Roc`] over a whole series: NaN for the first `period` positions.
pub fn roc(values: &[f64], period: usize) -> Result<Vec<f64>, IndicatorError> {
    let period = check_period("period", period, 1)?;
    let mut output = warm_up(values.len(), period);
    if values.len() <= period {
        return Ok(output);
    }
    output.extend(
        values[period..]
            .iter()
            .zip(values)
            .map(|(now, before)| rate_of_change(*now, *before)),
    );
    Ok(output)
}

fn rate_of_change(now: f64, before: f64) -> f64 {
    if before != 0.0 {
        (now / before - 1.0) * 100.0
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rsi_of_a_hand_computed_series() {
        // Changes +1, -1, +2 with period 2: first gain (1 + 0) / 2 = 0.5, loss 0.5 -> 50.
        // Then gain (0.5 * 1 + 2) / 2 = 1.25, loss 0.5 / 2 = 0.25 -> 100 * 1.25 / 1.5.
        let values = [10.0, 11.0, 10.0, 12.0];
        let output = rsi(&values, 2).unwrap();
        assert!(output[0].is_nan() && output[1].is_nan());
        assert_eq!(output[2], 50.0);
        assert!((output[3] - 100.0 * 1.25 / 1.5).abs() < 1e-12);
    }

    #[test]
    fn rsi_of_a_flat_series_is_zero() {
        let output = rsi(&[5.0; 6], 3).unwrap();
        assert_eq!(&output[3..], &[0.0, 0.0, 0.0]);
    }

    #[test]
    fn roc_in_percent_and_zero_for_a_zero_base() {
        let output = roc(&[100.0, 0.0, 110.0, 5.0], 2).unwrap();
        assert_eq!(output[2], 10.000000000000009);
        assert_eq!(output[3], 0.0);
        let mut streaming = Roc::new(2).unwrap();
        assert_eq!(streaming.update(100.0), None);
        assert_eq!(streaming.update(0.0), None);
        assert_eq!(streaming.update(110.0), Some(output[2]));
    }

    #[test]
    fn rsi_needs_two_periods() {
        assert_eq!(Rsi::new(1).unwrap_err().parameter(), "period");
    }
}
