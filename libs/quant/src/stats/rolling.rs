//! Rolling mean and variance without catastrophic cancellation.
//!
//! The textbook running sums of `x` and `x²` lose every digit of the variance when the
//! values sit far from zero (prices near 1e9 with noise of 1e-3: `x²` is 1e18 and its
//! rounding alone is larger than the variance). Here the sums are of `x - origin`, with
//! the origin a value of the window, so the squares are of the size of the spread, not
//! of the level. Every few windows the origin moves to the window's oldest value and the
//! sums are rebuilt from the window itself, so neither drift of the level nor rounding
//! carried over many updates can build up. Updates cost O(1), amortized.
use super::error::StatsError;
use crate::indicators::kernel::Ring;

/// Mean and variances of one window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Moments {
    pub mean: f64,
    /// Population variance (divides by the window length).
    pub variance: f64,
    /// Sample variance (divides by the window length minus one).
    pub sample_variance: f64,
}

impl Moments {
    /// Population standard deviation.
    pub fn std_dev(&self) -> f64 {
        self.variance.sqrt()
    }
}

/// Streaming rolling mean and variance over the last `window` values.
#[derive(Debug, Clone)]
pub struct RollingMoments {
    core: WindowSums,
}

impl RollingMoments {
    /// A window of at least two values.
    pub fn new(window: usize) -> Result<Self, StatsError> {
        if window < 2 {
            return Err(StatsError::WindowTooShort {
                minimum: 2,
                value: window,
            });
        }
        Ok(Self {
            core: WindowSums::new(window),
        })
    }

    /// The moments of the last `window` values once that many were seen; a NaN or
    /// infinite value is refused and leaves the window as it was.
    pub fn update(&mut self, value: f64) -> Result<Option<Moments>, StatsError> {
        if !value.is_finite() {
            return Err(StatsError::NonFinite {
                series: "value",
                index: 0,
            });
        }
        let count = self.core.len as f64;
        Ok(self.core.push(value).map(|sums| sums.moments(count)))
    }

    pub fn reset(&mut self) {
        self.core.reset();
    }
}

/// The moments of every complete window of `values`, one per window ending at index
/// `window - 1` onwards (`values.len() - window + 1` of them).
pub fn rolling_moments(values: &[f64], window: usize) -> Result<Vec<Moments>, StatsError> {
    if window < 2 {
        return Err(StatsError::WindowTooShort {
            minimum: 2,
            value: window,
        });
    }
    if values.len() < window {
        return Err(StatsError::TooShort {
            series: "values",
            needed: window,
            got: values.len(),
        });
    }
    super::error::check_finite("values", values)?;
    let mut moments = Vec::with_capacity(values.len() - window + 1);
    let count = window as f64;
    each_window(values, window, |_, sums| moments.push(sums.moments(count)));
    Ok(moments)
}

/// Sums of `x - origin` and `(x - origin)²` over a window.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct ShiftedSums {
    origin: f64,
    sum: f64,
    sum_squares: f64,
}

impl ShiftedSums {
    fn rebuild(&mut self, origin: f64, window: impl Iterator<Item = f64>) {
        self.origin = origin;
        self.sum = 0.0;
        self.sum_squares = 0.0;
        for value in window {
            let deviation = value - origin;
            self.sum += deviation;
            self.sum_squares += deviation * deviation;
        }
    }

    fn replace(&mut self, entering: f64, leaving: f64) {
        let entering = entering - self.origin;
        let leaving = leaving - self.origin;
        self.sum += entering - leaving;
        self.sum_squares += (entering - leaving) * (entering + leaving);
    }

    /// The mean, given `1 / count` (a multiply is several times cheaper than a divide).
    pub(crate) fn mean(&self, inverse_count: f64) -> f64 {
        self.origin + self.sum * inverse_count
    }

    /// Population variance, given `1 / count`; may come out a rounding error below zero.
    pub(crate) fn variance(&self, inverse_count: f64) -> f64 {
        let mean_deviation = self.sum * inverse_count;
        self.sum_squares * inverse_count - mean_deviation * mean_deviation
    }

    fn moments(&self, count: f64) -> Moments {
        let spread = self.sum_squares - self.sum * self.sum / count;
        Moments {
            mean: self.origin + self.sum / count,
            variance: (spread / count).max(0.0),
            sample_variance: (spread / (count - 1.0)).max(0.0),
        }
    }
}

/// Updates between two rebuilds of the sums from the window: four windows, so the level
/// cannot drift far from the origin compared with the spread of a window, and a rebuild
/// costs a quarter of an operation per update.
fn rebuild_interval(window: usize) -> usize {
    (4 * window).max(8)
}

/// The streaming core shared with the indicators: a ring of the window and its sums.
#[derive(Debug, Clone)]
pub(crate) struct WindowSums {
    window: Ring,
    len: usize,
    sums: ShiftedSums,
    until_rebuild: usize,
}

impl WindowSums {
    pub(crate) fn new(len: usize) -> Self {
        Self {
            window: Ring::new(len),
            len,
            sums: ShiftedSums::default(),
            until_rebuild: 0,
        }
    }

    /// Adds a value; the sums of the last `len` values once that many were seen.
    pub(crate) fn push(&mut self, value: f64) -> Option<ShiftedSums> {
        let leaving = self.window.push(value);
        if !self.window.is_full() {
            return None;
        }
        match leaving {
            Some(leaving) if self.until_rebuild > 0 => self.sums.replace(value, leaving),
            _ => {
                let origin = self.window.oldest();
                self.sums.rebuild(origin, self.window.iter());
                self.until_rebuild = rebuild_interval(self.len);
            }
        }
        self.until_rebuild -= 1;
        Some(self.sums)
    }

    pub(crate) fn reset(&mut self) {
        self.window.clear();
        self.until_rebuild = 0;
    }
}

/// Calls `visit(end, sums)` for each window `values[end + 1 - len..=end]`, with exactly
/// the arithmetic of [`WindowSums::push`] so that batch and streaming agree bit for bit.
pub(crate) fn each_window(values: &[f64], len: usize, mut visit: impl FnMut(usize, &ShiftedSums)) {
    if len == 0 || values.len() < len {
        return;
    }
    let mut sums = ShiftedSums::default();
    let mut until_rebuild = 0;
    for (end, (entering, leaving)) in values[len - 1..]
        .iter()
        .zip(std::iter::once(&f64::NAN).chain(values))
        .enumerate()
    {
        let end = end + len - 1;
        if until_rebuild > 0 {
            sums.replace(*entering, *leaving);
        } else {
            let window = &values[end + 1 - len..=end];
            sums.rebuild(window[0], window.iter().copied());
            until_rebuild = rebuild_interval(len);
        }
        until_rebuild -= 1;
        visit(end, &sums);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two passes over the differences to the first value, which are exact for values
    /// this close together: an accurate reference.
    fn two_pass(window: &[f64]) -> (f64, f64) {
        let count = window.len() as f64;
        let base = window[0];
        let offset = window.iter().map(|x| x - base).sum::<f64>() / count;
        let variance = window
            .iter()
            .map(|x| (x - base - offset) * (x - base - offset))
            .sum::<f64>()
            / count;
        (base + offset, variance)
    }

    /// Noise of about 1e-3 on a level of 1e9, deterministic.
    fn far_from_zero(len: usize) -> Vec<f64> {
        (0..len)
            .map(|i| 1e9 + ((i * 7919) % 1000) as f64 * 1e-6 + (i as f64 * 0.37).sin() * 1e-3)
            .collect()
    }

    #[test]
    fn variance_far_from_zero_is_accurate_where_naive_sums_fail() {
        let values = far_from_zero(5_000);
        let window = 50;
        let moments = rolling_moments(&values, window).unwrap();
        let mut naive_worst = 0.0_f64;
        let (mut sum, mut sum_squares) = (0.0, 0.0);
        for (index, value) in values.iter().enumerate() {
            sum += value;
            sum_squares += value * value;
            if index >= window {
                sum -= values[index - window];
                sum_squares -= values[index - window] * values[index - window];
            }
            if index + 1 < window {
                continue;
            }
            let (mean, variance) = two_pass(&values[index + 1 - window..=index]);
            let ours = moments[index + 1 - window];
            assert!((ours.mean - mean).abs() <= 1e-12 * mean, "mean at {index}");
            assert!(
                (ours.variance - variance).abs() <= 1e-9 * variance,
                "variance at {index}: {} vs {variance}",
                ours.variance
            );
            let count = window as f64;
            let naive = sum_squares / count - (sum / count) * (sum / count);
            naive_worst = naive_worst.max((naive - variance).abs() / variance);
        }
        assert!(
            naive_worst > 1.0,
            "naive sums were expected to fail, worst {naive_worst}"
        );
    }

    #[test]
    fn streaming_equals_batch_bit_for_bit() {
        let values = far_from_zero(1_000);
        let batch = rolling_moments(&values, 20).unwrap();
        let mut streaming = RollingMoments::new(20).unwrap();
        let collected: Vec<Moments> = values
            .iter()
            .filter_map(|value| streaming.update(*value).unwrap())
            .collect();
        assert_eq!(collected, batch);
    }

    #[test]
    fn hand_computed_window() {
        let moments = rolling_moments(&[1.0, 2.0, 3.0, 4.0], 3).unwrap();
        assert_eq!(moments.len(), 2);
        assert_eq!(moments[0].mean, 2.0);
        assert!((moments[0].variance - 2.0 / 3.0).abs() < 1e-15);
        assert_eq!(moments[0].sample_variance, 1.0);
        assert_eq!(moments[1].mean, 3.0);
    }

    #[test]
    fn bad_input_is_refused() {
        assert!(RollingMoments::new(1).is_err());
        assert_eq!(
            rolling_moments(&[1.0, 2.0], 3),
            Err(StatsError::TooShort {
                series: "values",
                needed: 3,
                got: 2
            })
        );
        assert_eq!(
            rolling_moments(&[1.0, f64::INFINITY, 2.0], 2),
            Err(StatsError::NonFinite {
                series: "values",
                index: 1
            })
        );
        let mut streaming = RollingMoments::new(2).unwrap();
        assert!(streaming.update(f64::NAN).is_err());
        assert_eq!(streaming.update(1.0).unwrap(), None);
        assert!(streaming.update(3.0).unwrap().is_some());
    }
}
