//! True range (TA-Lib TRANGE) and the average true range (ATR, Wilder's smoothing).
use super::bar::Bar;
use super::block::{BLOCK, Block, column, extend, into_series, padded, push_values};
use super::error::{IndicatorError, check_length, check_period};
use super::kernel::{scan, warm_up};

/// The largest of today's range and the distances from yesterday's close to today's
/// high and low; first value at index 1.
#[derive(Debug, Clone, Default)]
pub struct TrueRange {
    previous_close: Option<f64>,
}

impl TrueRange {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn update(&mut self, bar: Bar) -> Option<f64> {
        let previous_close = self.previous_close.replace(bar.close)?;
        Some(true_range(bar.high, bar.low, previous_close))
    }

    pub fn reset(&mut self) {
        self.previous_close = None;
    }
}

/// [`TrueRange`] over whole series: NaN at index 0.
pub fn trange(high: &[f64], low: &[f64], close: &[f64]) -> Result<Vec<f64>, IndicatorError> {
    check_bars(high, low, close)?;
    let mut output = warm_up(high.len(), 1);
    if high.len() > 1 {
        output.extend(
            high[1..]
                .iter()
                .zip(&low[1..])
                .zip(close)
                .map(|((high, low), previous_close)| true_range(*high, *low, *previous_close)),
        );
    }
    Ok(output)
}

/// Average true range: the mean of the first `period` true ranges, then
/// `(atr * (period - 1) + tr) / period`; first value at index `period`.
#[derive(Debug, Clone)]
pub struct Atr {
    period: usize,
    previous_close: Option<f64>,
    ranges: usize,
    value: f64,
}

impl Atr {
    pub fn new(period: usize) -> Result<Self, IndicatorError> {
        let period = check_period("period", period, 1)?;
        Ok(Self {
            period,
            previous_close: None,
            ranges: 0,
            value: 0.0,
        })
    }

    pub fn update(&mut self, bar: Bar) -> Option<f64> {
        self.step(bar.high, bar.low, bar.close)
    }

    fn step(&mut self, high: f64, low: f64, close: f64) -> Option<f64> {
        let previous_close = self.previous_close.replace(close)?;
        let range = true_range(high, low, previous_close);
        let period = self.period as f64;
        if self.period == 1 {
            return Some(range);
        }
        if self.ranges < self.period {
            self.value += range;
            self.ranges += 1;
            if self.ranges < self.period {
                return None;
            }
            self.value /= period;
        } else {
            self.value *= period - 1.0;
            self.value += range;
            self.value /= period;
        }
        Some(self.value)
    }

    pub fn reset(&mut self) {
        self.previous_close = None;
        self.ranges = 0;
        self.value = 0.0;
    }
}

/// [`Atr`] over whole series: NaN for the first `period` positions.
pub fn atr(
    high: &[f64],
    low: &[f64],
    close: &[f64],
    period: usize,
) -> Result<Vec<f64>, IndicatorError> {
    let period = check_period("period", period, 1)?;
    check_bars(high, low, close)?;
    if period == 1 {
        return trange(high, low, close);
    }
    let len = high.len();
    if len <= period {
        return Ok(warm_up(len, period));
    }
    let smoothing = Wilder::new(period);
    let range_at = |index: usize| true_range(high[index], low[index], close[index - 1]);
    // Warm-up, the seed (the mean of the first `period` true ranges, summed in TA-Lib's
    // order), and the smoothing up to the first block boundary, value by value.
    let start = (period + 1).next_multiple_of(BLOCK).min(len);
    let mut lead = warm_up(start, period);
    let seed = (1..=period)
        .map(range_at)
        .fold(0.0, |sum, range| sum + range)
        / period as f64;
    lead.push(seed);
    let mut drive: Vec<f64> = (period + 1..start)
        .map(|index| range_at(index) * smoothing.share)
        .collect();
    let value = scan(&mut drive, smoothing.decay, seed);
    lead.extend_from_slice(&drive);
    let mut series = column::<BLOCK>(len);
    push_values(&mut series, &lead);
    let (highs, high_rest) = high[start..].as_chunks::<BLOCK>();
    let (lows, low_rest) = low[start..].as_chunks::<BLOCK>();
    let (previous_closes, _) = close[start - 1..].as_chunks::<BLOCK>();
    let bars = highs.iter().zip(lows).zip(previous_closes);
    let mut value = extend(
        &mut series,
        bars,
        value,
        #[inline(always)]
        |value: &mut f64, ((high, low), previous_close)| {
            smoothing.block(value, high, low, previous_close)
        },
    );
    if !high_rest.is_empty() {
        let previous_close = padded(&close[len - 1 - high_rest.len()..len - 1], 0.0);
        let (high_rest, low_rest) = (padded(high_rest, 0.0), padded(low_rest, 0.0));
        series.push(smoothing.block(&mut value, &high_rest, &low_rest, &previous_close));
    }
    Ok(into_series(series, len))
}

/// Wilder's smoothing of true ranges, `(atr * (period - 1) + tr) / period`, computed as
/// `decay * atr + share * tr`.
#[derive(Debug, Clone, Copy)]
struct Wilder {
    share: f64,
    decay: f64,
}

impl Wilder {
    fn new(period: usize) -> Self {
        Self {
            share: 1.0 / period as f64,
            decay: (period as f64 - 1.0) / period as f64,
        }
    }

    /// The ATR at a block of bars, continuing from `value` (left at the last of them).
    /// Always inlined, so that `value` stays in a register from block to block.
    #[inline(always)]
    fn block(&self, value: &mut f64, high: &Block, low: &Block, previous_close: &Block) -> Block {
        let mut block = [0.0; BLOCK];
        let bars = high.iter().zip(low).zip(previous_close);
        for (slot, ((high, low), previous_close)) in block.iter_mut().zip(bars) {
            *slot = true_range(*high, *low, *previous_close) * self.share;
        }
        *value = scan(&mut block, self.decay, *value);
        block
    }
}

/// TA-Lib's order: start from high - low, then compare with each close distance.
pub(crate) fn true_range(high: f64, low: f64, previous_close: f64) -> f64 {
    let mut greatest = high - low;
    let to_high = (previous_close - high).abs();
    if to_high > greatest {
        greatest = to_high;
    }
    let to_low = (previous_close - low).abs();
    if to_low > greatest {
        greatest = to_low;
    }
    greatest
}

/// High, low and close series of the same length.
pub(crate) fn check_bars(high: &[f64], low: &[f64], close: &[f64]) -> Result<(), IndicatorError> {
    check_length("low", "high", high.len(), low.len())?;
    check_length("close", "high", high.len(), close.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn true_range_takes_the_gap_into_account() {
        assert_eq!(true_range(12.0, 10.0, 11.0), 2.0);
        assert_eq!(true_range(12.0, 10.0, 15.0), 5.0);
        assert_eq!(true_range(12.0, 10.0, 7.0), 5.0);
    }

    #[test]
    fn atr_by_hand() {
        // True ranges 2, 4, 1 (from index 1): seed (2 + 4) / 2 = 3, then (3 + 1) / 2 = 2.
        let high = [10.0, 12.0, 14.0, 13.0];
        let low = [9.0, 10.0, 10.0, 12.0];
        let close = [10.0, 11.0, 13.0, 12.5];
        let output = atr(&high, &low, &close, 2).unwrap();
        assert!(output[1].is_nan());
        assert_eq!(&output[2..], &[3.0, 2.0]);
    }

    #[test]
    fn mismatched_lengths_name_the_series() {
        let error = atr(&[1.0, 2.0], &[1.0], &[1.0, 2.0], 2).unwrap_err();
        assert_eq!(error.parameter(), "low");
    }
}
