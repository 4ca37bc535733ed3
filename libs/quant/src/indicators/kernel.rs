//! Building blocks the indicators share: a fixed ring buffer for the streaming forms,
//! the warm-up prefix of batch outputs, and the blocked linear recurrence that keeps the
//! batch forms of exponential and Wilder smoothing off a long dependency chain.

/// Inputs handled per block by the batch forms: small enough for stack buffers that
/// stay in L1, large enough that the per-block bookkeeping does not show.
pub(crate) const TILE: usize = 256;

/// TA-Lib's band around zero for divisors and variances (`TA_EPSILON`).
pub(crate) const EPSILON: f64 = 1e-14;

/// TA-Lib's `TA_IS_ZERO`.
pub(crate) fn is_zero(value: f64) -> bool {
    -EPSILON < value && value < EPSILON
}

/// A batch output with its warm-up positions already set to NaN and room for the rest.
pub(crate) fn warm_up(len: usize, lookback: usize) -> Vec<f64> {
    let mut output = Vec::with_capacity(len);
    output.resize(lookback.min(len), f64::NAN);
    output
}

/// Replaces each `drive[i]` by `y[i] = decay * y[i - 1] + drive[i]`, starting from
/// `carried` as `y[-1]`, and returns the last `y`.
///
/// A plain loop waits a multiply and an add per value on the previous result. Here four
/// results per step hang off the carried value through precomputed powers of `decay`,
/// so the chain is one multiply-add per four values; the partial sums inside a block do
/// not depend on the carried value and overlap freely. The results differ from the
/// sequential recurrence only by rounding (a few ulps, not accumulating, as long as
/// `|decay| <= 1`).
#[inline(always)]
pub(crate) fn scan(drive: &mut [f64], decay: f64, carried: f64) -> f64 {
    let decay2 = decay * decay;
    let decay3 = decay2 * decay;
    let decay4 = decay2 * decay2;
    let mut y = carried;
    let (blocks, rest) = drive.as_chunks_mut::<4>();
    for block in blocks {
        let partial1 = decay * block[0] + block[1];
        let partial2 = decay * partial1 + block[2];
        let partial3 = decay * partial2 + block[3];
        block[0] += decay * y;
        block[1] = decay2 * y + partial1;
        block[2] = decay3 * y + partial2;
        y = decay4 * y + partial3;
        block[3] = y;
    }
    for value in rest {
        y = decay * y + *value;
        *value = y;
    }
    y
}

/// [`scan`] of two series at once (same length), whose independent chains then overlap.
#[inline(always)]
pub(crate) fn scan_pair(
    first: &mut [f64],
    second: &mut [f64],
    decays: (f64, f64),
    carried: (f64, f64),
) -> (f64, f64) {
    let powers = |decay: f64| {
        let squared = decay * decay;
        [decay, squared, squared * decay, squared * squared]
    };
    let (a, b) = (powers(decays.0), powers(decays.1));
    let (mut y, mut z) = carried;
    let (first_blocks, first_rest) = first.as_chunks_mut::<4>();
    let (second_blocks, second_rest) = second.as_chunks_mut::<4>();
    for (u, v) in first_blocks.iter_mut().zip(second_blocks) {
        let u1 = a[0] * u[0] + u[1];
        let v1 = b[0] * v[0] + v[1];
        let u2 = a[0] * u1 + u[2];
        let v2 = b[0] * v1 + v[2];
        let u3 = a[0] * u2 + u[3];
        let v3 = b[0] * v2 + v[3];
        u[0] += a[0] * y;
        v[0] += b[0] * z;
        u[1] = a[1] * y + u1;
        v[1] = b[1] * z + v1;
        u[2] = a[2] * y + u2;
        v[2] = b[2] * z + v2;
        y = a[3] * y + u3;
        z = b[3] * z + v3;
        u[3] = y;
        v[3] = z;
    }
    for (u, v) in first_rest.iter_mut().zip(second_rest) {
        y = a[0] * y + *u;
        z = b[0] * z + *v;
        *u = y;
        *v = z;
    }
    (y, z)
}

/// Exponential smoothing `y = decay * y + gain * x`, four inputs per step in the blocked
/// form of [`scan`]. Only the constants: the smoothed value is the caller's, so that a
/// batch kernel's running state stays a few values (it is copied out after every block).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Smoothing {
    gain: f64,
    /// `decay`, `decay²`, `decay³`, `decay⁴`.
    powers: [f64; 4],
}

impl Smoothing {
    /// An EMA's, with smoothing factor `k` (gain `k`, decay `1 - k`).
    pub(crate) fn exponential(k: f64) -> Self {
        let decay = 1.0 - k;
        let squared = decay * decay;
        Self {
            gain: k,
            powers: [decay, squared, squared * decay, squared * squared],
        }
    }

    /// The next four values after `value` for inputs `x`; `value` becomes the last.
    #[inline(always)]
    pub(crate) fn next4(&self, value: &mut f64, x: [f64; 4]) -> [f64; 4] {
        let decay = self.powers[0];
        let drive = x.map(|x| self.gain * x);
        let partial1 = decay * drive[0] + drive[1];
        let partial2 = decay * partial1 + drive[2];
        let partial3 = decay * partial2 + drive[3];
        let y = *value;
        *value = self.powers[3] * y + partial3;
        [
            self.powers[0] * y + drive[0],
            self.powers[1] * y + partial1,
            self.powers[2] * y + partial2,
            *value,
        ]
    }
}

/// The last `capacity` values pushed, oldest first.
#[derive(Debug, Clone)]
pub(crate) struct Ring {
    values: Box<[f64]>,
    /// Where the next value goes; when full, also where the oldest value is.
    next: usize,
    len: usize,
}

impl Ring {
    /// A ring of at least one slot.
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            values: vec![0.0; capacity.max(1)].into_boxed_slice(),
            next: 0,
            len: 0,
        }
    }

    /// Adds a value; returns the one it pushed out when the ring was full.
    pub(crate) fn push(&mut self, value: f64) -> Option<f64> {
        let capacity = self.values.len();
        let slot = &mut self.values[self.next];
        let evicted = (self.len == capacity).then_some(*slot);
        *slot = value;
        self.next = if self.next + 1 == capacity {
            0
        } else {
            self.next + 1
        };
        if self.len < capacity {
            self.len += 1;
        }
        evicted
    }

    pub(crate) fn is_full(&self) -> bool {
        self.len == self.values.len()
    }

    /// The oldest value held (0.0 when empty).
    pub(crate) fn oldest(&self) -> f64 {
        let capacity = self.values.len();
        let index = (self.next + capacity - self.len) % capacity;
        self.values[index]
    }

    /// The values held, oldest first.
    pub(crate) fn iter(&self) -> impl Iterator<Item = f64> + '_ {
        let capacity = self.values.len();
        let start = (self.next + capacity - self.len) % capacity;
        (0..self.len).map(move |offset| self.values[(start + offset) % capacity])
    }

    pub(crate) fn clear(&mut self) {
        self.next = 0;
        self.len = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scan_matches_the_sequential_recurrence() {
        let drive: Vec<f64> = (0..23).map(|i| f64::from(i).sin() * 10.0).collect();
        let decay = 0.9;
        let mut sequential = Vec::new();
        let mut y = 5.0;
        for value in &drive {
            y = decay * y + value;
            sequential.push(y);
        }
        let mut blocked = drive.clone();
        let last = scan(&mut blocked, decay, 5.0);
        assert_eq!(last, blocked[22]);
        for (a, b) in blocked.iter().zip(&sequential) {
            assert!((a - b).abs() <= 1e-12 * b.abs().max(1.0), "{a} != {b}");
        }
    }

    #[test]
    fn scan_pair_equals_two_scans() {
        let first: Vec<f64> = (0..19).map(|i| f64::from(i).cos()).collect();
        let second: Vec<f64> = (0..19).map(|i| f64::from(i) * 0.5).collect();
        let (mut one, mut two) = (first.clone(), second.clone());
        let carried = scan_pair(&mut one, &mut two, (0.8, 0.3), (1.0, -2.0));
        let (mut alone_one, mut alone_two) = (first, second);
        let last_one = scan(&mut alone_one, 0.8, 1.0);
        let last_two = scan(&mut alone_two, 0.3, -2.0);
        assert_eq!((one, two), (alone_one, alone_two));
        assert_eq!(carried, (last_one, last_two));
    }

    #[test]
    fn scan_with_unit_decay_is_a_running_sum() {
        let mut values = vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let last = scan(&mut values, 1.0, 10.0);
        assert_eq!(values, vec![11.0, 13.0, 16.0, 20.0, 25.0, 31.0]);
        assert_eq!(last, 31.0);
    }

    #[test]
    fn ring_keeps_the_last_values_oldest_first() {
        let mut ring = Ring::new(3);
        assert_eq!(ring.push(1.0), None);
        assert_eq!(ring.push(2.0), None);
        assert!(!ring.is_full());
        assert_eq!(ring.push(3.0), None);
        assert!(ring.is_full());
        assert_eq!(ring.push(4.0), Some(1.0));
        assert_eq!(ring.oldest(), 2.0);
        assert_eq!(ring.iter().collect::<Vec<_>>(), vec![2.0, 3.0, 4.0]);
        assert_eq!(ring.iter().count(), 3);
        ring.clear();
        assert_eq!(ring.iter().count(), 0);
    }
}
