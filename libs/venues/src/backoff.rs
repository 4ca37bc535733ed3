//! Exponential backoff with full jitter, for reconnecting to a venue and retrying
//! requests without every client hammering it in step.
//!
//! The n-th delay (n counting from 0 since the last success) is drawn uniformly from
//! `[0, min(cap, base * 2^n)]`. Full jitter spreads the retries of many clients over the
//! whole window, which keeps a recovering venue from being hit by synchronized waves.
use std::time::Duration;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Backoff state of one retry loop. The random source is injectable so tests can fix it.
#[derive(Debug, Clone)]
pub struct Backoff<R = ChaCha8Rng> {
    base: Duration,
    cap: Duration,
    attempt: u32,
    rng: R,
}

impl Backoff<ChaCha8Rng> {
    /// A backoff seeded from the operating system's entropy.
    pub fn new(base: Duration, cap: Duration) -> Self {
        Self::with_rng(base, cap, ChaCha8Rng::from_entropy())
    }
}

impl<R: Rng> Backoff<R> {
    /// A backoff drawing its jitter from `rng`. A cap below the base is raised to the base.
    pub fn with_rng(base: Duration, cap: Duration, rng: R) -> Self {
        Self {
            base,
            cap: cap.max(base),
            attempt: 0,
            rng,
        }
    }

    /// The delay to wait before the next attempt; each call counts one failed attempt.
    pub fn next_delay(&mut self) -> Duration {
        let ceiling = self.ceiling(self.attempt);
        self.attempt = self.attempt.saturating_add(1);
        let ceiling_nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
        Duration::from_nanos(self.rng.gen_range(0..=ceiling_nanos))
    }

    /// The upper bound of the delay drawn for attempt `attempt` (0-based):
    /// `min(cap, base * 2^attempt)`, without overflow.
    pub fn ceiling(&self, attempt: u32) -> Duration {
        let factor = 1u32.checked_shl(attempt.min(31)).unwrap_or(u32::MAX);
        self.base
            .checked_mul(factor)
            .map_or(self.cap, |delay| delay.min(self.cap))
    }

    /// Failed attempts counted since the last success.
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// Call after a success: the next failure starts again from the base delay.
    pub fn reset(&mut self) {
        self.attempt = 0;
    }

    pub fn base(&self) -> Duration {
        self.base
    }

    pub fn cap(&self) -> Duration {
        self.cap
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn backoff(seed: u64) -> Backoff {
        Backoff::with_rng(
            Duration::from_millis(100),
            Duration::from_secs(10),
            ChaCha8Rng::seed_from_u64(seed),
        )
    }

    #[test]
    fn ceilings_double_from_the_base_until_the_cap() {
        let backoff = backoff(1);
        let ceilings: Vec<u128> = (0..10)
            .map(|attempt| backoff.ceiling(attempt).as_millis())
            .collect();
        assert_eq!(
            ceilings,
            vec![100, 200, 400, 800, 1600, 3200, 6400, 10000, 10000, 10000]
        );
        assert_eq!(backoff.ceiling(u32::MAX), Duration::from_secs(10));
    }

    #[test]
    fn every_delay_lies_within_its_window() {
        let mut backoff = backoff(7);
        for attempt in 0..200u32 {
            let ceiling = backoff.ceiling(attempt);
            let delay = backoff.next_delay();
            assert!(
                delay <= ceiling,
                "attempt {attempt}: {delay:?} > {ceiling:?}"
            );
        }
        assert_eq!(backoff.attempt(), 200);
    }

    #[test]
    fn delays_grow_on_average_and_stay_capped() {
        // Mean over many independent loops of the n-th delay: about ceiling(n) / 2.
        let loops = 400u64;
        let mut sums = [0u128; 9];
        for seed in 0..loops {
            let mut backoff = backoff(seed);
            for sum in sums.iter_mut() {
                *sum += backoff.next_delay().as_millis();
            }
        }
        let means: Vec<u128> = sums.iter().map(|sum| sum / u128::from(loops)).collect();
        for pair in means.windows(2).take(6) {
            assert!(pair[1] > pair[0], "means do not grow: {means:?}");
        }
        // Attempts 7 and 8 are both capped at 10 s: their means are near 5 s.
        for mean in &means[7..] {
            assert!((4000..=6000).contains(mean), "capped mean off: {means:?}");
        }
    }

    #[test]
    fn reset_starts_again_from_the_base() {
        let mut backoff = backoff(3);
        for _ in 0..6 {
            backoff.next_delay();
        }
        backoff.reset();
        assert_eq!(backoff.attempt(), 0);
        assert!(backoff.next_delay() <= Duration::from_millis(100));
        assert_eq!(backoff.attempt(), 1);
    }

    #[test]
    fn the_same_seed_gives_the_same_delays() {
        let mut first = backoff(42);
        let mut second = backoff(42);
        let mut third = backoff(43);
        let a: Vec<Duration> = (0..8).map(|_| first.next_delay()).collect();
        let b: Vec<Duration> = (0..8).map(|_| second.next_delay()).collect();
        let c: Vec<Duration> = (0..8).map(|_| third.next_delay()).collect();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn a_cap_below_the_base_is_raised() {
        let backoff = Backoff::with_rng(
            Duration::from_secs(2),
            Duration::from_secs(1),
            ChaCha8Rng::seed_from_u64(0),
        );
        assert_eq!(backoff.cap(), Duration::from_secs(2));
        assert_eq!(backoff.ceiling(5), Duration::from_secs(2));
    }
}
