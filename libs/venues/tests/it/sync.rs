//! Book sync sessions: venue-format snapshots and stream messages (with duplicates,
//! stale and lost messages) read by the venue parsers and fed to [`BookSync`] as a
//! connector would; the synced book, and the book a consumer rebuilds from the
//! published updates, must both equal the venue's book.
mod harness;
mod prev_sequence;

use std::str::FromStr;

use proptest::prelude::*;
use quorum_domain::{Decimal, Instrument, Level, Side, Venue};
use quorum_venues::binance::Binance;
use quorum_venues::{BookSync, InstrumentIndex, StreamEvent, SyncState, VenueProtocol};

use harness::{
    Change, Delta, FakeBinance, FakeGateio, FakeVenue, Fate, Session, TrueBook, change, changes,
    fate, instrument,
};

/// Deltas 1..=count, one update id each, bids below 100 and asks above.
fn scripted_deltas(count: i64) -> Vec<Delta> {
    (1..=count)
        .map(|id| {
            let offset = u32::try_from(id % 7).unwrap();
            Delta {
                first: id,
                last: id,
                changes: vec![
                    change(Side::Buy, 90 + offset, u32::try_from(id % 3).unwrap()),
                    change(Side::Sell, 101 + offset, u32::try_from(id % 4).unwrap() + 1),
                ],
            }
        })
        .collect()
}

/// Snapshot after delta 3; a duplicate, a stale message and one lost message.
fn scripted_session(venue: &dyn FakeVenue) {
    let deltas = scripted_deltas(12);
    let mut truth = TrueBook::default();
    truth.apply(&[change(Side::Buy, 95, 5), change(Side::Sell, 105, 5)]);
    let mut states = vec![truth.clone()];
    for delta in &deltas {
        truth.apply(&delta.changes);
        states.push(truth.clone());
    }
    let mut session = Session::new(venue);

    assert!(
        session.stream(&deltas[0]),
        "the first delta asks for the snapshot"
    );
    for delta in &deltas[1..4] {
        assert!(!session.stream(delta));
    }
    assert!(
        !session.snapshot(3, &states[3]),
        "snapshot 3 is continued by delta 4"
    );
    assert_eq!(session.sync.state(), SyncState::Synced);
    for delta in [&deltas[4], &deltas[4], &deltas[2], &deltas[5]] {
        assert!(
            !session.stream(delta),
            "a duplicate or stale delta changes nothing"
        );
    }
    session.assert_book_is(&states[6]);
    assert_eq!(session.sync.resyncs(), 0);

    // Delta 7 is lost: 8 shows the gap; 9 and 10 arrive while the snapshot is fetched.
    assert!(session.stream(&deltas[7]));
    assert!(!session.stream(&deltas[8]));
    assert!(!session.stream(&deltas[9]));
    assert_eq!(session.sync.state(), SyncState::Syncing);
    assert!(!session.snapshot(9, &states[9]));
    session.assert_book_is(&states[10]);
    assert!(!session.stream(&deltas[10]));
    assert!(!session.stream(&deltas[11]));
    session.assert_book_is(&states[12]);
    assert_eq!(session.sync.resyncs(), 1, "one gap, one resync");
    assert_eq!(session.snapshot_requests, 2, "the first sync and the gap");
    assert_eq!(session.resubscribes, 0);
}

#[test]
fn binance_session_with_duplicates_stale_and_a_lost_message() {
    scripted_session(&FakeBinance);
}

#[test]
fn gateio_session_with_duplicates_stale_and_a_lost_message() {
    scripted_session(&FakeGateio);
}

#[test]
fn binance_fixture_snapshot_and_update_make_the_documented_book() {
    let read = |name: &str| {
        let path = format!(
            "{}/tests/fixtures/binance/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read_to_string(path).unwrap()
    };
    let bnb_btc = Instrument {
        symbol: "BNB-BTC".parse().unwrap(),
        ..instrument(Venue::Binance, "BNBBTC")
    };
    let index = InstrumentIndex::new([bnb_btc.clone()]);
    let mut sync = BookSync::new(Venue::Binance, bnb_btc.symbol.clone(), Binance.sync_rule());
    let parsed = Binance
        .parse_message(&read("depth_update.json"), &index)
        .unwrap();
    let Some(StreamEvent::Book(update)) = parsed.events.into_iter().next() else {
        panic!("expected a book message");
    };
    assert!(sync.on_stream(update, 1).need_snapshot);
    let snapshot = Binance
        .parse_snapshot(&bnb_btc, &read("depth_snapshot.json"))
        .unwrap();
    let step = sync.on_snapshot(snapshot, 2);
    assert_eq!(step.updates.len(), 2, "the snapshot and the update");
    let decimal = |text: &str| Decimal::from_str(text).unwrap();
    let book = sync.book().unwrap();
    assert_eq!(
        book.top(0),
        (
            vec![
                Level::new(decimal("4"), decimal("431")),
                Level::new(decimal("3.98"), decimal("10")),
            ],
            vec![
                Level::new(decimal("4.000002"), decimal("12")),
                Level::new(decimal("4.001"), decimal("3")),
                Level::new(decimal("4.002"), decimal("100")),
            ]
        )
    );
}

/// Runs a random session; snapshots are served `delay` messages after being asked for
/// and show the venue's book `lag` deltas behind the stream.
fn random_session(
    venue: &dyn FakeVenue,
    plan: &[(u8, Vec<Change>, Fate)],
    delay: usize,
    lag: usize,
) -> Result<(), TestCaseError> {
    let mut deltas = Vec::new();
    let mut next_id = 1;
    for (width, changes, _) in plan {
        let last = next_id + i64::from(*width);
        deltas.push(Delta {
            first: next_id,
            last,
            changes: changes.clone(),
        });
        next_id = last + 1;
    }
    // Tail deltas that always arrive, so a sync asked for near the end can complete.
    for _ in 0..6 {
        deltas.push(Delta {
            first: next_id,
            last: next_id,
            changes: vec![change(Side::Buy, 80, u32::try_from(next_id % 5).unwrap())],
        });
        next_id += 1;
    }
    let mut states = vec![(0, TrueBook::default())];
    for delta in &deltas {
        let mut state = states[states.len() - 1].1.clone();
        state.apply(&delta.changes);
        states.push((delta.last, state));
    }

    let mut session = Session::new(venue);
    let mut request_due: Option<usize> = None;
    // The venue's book after the newest delta that reached the connector.
    let mut newest_delivered = 0;
    for (position, delta) in deltas.iter().enumerate() {
        let fate = plan
            .get(position)
            .map_or(Fate::Delivered, |(_, _, fate)| *fate);
        let sent = position + 1;
        let mut deliveries = vec![delta];
        match fate {
            Fate::Delivered => {}
            Fate::Lost => deliveries.clear(),
            Fate::Duplicated => deliveries.push(delta),
            Fate::FollowedByStale(back) => deliveries.push(&deltas[position.saturating_sub(back)]),
        }
        if !deliveries.is_empty() {
            newest_delivered = sent;
        }
        for delivery in deliveries {
            if session.stream(delivery) {
                prop_assert!(request_due.is_none(), "asked twice for one snapshot");
                request_due = Some(sent + delay);
            }
        }
        if request_due.is_some_and(|due| due <= sent) {
            request_due = None;
            let (id, book) = &states[sent.saturating_sub(lag)];
            if session.snapshot(*id, book) {
                request_due = Some(sent + delay);
            }
        }
        if session.sync.state() == SyncState::Synced {
            let (_, truth) = &states[newest_delivered];
            prop_assert_eq!(session.sync.book().unwrap().top(0), truth.levels());
        }
    }
    session.assert_book_is(&states[deltas.len()].1);
    let lost = plan
        .iter()
        .filter(|(_, _, fate)| matches!(fate, Fate::Lost))
        .count();
    prop_assert!(
        session.sync.resyncs() <= lost as u64,
        "a resync without a gap"
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn binance_book_matches_the_venue_whatever_the_stream_does(
        plan in prop::collection::vec((0_u8..3, changes(), fate()), 1..40),
        delay in 0_usize..3,
        lag in 0_usize..3,
    ) {
        random_session(&FakeBinance, &plan, delay, lag)?;
    }

    #[test]
    fn gateio_book_matches_the_venue_whatever_the_stream_does(
        plan in prop::collection::vec((0_u8..3, changes(), fate()), 1..40),
        delay in 0_usize..3,
        lag in 0_usize..3,
    ) {
        random_session(&FakeGateio, &plan, delay, lag)?;
    }
}
