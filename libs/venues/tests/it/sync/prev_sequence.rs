//! OKX's `prevSeqId` rule under random streams, fed to [`BookSync`] as book messages:
//! books from stream or REST snapshots; lost, duplicated, stale and corrupted messages,
//! keep-alives and sequence restarts. The book must end equal to the venue's.
use proptest::prelude::*;
use quorum_domain::{Decimal, Level, Side, Venue};
use quorum_quant::OrderBook;
use quorum_venues::okx::checksum as book_checksum;
use quorum_venues::{BookMessage, BookMessageKind, BookSync, SyncRule, SyncState, SyncStep};

use super::harness::{Change, Consumer, TrueBook, change, changes};

/// What happens to one venue update on its way to the connector.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OkxFate {
    Delivered,
    Lost,
    Duplicated,
    /// Delivered, then an older update of the same sequence is delivered again.
    FollowedByStale(usize),
    /// Delivered with a checksum that does not match the book.
    WrongChecksum,
    /// Delivered, then a keep-alive (`prevSeqId == seqId`, no levels).
    FollowedByKeepAlive,
    /// The venue restarts its sequence at this update (maintenance).
    Restart,
}

fn okx_fate() -> impl Strategy<Value = OkxFate> {
    prop_oneof![
        12 => Just(OkxFate::Delivered),
        1 => Just(OkxFate::Lost),
        2 => Just(OkxFate::Duplicated),
        2 => (1_usize..4).prop_map(OkxFate::FollowedByStale),
        1 => Just(OkxFate::WrongChecksum),
        1 => Just(OkxFate::FollowedByKeepAlive),
        1 => Just(OkxFate::Restart),
    ]
}

/// The venue: its book, its sequence, and the updates of the current sequence.
struct FakeOkx {
    truth: TrueBook,
    sequence: i64,
    history: Vec<BookMessage>,
    /// The venue's clock in milliseconds: it goes on when the sequence restarts.
    clock_ms: i64,
}

impl FakeOkx {
    /// The next update; a restart starts a new, lower sequence.
    fn update(&mut self, width: u8, changes: &[Change], restart: bool) -> BookMessage {
        let previous = self.sequence;
        self.sequence = if restart {
            1 + i64::from(width)
        } else {
            previous + 1 + i64::from(width)
        };
        if restart {
            self.history.clear();
        }
        self.truth.apply(changes);
        let mut message = self.message(BookMessageKind::Delta, previous);
        for change in changes {
            let level = Level::new(Decimal::from(change.price), Decimal::from(change.quantity));
            match change.side {
                Side::Buy => message.bids.push(level),
                Side::Sell => message.asks.push(level),
            }
        }
        message.checksum = Some(self.checksum());
        self.history.push(message.clone());
        message
    }

    fn keep_alive(&mut self) -> BookMessage {
        self.message(BookMessageKind::Delta, self.sequence)
    }

    /// A stream snapshot carries a checksum, a REST one does not.
    fn snapshot(&mut self, stream: bool) -> BookMessage {
        let (bids, asks) = self.truth.levels();
        BookMessage {
            bids,
            asks,
            checksum: stream.then(|| self.checksum()),
            ..self.message(BookMessageKind::Snapshot, -1)
        }
    }

    /// A message at the current sequence id, stamped with the venue's clock.
    fn message(&mut self, kind: BookMessageKind, previous: i64) -> BookMessage {
        self.clock_ms += 1;
        BookMessage {
            symbol: "BTC-USDT".parse().unwrap(),
            kind,
            first_id: self.sequence,
            last_id: self.sequence,
            prev_id: Some(previous),
            bids: Vec::new(),
            asks: Vec::new(),
            checksum: None,
            event_ms: self.clock_ms,
        }
    }

    fn checksum(&self) -> i32 {
        let (bids, asks) = self.truth.levels();
        book_checksum(&OrderBook::from_levels(&bids, &asks))
    }
}

/// Runs a session whose book comes from stream snapshots (`rest` false) or REST
/// snapshots; a requested snapshot is served `delay` updates later.
fn okx_session(
    plan: &[(u8, Vec<Change>, OkxFate)],
    rest: bool,
    delay: usize,
) -> Result<(), TestCaseError> {
    let mut venue = FakeOkx {
        truth: TrueBook::default(),
        sequence: 10,
        history: Vec::new(),
        clock_ms: 1_700_000_000_000,
    };
    venue
        .truth
        .apply(&[change(Side::Buy, 95, 5), change(Side::Sell, 105, 5)]);
    let mut sync = BookSync::new(
        Venue::Okx,
        "BTC-USDT".parse().unwrap(),
        SyncRule::PrevSequence,
    );
    let mut consumer = Consumer::default();
    let mut due: Option<usize> = None;
    let mut allowed_resyncs = 0_u64;
    // A restart may ask again while a request is out: its answer may be of the old
    // sequence.
    let mut handle = |step: SyncStep, now: usize, due: &mut Option<usize>, restart: bool| {
        consumer.receive(&step.updates);
        if step.need_snapshot || step.resubscribe {
            prop_assert!(due.is_none() || restart, "asked twice for one snapshot");
            prop_assert_eq!(step.need_snapshot, rest, "REST fetch or resubscribe");
            prop_assert_eq!(step.resubscribe, !rest);
            *due = Some(now + delay);
        }
        Ok(())
    };
    if !rest {
        handle(sync.on_stream(venue.snapshot(true), 0), 0, &mut due, false)?;
    }
    let tail = (0_u8, vec![change(Side::Buy, 80, 1)], OkxFate::Delivered);
    let updates = plan.iter().chain(std::iter::repeat_n(&tail, 4));
    for (now, (width, changes, fate)) in updates.enumerate() {
        let restart = *fate == OkxFate::Restart && venue.sequence > 5;
        let message = venue.update(*width, changes, restart);
        let deliveries = match *fate {
            OkxFate::Lost => Vec::new(),
            OkxFate::Duplicated => vec![message.clone(), message],
            OkxFate::FollowedByStale(back) => {
                let older = venue.history.len().saturating_sub(1 + back);
                vec![message, venue.history[older].clone()]
            }
            OkxFate::WrongChecksum => {
                let wrong = message.checksum.map(|value| if value == 1 { 2 } else { 1 });
                vec![BookMessage {
                    checksum: wrong,
                    ..message
                }]
            }
            OkxFate::FollowedByKeepAlive => vec![message, venue.keep_alive()],
            OkxFate::Delivered | OkxFate::Restart => vec![message],
        };
        allowed_resyncs += u64::from(matches!(
            fate,
            OkxFate::Lost | OkxFate::WrongChecksum | OkxFate::Restart
        ));
        for delivery in deliveries {
            handle(sync.on_stream(delivery, 1), now, &mut due, restart)?;
        }
        if due.is_some_and(|when| when <= now) {
            due = None;
            let step = if rest {
                sync.on_snapshot(venue.snapshot(false), 2)
            } else {
                sync.on_stream(venue.snapshot(true), 2)
            };
            handle(step, now, &mut due, false)?;
        }
    }
    prop_assert_eq!(sync.state(), SyncState::Synced);
    let truth = venue.truth.levels();
    prop_assert_eq!(sync.book().unwrap().top(0), truth.clone());
    prop_assert_eq!(consumer.book.top(0), truth);
    prop_assert!(
        sync.resyncs() <= allowed_resyncs,
        "a resync without a cause"
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn okx_book_from_stream_snapshots_matches_the_venue(
        plan in prop::collection::vec((0_u8..3, changes(), okx_fate()), 1..40),
        delay in 0_usize..3,
    ) {
        okx_session(&plan, false, delay)?;
    }

    #[test]
    fn okx_book_from_rest_snapshots_matches_the_venue(
        plan in prop::collection::vec((0_u8..3, changes(), okx_fate()), 1..40),
        delay in 0_usize..3,
    ) {
        okx_session(&plan, true, delay)?;
    }
}
