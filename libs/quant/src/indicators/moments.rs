//! The batch kernel under STDDEV and Bollinger: the mean and population variance of every
//! window of `period` values, a block of windows at a time, turned into the indicator's
//! outputs by a [`FromMoments`].
//!
//! The arithmetic is that of the streaming forms (`stats::rolling::WindowSums`), operation
//! for operation, so that both forms give the same bits: sums of `x - origin` and of its
//! squares, with the origin the oldest value of the window, rebuilt from the window at the
//! first window and every `max(4 * period, 8)` windows after it, and updated in between
//! by the value entering and the one leaving. Same bits matter here more than anywhere:
//! over a flat stretch the variance is a rounding error, and whether it falls under
//! TA-Lib's epsilon decides between a deviation of 0 and one of 1e-7.
//!
//! Within a block without a rebuild, the updates of each window are computed for the whole
//! block first (they vectorize), then added up in order (two chains of additions), and the
//! means and variances are computed for the whole block again; a block with a rebuild goes
//! window by window.
use super::block::{extend, padded};

/// Turns the moments of a block of `W` windows into an indicator's outputs there.
pub(crate) trait FromMoments<const W: usize>: Copy {
    /// The outputs at a block: a block of each output series.
    type Output;

    /// `values` are the newest values of the windows (the inputs at these positions).
    /// Positions before the first whole window have NaN moments.
    fn outputs(&self, values: &[f64; W], means: &[f64; W], variances: &[f64; W]) -> Self::Output;
}

/// Appends the outputs of `indicator` at every position of `values` (`period >= 2`) to
/// `outputs`, a block of `W` positions at a time.
pub(crate) fn over_windows<const W: usize, F: FromMoments<W>>(
    values: &[f64],
    period: usize,
    indicator: F,
    outputs: &mut impl Extend<F::Output>,
) {
    let len = values.len();
    let windows = Windows {
        values,
        period,
        inverse_count: 1.0 / period as f64,
    };
    let mut running = Running::default();
    // Window by window up to the first block boundary after the first whole window.
    let start = period.next_multiple_of(W).min(len);
    for first in (0..start).step_by(W) {
        let count = W.min(len - first);
        let (means, variances);
        (running, means, variances) = windows.one_by_one::<W>(running, count);
        let block = padded(&values[first..first + count], 0.0);
        outputs.extend([indicator.outputs(&block, &means, &variances)]);
    }
    if start == len {
        return;
    }
    let (entering, entering_rest) = values[start..].as_chunks::<W>();
    let (leaving, _) = values[start - period..].as_chunks::<W>();
    let blocks = entering.iter().zip(leaving);
    let running = extend(
        outputs,
        blocks,
        running,
        #[inline(always)]
        |running: &mut Running, (entering, leaving)| {
            windows.step(running, &indicator, entering, leaving)
        },
    );
    if !entering_rest.is_empty() {
        let (_, means, variances) = windows.one_by_one::<W>(running, entering_rest.len());
        let block = padded(entering_rest, 0.0);
        outputs.extend([indicator.outputs(&block, &means, &variances)]);
    }
}

/// Sums of `x - origin` and of its squares over a window.
#[derive(Debug, Clone, Copy, Default)]
struct Sums {
    origin: f64,
    sum: f64,
    sum_squares: f64,
}

impl Sums {
    /// The sums of `window` about its oldest value, added in order.
    fn of(window: &[f64]) -> Self {
        let origin = window.first().copied().unwrap_or(0.0);
        let mut sums = Self {
            origin,
            ..Self::default()
        };
        for value in window {
            let deviation = value - origin;
            sums.sum += deviation;
            sums.sum_squares += deviation * deviation;
        }
        sums
    }

    /// The change of `sum` and of `sum_squares` when `entering` replaces `leaving`.
    #[inline(always)]
    fn updates(&self, entering: f64, leaving: f64) -> (f64, f64) {
        let entering = entering - self.origin;
        let leaving = leaving - self.origin;
        (
            entering - leaving,
            (entering - leaving) * (entering + leaving),
        )
    }

    /// Mean and population variance (may come out a rounding error below zero).
    #[inline(always)]
    fn moments(&self, inverse_count: f64) -> (f64, f64) {
        let mean_deviation = self.sum * inverse_count;
        (
            self.origin + mean_deviation,
            self.sum_squares * inverse_count - mean_deviation * mean_deviation,
        )
    }
}

/// The windows of a series, and their constants.
#[derive(Debug, Clone, Copy)]
struct Windows<'a> {
    values: &'a [f64],
    period: usize,
    inverse_count: f64,
}

/// What the kernel carries from position to position (copied out after every block, so
/// kept to the values that change).
#[derive(Debug, Clone, Copy, Default)]
struct Running {
    /// Sums of the window ending just before position `next`.
    sums: Sums,
    /// The next position to compute.
    next: usize,
    /// Updates left before the next rebuild; 0 also before the first window.
    until_rebuild: usize,
}

impl Windows<'_> {
    /// The outputs of `indicator` at the positions of a block. Always inlined, so that the
    /// sums stay in registers from block to block.
    #[inline(always)]
    fn step<const W: usize, F: FromMoments<W>>(
        &self,
        running: &mut Running,
        indicator: &F,
        entering: &[f64; W],
        leaving: &[f64; W],
    ) -> F::Output {
        let (means, variances) = if running.until_rebuild >= W {
            self.block(running, entering, leaving)
        } else {
            let (after, means, variances) = self.one_by_one(*running, W);
            *running = after;
            (means, variances)
        };
        indicator.outputs(entering, &means, &variances)
    }

    /// Means and variances of a block without a rebuild, whose newest values are
    /// `entering` and whose values just out of the window are `leaving`.
    #[inline(always)]
    fn block<const W: usize>(
        &self,
        running: &mut Running,
        entering: &[f64; W],
        leaving: &[f64; W],
    ) -> ([f64; W], [f64; W]) {
        let mut sums = [0.0; W];
        let mut squares = [0.0; W];
        let pairs = entering.iter().zip(leaving);
        for ((sum, square), (entering, leaving)) in sums.iter_mut().zip(&mut squares).zip(pairs) {
            (*sum, *square) = running.sums.updates(*entering, *leaving);
        }
        for (sum, square) in sums.iter_mut().zip(&mut squares) {
            running.sums.sum += *sum;
            running.sums.sum_squares += *square;
            (*sum, *square) = (running.sums.sum, running.sums.sum_squares);
        }
        let mut means = [0.0; W];
        let mut variances = [0.0; W];
        let outputs = means.iter_mut().zip(&mut variances);
        for ((mean, variance), (sum, sum_squares)) in outputs.zip(sums.iter().zip(&squares)) {
            let window = Sums {
                sum: *sum,
                sum_squares: *sum_squares,
                ..running.sums
            };
            (*mean, *variance) = window.moments(self.inverse_count);
        }
        running.next += W;
        running.until_rebuild -= W;
        (means, variances)
    }

    /// Means and variances of the next `count` positions (at most a block), window by
    /// window as `WindowSums::push` does; NaN before the first whole window.
    ///
    /// Takes and returns the running state by value rather than through a reference,
    /// which would make the compiler keep it in memory in the fast path too (a 40-byte
    /// copy and a failed store forwarding per block, a third of Bollinger's time).
    fn one_by_one<const W: usize>(
        &self,
        running: Running,
        count: usize,
    ) -> (Running, [f64; W], [f64; W]) {
        let mut running = running;
        let mut means = [f64::NAN; W];
        let mut variances = [f64::NAN; W];
        for (mean, variance) in means.iter_mut().zip(&mut variances).take(count) {
            let end = running.next;
            running.next += 1;
            if end + 1 < self.period {
                continue;
            }
            if running.until_rebuild == 0 {
                running.sums = Sums::of(&self.values[end + 1 - self.period..=end]);
                // The streaming form's interval (`stats::rolling`).
                running.until_rebuild = (4 * self.period).max(8);
            } else {
                let (sum, square) = running
                    .sums
                    .updates(self.values[end], self.values[end - self.period]);
                running.sums.sum += sum;
                running.sums.sum_squares += square;
            }
            running.until_rebuild -= 1;
            (*mean, *variance) = running.sums.moments(self.inverse_count);
        }
        (running, means, variances)
    }
}
