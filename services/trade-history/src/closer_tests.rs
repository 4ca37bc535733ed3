//! Unit tests of the closer driven by a made-up clock: every interval closed once, in
//! order, exactly when its grace ends; failures retried without skipping; catch-up
//! bounded. No sleeps: each pass is called directly at the time the closer asked for.
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};

use super::*;
use crate::closing::{ClosingPolicy, Market};
use crate::interval::Interval;
use crate::metrics::CandleMetrics;
use quorum_domain::Venue;

/// 2023-11-14T22:13:20Z, the start of a 5 s interval.
const T: i64 = 1_700_000_000_000;

#[derive(Clone)]
struct FakeClock(Arc<AtomicI64>);

impl FakeClock {
    fn at(now_ms: i64) -> Self {
        Self(Arc::new(AtomicI64::new(now_ms)))
    }

    fn set(&self, now_ms: i64) {
        self.0.store(now_ms, Ordering::SeqCst);
    }
}

impl Clock for FakeClock {
    fn now_ms(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// One interval the sink was asked to close, and the clock then.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Closed {
    venue: Venue,
    interval: Interval,
    open_ms: i64,
    at_ms: i64,
}

#[derive(Clone)]
struct RecordingSink {
    clock: FakeClock,
    closed: Arc<Mutex<Vec<Closed>>>,
    failing: Arc<AtomicBool>,
}

impl CandleSink for RecordingSink {
    async fn close(&self, due: &Due) -> Result<u64, ReadError> {
        if self.failing.load(Ordering::SeqCst) {
            return Err(ReadError::Database(sqlx::Error::PoolTimedOut));
        }
        let mut closed = self.closed.lock().unwrap();
        let mut open_ms = due.first_open_ms;
        while open_ms <= due.last_open_ms {
            closed.push(Closed {
                venue: due.market.venue,
                interval: due.interval,
                open_ms,
                at_ms: self.clock.now_ms(),
            });
            open_ms += due.interval.millis();
        }
        // Pretend every other interval had trades.
        Ok(((due.last_open_ms - due.first_open_ms) / due.interval.millis()).unsigned_abs() / 2 + 1)
    }
}

struct Setup {
    clock: FakeClock,
    sink: RecordingSink,
    state: Arc<ClosingState>,
    closer: Closer<FakeClock, RecordingSink>,
}

fn setup(catch_up: i64, start_ms: i64) -> Setup {
    let clock = FakeClock::at(start_ms);
    let sink = RecordingSink {
        clock: clock.clone(),
        closed: Arc::default(),
        failing: Arc::default(),
    };
    let policy = ClosingPolicy {
        intervals: vec![Interval::OneSecond, Interval::FiveSeconds],
        grace_ms: 1500,
        catch_up,
    };
    let state = Arc::new(ClosingState::new(policy, CandleMetrics::unregistered()));
    for venue in [Venue::Okx, Venue::Binance] {
        state.add_market(Market {
            venue,
            symbol: "BTC-USDT".parse().unwrap(),
        });
    }
    let closer = Closer::new(state.clone(), clock.clone(), sink.clone());
    Setup {
        clock,
        sink,
        state,
        closer,
    }
}

fn closed(sink: &RecordingSink) -> Vec<Closed> {
    sink.closed.lock().unwrap().clone()
}

#[tokio::test]
async fn every_interval_closes_once_in_order_when_its_grace_ends() {
    let Setup {
        clock,
        sink,
        mut closer,
        ..
    } = setup(2, T + 6_500);
    let mut wake_ms = closer.pass().await;
    let first_pass = closed(&sink).len();
    // The first pass catches up on two intervals of each length for both markets.
    assert_eq!(first_pass, 2 * 2 * 2);
    while wake_ms < T + 60_000 {
        clock.set(wake_ms);
        let next = closer.pass().await;
        assert!(next > wake_ms, "the closer asked to run again at once");
        wake_ms = next;
    }

    let mut by_key: BTreeMap<(Venue, i64), Vec<Closed>> = BTreeMap::new();
    for record in closed(&sink) {
        by_key
            .entry((record.venue, record.interval.millis()))
            .or_default()
            .push(record);
    }
    assert_eq!(by_key.len(), 4);
    for ((venue, length), records) in by_key {
        let opens: Vec<i64> = records.iter().map(|record| record.open_ms).collect();
        let expected: Vec<i64> = (0..opens.len() as i64)
            .map(|index| opens[0] + index * length)
            .collect();
        assert_eq!(opens, expected, "{venue:?} {length} ms: gaps or repeats");
        assert!(
            *opens.last().unwrap() >= T + 50_000,
            "{venue:?} {length} ms stopped early"
        );
        for record in records.iter().skip(2) {
            assert_eq!(
                record.at_ms,
                record.open_ms + length + 1500,
                "{record:?} not closed exactly when its grace ended"
            );
        }
    }
    let five = Interval::FiveSeconds;
    let fives = closed(&sink)
        .iter()
        .filter(|record| record.interval == five)
        .count();
    assert_eq!(fives, 2 * (2 + 10));
}

#[tokio::test]
async fn a_failed_close_is_retried_soon_and_skips_nothing() {
    let Setup {
        clock,
        sink,
        state,
        mut closer,
    } = setup(100, T + 6_500);
    closer.pass().await;
    let okx = Market {
        venue: Venue::Okx,
        symbol: "BTC-USDT".parse().unwrap(),
    };
    assert_eq!(
        state.closed_through(&okx, Interval::OneSecond),
        Some(T + 4_000)
    );
    let before = closed(&sink).len();

    sink.failing.store(true, Ordering::SeqCst);
    clock.set(T + 9_500);
    let retry_at = closer.pass().await;
    assert!(retry_at > T + 9_500 && retry_at <= T + 10_500, "{retry_at}");
    assert_eq!(closed(&sink).len(), before);
    assert_eq!(
        state.closed_through(&okx, Interval::OneSecond),
        Some(T + 4_000)
    );

    sink.failing.store(false, Ordering::SeqCst);
    clock.set(T + 12_500);
    closer.pass().await;
    let okx_seconds: Vec<i64> = closed(&sink)[before..]
        .iter()
        .filter(|record| record.venue == Venue::Okx && record.interval == Interval::OneSecond)
        .map(|record| record.open_ms - T)
        .collect();
    assert_eq!(okx_seconds, [5_000, 6_000, 7_000, 8_000, 9_000, 10_000]);
    assert_eq!(
        state.closed_through(&okx, Interval::FiveSeconds),
        Some(T + 5_000)
    );
}

#[tokio::test]
async fn after_a_long_pause_only_the_last_catch_up_intervals_close() {
    let Setup {
        clock,
        sink,
        state,
        mut closer,
    } = setup(3, T + 6_500);
    closer.pass().await;
    let before = closed(&sink).len();
    // An hour later (the service was down): three intervals per length and market.
    clock.set(T + 3_600_000 + 6_500);
    closer.pass().await;
    let caught_up = &closed(&sink)[before..];
    assert_eq!(caught_up.len(), 3 * 2 * 2);
    let okx_fives: Vec<i64> = caught_up
        .iter()
        .filter(|record| record.venue == Venue::Okx && record.interval == Interval::FiveSeconds)
        .map(|record| record.open_ms - T)
        .collect();
    assert_eq!(okx_fives, [3_590_000, 3_595_000, 3_600_000]);
    assert_eq!(
        state.metrics().published_count(Interval::FiveSeconds),
        // Two markets, two passes: first (3 intervals) and second (3): 2 candles each.
        2 * 2 * 2
    );
}
