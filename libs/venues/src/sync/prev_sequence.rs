//! OKX: each message names the `seqId` it follows (`prevSeqId`). The book comes from a
//! stream snapshot (`prevSeqId` -1) or a REST snapshot continued by the first buffered
//! update with `prevSeqId <= snapshot seqId < seqId`; a non-zero checksum is verified.
use crate::BookMessage;

use super::{Awaiting, BookSync, Source, SyncStep};
use crate::okx::checksum as book_checksum;

impl BookSync {
    /// A stream snapshot replaces the book; deltas buffered before it are older.
    pub(super) fn prev_sequence_stream_snapshot(
        &mut self,
        snapshot: BookMessage,
        now_ms: i64,
        step: &mut SyncStep,
    ) {
        self.buffer.clear();
        self.install_snapshot(&snapshot, Source::Stream, now_ms);
        if !self.checksum_matches(&snapshot) {
            self.lose_sync(step);
            return;
        }
        self.publish_snapshot(snapshot.event_ms, now_ms, step);
    }

    pub(super) fn prev_sequence_rest_snapshot(
        &mut self,
        snapshot: BookMessage,
        now_ms: i64,
        step: &mut SyncStep,
    ) {
        self.pending = Some(snapshot);
        self.awaiting = Awaiting::Nothing;
        self.try_sync_prev_sequence(now_ms, step);
    }

    pub(super) fn prev_sequence_delta(
        &mut self,
        message: BookMessage,
        now_ms: i64,
        step: &mut SyncStep,
    ) {
        if self.synced {
            self.apply_chained(message, now_ms, step);
            return;
        }
        if is_restart(&message) {
            let ids = restart_identity(&message);
            if self.last_restart == Some(ids) {
                step.ignored += 1;
                return;
            }
            self.last_restart = Some(ids);
            // What was buffered, and a snapshot fetched before now, belong to the old
            // sequence and can continue nothing.
            self.buffer.clear();
            self.buffer_delta(message);
            if self.awaiting != Awaiting::StreamSnapshot {
                self.pending = None;
                self.awaiting = Awaiting::Nothing;
                self.request(Awaiting::RestSnapshot, step);
            }
            return;
        }
        self.buffer_delta(message);
        if self.pending.is_some() {
            self.try_sync_prev_sequence(now_ms, step);
        } else if self.awaiting == Awaiting::Nothing {
            // Updates without a stream snapshot: the book must come from REST.
            self.request(Awaiting::RestSnapshot, step);
        }
    }

    /// An update on a synced book must follow the last applied `seqId` exactly.
    fn apply_chained(&mut self, message: BookMessage, now_ms: i64, step: &mut SyncStep) {
        let sequence_id = message.last_id;
        let Some(previous_id) = message.prev_id else {
            // Without `prevSeqId` the chain cannot be checked: trust nothing.
            self.lose_chain(message, step);
            return;
        };
        if self.last_restart == Some(restart_identity(&message)) {
            // The restart message again, even if the new sequence came back to the id
            // the old one ended at.
            step.ignored += 1;
            return;
        }
        if previous_id == self.local_id {
            self.stale_chain = None;
            if sequence_id < previous_id {
                // The venue restarted its sequence (maintenance): start from a fresh
                // snapshot of the new sequence.
                self.last_restart = Some(restart_identity(&message));
                self.lose_chain(message, step);
                return;
            }
            if sequence_id == previous_id {
                // The venue's keep-alive: no change.
                return;
            }
            self.apply_levels(&message, now_ms);
            self.local_id = sequence_id;
            if !self.checksum_matches(&message) {
                self.lose_sync(step);
                return;
            }
            self.publish_delta(message, step);
        } else if sequence_id <= self.local_id {
            // Stale or duplicate (a restart message seen twice too); but two of them
            // that chain to each other mean the venue is on a new, lower sequence whose
            // first message was lost, and ignoring them would leave the book stale
            // forever.
            if self.stale_chain == Some(previous_id) {
                self.lose_chain(message, step);
                return;
            }
            if is_restart(&message) {
                self.last_restart = Some(restart_identity(&message));
            }
            self.stale_chain = Some(sequence_id);
            step.ignored += 1;
        } else {
            self.lose_chain(message, step);
        }
    }

    /// Loses the sync and keeps the message that showed it: it may continue the next
    /// REST snapshot.
    fn lose_chain(&mut self, message: BookMessage, step: &mut SyncStep) {
        self.lose_sync(step);
        self.buffer.push_front(message);
    }

    fn try_sync_prev_sequence(&mut self, now_ms: i64, step: &mut SyncStep) {
        let Some(snapshot) = self.pending.as_ref() else {
            return;
        };
        let base = snapshot.last_id;
        while let Some(front) = self.buffer.front() {
            if front.last_id > base {
                break;
            }
            if is_restart(front) && predates(snapshot, front) {
                // Nothing of the new sequence continues a snapshot of the old one.
                self.refetch(step);
                return;
            }
            self.buffer.pop_front();
        }
        let Some(first) = self.buffer.front() else {
            return;
        };
        if first.prev_id.is_none_or(|previous_id| previous_id > base) {
            self.refetch(step);
            return;
        }
        let Some(snapshot) = self.pending.take() else {
            return;
        };
        self.install_snapshot(&snapshot, Source::Rest, now_ms);
        if !self.checksum_matches(&snapshot) {
            self.lose_sync(step);
            return;
        }
        self.publish_snapshot(snapshot.event_ms, now_ms, step);
        // The first update overlaps the snapshot (prevSeqId <= base < seqId) rather than
        // chaining to it exactly; its absolute quantities bring the book to its seqId.
        if let Some(first) = self.buffer.pop_front() {
            self.apply_levels(&first, now_ms);
            self.local_id = first.last_id;
            if !self.checksum_matches(&first) {
                self.lose_sync(step);
                return;
            }
            self.publish_delta(first, step);
        }
        while self.synced {
            let Some(message) = self.buffer.pop_front() else {
                break;
            };
            self.apply_chained(message, now_ms, step);
        }
    }

    /// A zero or absent checksum is not checked: the venue stopped sending it.
    fn checksum_matches(&self, message: &BookMessage) -> bool {
        match message.checksum {
            Some(expected) if expected != 0 => book_checksum(&self.book) == expected,
            _ => true,
        }
    }
}

/// Whether `snapshot` was taken before the venue restarted its sequence with `restart`:
/// by the venue's clock when both carry a time, else because the snapshot reaches the
/// old sequence's last id.
fn predates(snapshot: &BookMessage, restart: &BookMessage) -> bool {
    if snapshot.event_ms > 0 && restart.event_ms > 0 {
        snapshot.event_ms <= restart.event_ms
    } else {
        restart
            .prev_id
            .is_some_and(|previous_id| previous_id <= snapshot.last_id)
    }
}

/// What tells one restart message from another: its ids and the venue's time. The same
/// message delivered twice matches; a second restart that happens to reuse the ids of
/// an earlier one (the sequence ended at the same id again) does not.
fn restart_identity(message: &BookMessage) -> (i64, i64, i64) {
    (
        message.prev_id.unwrap_or_default(),
        message.last_id,
        message.event_ms,
    )
}

/// The venue's first message after restarting its sequence: a `seqId` below the
/// `prevSeqId` it continues.
fn is_restart(message: &BookMessage) -> bool {
    message
        .prev_id
        .is_some_and(|previous_id| message.last_id < previous_id)
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::super::{BookSync, SyncState};
    use crate::{BookMessage, SyncRule};

    fn okx() -> BookSync {
        sync(SyncRule::PrevSequence)
    }

    /// The message with the venue's time set to `event_ms`.
    fn at(event_ms: i64, message: BookMessage) -> BookMessage {
        BookMessage {
            event_ms,
            ..message
        }
    }

    /// Synced from a stream snapshot at seqId 10.
    fn okx_synced_at_10() -> BookSync {
        let mut sync = okx();
        let step = sync.on_stream(stream_snapshot(10, &["99:1"], &["101:1"]), 1);
        assert_eq!(published(&step), vec![(0, true)]);
        sync
    }

    #[test]
    fn a_stream_snapshot_then_chained_updates() {
        let mut sync = okx_synced_at_10();
        let step = sync.on_stream(chained(10, 12, "102:2"), 2);
        assert_eq!(published(&step), vec![(1, false)]);
        let step = sync.on_stream(chained(12, 15, "101:0"), 3);
        assert_eq!(published(&step), vec![(2, false)]);
        assert_eq!(
            book_texts(&sync),
            (vec!["99:1".into()], vec!["102:2".into()])
        );
        // prevSeqId == seqId: a keep-alive, nothing published.
        let step = sync.on_stream(chained(15, 15, "1:1"), 4);
        assert!(step.updates.is_empty() && step.ignored == 0);
        assert_eq!(sync.resyncs(), 0);
    }

    #[test]
    fn a_broken_chain_resubscribes_once_when_the_book_came_from_the_stream() {
        let mut sync = okx_synced_at_10();
        let step = sync.on_stream(chained(11, 13, "102:2"), 2);
        assert!(step.resubscribe && !step.need_snapshot);
        assert_eq!((sync.state(), sync.resyncs()), (SyncState::Syncing, 1));
        let step = sync.on_stream(chained(13, 14, "102:3"), 2);
        assert!(!step.resubscribe, "one resubscribe per lost sync");
        let step = sync.on_stream(stream_snapshot(20, &["98:1"], &[]), 3);
        assert_eq!(published(&step), vec![(0, true)]);
        assert_eq!(
            sync.buffered(),
            0,
            "older deltas are dropped by a stream snapshot"
        );
        assert_eq!(sync.resyncs(), 1);
    }

    #[test]
    fn duplicates_and_stale_updates_are_ignored() {
        let mut sync = okx_synced_at_10();
        sync.on_stream(chained(10, 12, "102:2"), 2);
        for _ in 0..2 {
            let step = sync.on_stream(chained(10, 12, "102:9"), 3);
            assert_eq!(step.ignored, 1);
        }
        assert_eq!(sync.on_stream(chained(5, 8, "102:9"), 3).ignored, 1);
        assert_eq!(book_texts(&sync).1, vec!["101:1", "102:2"]);
        assert_eq!(sync.resyncs(), 0);
    }

    #[test]
    fn a_sequence_restart_asks_for_a_fresh_snapshot() {
        // The venue's restart message chains to the old sequence with a smaller seqId.
        let mut sync = okx_synced_at_10();
        let step = sync.on_stream(chained(10, 3, "102:2"), 2);
        assert!(step.resubscribe && step.updates.is_empty());
        assert_eq!(sync.resyncs(), 1);

        // The restart message was lost: updates of the new sequence chain below the
        // local seqId; the second one shows it is a new sequence, not a stale replay.
        let mut sync = okx_synced_at_10();
        assert_eq!(sync.on_stream(chained(3, 5, "102:2"), 2).ignored, 1);
        let step = sync.on_stream(chained(5, 7, "102:3"), 2);
        assert!(step.resubscribe);
        assert_eq!((sync.state(), sync.resyncs()), (SyncState::Syncing, 1));
    }

    #[test]
    fn a_second_restart_to_the_same_ids_is_a_new_restart() {
        // The venue restarted from 10 to 3, synced again up to 10, and restarted from 10
        // to 3 once more: the same ids, a later time. Only a repeat of the first
        // message (same time too) may be ignored.
        let mut sync = okx_synced_at_10();
        let step = sync.on_stream(at(100, chained(10, 3, "102:2")), 2);
        assert!(step.resubscribe);
        sync.on_stream(stream_snapshot(3, &["99:1"], &["101:1"]), 3);
        sync.on_stream(at(110, chained(3, 10, "102:2")), 4);
        assert_eq!(sync.state(), SyncState::Synced);
        let repeat = sync.on_stream(at(100, chained(10, 3, "102:2")), 5);
        assert_eq!((repeat.ignored, sync.state()), (1, SyncState::Synced));
        let step = sync.on_stream(at(120, chained(10, 3, "102:5")), 6);
        assert!(
            step.resubscribe,
            "the second restart was taken for the first"
        );
        assert_eq!((sync.state(), sync.resyncs()), (SyncState::Syncing, 2));
    }

    #[test]
    fn rest_snapshot_is_continued_by_the_first_update_spanning_it() {
        let mut sync = okx();
        let step = sync.on_stream(chained(100, 102, "101:1"), 1);
        assert!(
            step.need_snapshot,
            "updates without a stream snapshot ask for REST"
        );
        sync.on_stream(chained(102, 105, "102:1"), 1);
        sync.on_stream(chained(105, 107, "103:1"), 1);
        // Snapshot seqId 103: 100..102 is covered; 102 <= 103 < 105 continues it.
        let step = sync.on_snapshot(snapshot(103, &["99:1"], &["101:1"]), 2);
        assert_eq!(published(&step), vec![(0, true), (1, false), (2, false)]);
        assert_eq!(book_texts(&sync).1, vec!["101:1", "102:1", "103:1"]);
        // Now a broken chain asks for REST again, not for a resubscribe.
        let step = sync.on_stream(chained(108, 109, "104:1"), 3);
        assert!(step.need_snapshot && !step.resubscribe);
    }

    #[test]
    fn rest_snapshot_older_than_the_buffer_is_refetched() {
        let mut sync = okx();
        sync.on_stream(chained(100, 102, "101:1"), 1);
        let step = sync.on_snapshot(snapshot(99, &["99:1"], &[]), 2);
        assert!(step.need_snapshot && step.updates.is_empty());
        assert!(sync.book().is_none());
        assert_eq!(sync.resyncs(), 0);
    }

    #[test]
    fn checksums_are_verified_when_sent_and_a_mismatch_resyncs() {
        let mut sync = okx();
        let mut snapshot = stream_snapshot(10, &["3366.1:7", "3366:6"], &["3366.8:9", "3368:8"]);
        snapshot.checksum = Some(-1_881_014_294);
        let step = sync.on_stream(snapshot, 1);
        assert_eq!(published(&step), vec![(0, true)]);

        // Removing bid 3366 and adding ask 3372 gives the book of the second vector.
        let mut update = chained(10, 11, "3372:8");
        update.bids = levels(&["3366:0"]);
        update.checksum = Some(831_078_360);
        let step = sync.on_stream(update, 2);
        assert_eq!(published(&step), vec![(1, false)]);

        // A zero checksum is not checked.
        let mut unchecked = chained(11, 12, "3373:1");
        unchecked.checksum = Some(0);
        assert_eq!(published(&sync.on_stream(unchecked, 3)), vec![(2, false)]);

        let mut wrong = chained(12, 13, "3374:1");
        wrong.checksum = Some(12345);
        let step = sync.on_stream(wrong, 4);
        assert!(step.updates.is_empty() && step.resubscribe);
        assert_eq!((sync.state(), sync.resyncs()), (SyncState::Syncing, 1));
    }

    #[test]
    fn a_wrong_checksum_on_a_snapshot_is_a_resync() {
        let mut sync = okx();
        let mut snapshot = stream_snapshot(10, &["1:1"], &["2:1"]);
        snapshot.checksum = Some(7);
        let step = sync.on_stream(snapshot, 1);
        assert!(step.updates.is_empty() && step.resubscribe);
        assert_eq!(sync.resyncs(), 1);
    }

    #[test]
    fn after_a_restart_a_snapshot_of_the_old_sequence_is_refetched() {
        let mut sync = okx();
        sync.on_stream(chained(100, 102, "101:1"), 1);
        sync.on_snapshot(snapshot(101, &["99:1"], &[]), 1);
        assert_eq!(sync.state(), SyncState::Synced);
        // Maintenance: the sequence restarts at 3.
        let step = sync.on_stream(at(5_000, chained(102, 3, "101:2")), 2);
        assert!(step.need_snapshot);
        sync.on_stream(at(5_001, chained(3, 5, "101:3")), 2);
        // A snapshot taken before the restart must not swallow the new sequence's
        // updates and wait forever: by its time, or by its id without one.
        let old = at(4_999, snapshot(4, &["99:1"], &["101:1"]));
        let step = sync.on_snapshot(old, 3);
        assert!(step.need_snapshot && step.updates.is_empty());
        let old_without_time = at(0, snapshot(102, &["99:1"], &["101:1"]));
        let step = sync.on_snapshot(old_without_time, 3);
        assert!(step.need_snapshot && step.updates.is_empty());
        // A snapshot of the new sequence is continued by its updates.
        let step = sync.on_snapshot(at(5_002, snapshot(4, &["99:1"], &["101:2"])), 4);
        assert_eq!(published(&step), vec![(0, true), (1, false)]);
        assert_eq!(book_texts(&sync).1, vec!["101:3"]);
        // The restart message seen again is a duplicate, not a gap.
        assert_eq!(sync.on_stream(chained(102, 3, "101:9"), 5).ignored, 1);
        assert_eq!(sync.resyncs(), 1);
    }

    #[test]
    fn a_restart_while_syncing_drops_the_old_sequence_from_the_buffer() {
        let mut sync = okx();
        sync.on_stream(chained(100, 102, "101:1"), 1);
        sync.on_stream(chained(102, 104, "101:2"), 1);
        sync.on_snapshot(at(4_000, snapshot(101, &[], &[])), 1);
        let step = sync.on_stream(at(5_000, chained(104, 2, "101:3")), 1);
        assert!(
            step.need_snapshot,
            "the pending snapshot is of the old sequence"
        );
        assert_eq!(sync.buffered(), 1);
        sync.on_stream(at(5_001, chained(2, 3, "101:4")), 1);
        let again = sync.on_stream(at(5_000, chained(104, 2, "101:3")), 1);
        assert_eq!(again.ignored, 1, "the restart message seen twice");
        assert!(!again.need_snapshot);
        assert_eq!(sync.buffered(), 2, "what followed the restart is kept");
        // The restart message itself continues no snapshot: its prevSeqId is old.
        let step = sync.on_snapshot(at(5_002, snapshot(1, &[], &[])), 2);
        assert!(step.need_snapshot && step.updates.is_empty());
        let step = sync.on_snapshot(at(5_003, snapshot(2, &[], &["101:3"])), 3);
        assert_eq!(published(&step), vec![(0, true), (1, false)]);
        assert_eq!(book_texts(&sync).1, vec!["101:4"]);
    }
}
