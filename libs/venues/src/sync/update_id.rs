//! Binance and Gate.io: each delta carries the first and last update id it covers
//! (`U`, `u`); a REST snapshot's id is the base that the first applied delta must span.
use crate::{BookMessage, SyncRule};

use super::{Awaiting, BookSync, Source, SyncStep};

impl BookSync {
    /// A REST snapshot: held until a buffered delta shows whether it can be continued.
    pub(super) fn update_id_snapshot(
        &mut self,
        snapshot: BookMessage,
        now_ms: i64,
        step: &mut SyncStep,
    ) {
        if self.synced {
            step.ignored += 1;
            return;
        }
        self.pending = Some(snapshot);
        self.pending_checked = false;
        self.awaiting = Awaiting::Nothing;
        self.try_sync_update_id(now_ms, step);
    }

    pub(super) fn update_id_delta(
        &mut self,
        message: BookMessage,
        now_ms: i64,
        step: &mut SyncStep,
    ) {
        if self.synced {
            self.apply_update_id(message, now_ms, step);
            return;
        }
        self.buffer_delta(message);
        if self.pending.is_some() {
            self.try_sync_update_id(now_ms, step);
        } else if self.awaiting == Awaiting::Nothing {
            // The snapshot is fetched after the stream has started, so that it is not
            // older than everything the stream will deliver.
            self.request(Awaiting::RestSnapshot, step);
        }
    }

    /// A delta on a synced book: stale ones are dropped, a hole loses the sync.
    fn apply_update_id(&mut self, message: BookMessage, now_ms: i64, step: &mut SyncStep) {
        // `u == local` is a duplicate of the last applied delta: nothing in it is new.
        if message.last_id <= self.local_id {
            step.ignored += 1;
            return;
        }
        if message.first_id > self.local_id.saturating_add(1) {
            self.lose_sync(step);
            // It follows the hole, so the next snapshot may be continued by it; the
            // deltas still buffered behind it stay in order.
            self.buffer.push_front(message);
            return;
        }
        self.apply_levels(&message, now_ms);
        self.local_id = message.last_id;
        self.publish_delta(message, step);
    }

    /// Syncs when the pending snapshot and the buffered deltas fit together, asks for a
    /// newer snapshot when they cannot, and waits when it is too early to tell.
    fn try_sync_update_id(&mut self, now_ms: i64, step: &mut SyncStep) {
        let Some(base) = self.pending.as_ref().map(|snapshot| snapshot.last_id) else {
            return;
        };
        if self.rule == SyncRule::UpdateIdRange && !self.pending_checked {
            // Binance's rule: a snapshot older than the first buffered `U` is refetched.
            let Some(first) = self.buffer.front() else {
                return;
            };
            if base < first.first_id {
                self.refetch(step);
                return;
            }
            self.pending_checked = true;
        }
        while self
            .buffer
            .front()
            .is_some_and(|message| message.last_id <= base)
        {
            self.buffer.pop_front();
        }
        let Some(first) = self.buffer.front() else {
            return;
        };
        if first.first_id > base.saturating_add(1) {
            self.refetch(step);
            return;
        }
        let Some(snapshot) = self.pending.take() else {
            return;
        };
        self.install_snapshot(&snapshot, Source::Rest, now_ms);
        self.publish_snapshot(snapshot.event_ms, now_ms, step);
        while self.synced {
            let Some(message) = self.buffer.pop_front() else {
                break;
            };
            self.apply_update_id(message, now_ms, step);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::super::{MAX_BUFFERED, SyncState};
    use crate::SyncRule;

    #[test]
    fn buffers_deltas_until_the_snapshot_then_applies_those_it_does_not_cover() {
        let mut sync = sync(SyncRule::UpdateIdRange);
        let first = sync.on_stream(delta(100, 102, "10:1"), 1);
        assert!(first.need_snapshot, "the first delta asks for the snapshot");
        assert!(first.updates.is_empty());
        for message in [delta(103, 105, "11:2"), delta(106, 108, "12:3")] {
            let step = sync.on_stream(message, 2);
            assert!(!step.need_snapshot, "asked once, not once per delta");
        }
        assert_eq!(sync.state(), SyncState::Syncing);
        assert!(sync.book().is_none());
        assert_eq!(sync.buffered(), 3);

        let step = sync.on_snapshot(snapshot(104, &["9:5"], &["20:1"]), 3);
        // 100..102 is inside the snapshot; 103..105 spans 105 and continues it.
        assert_eq!(published(&step), vec![(0, true), (1, false), (2, false)]);
        assert_eq!(step.updates[0].bids, levels(&["9:5"]));
        assert_eq!(step.updates[1].bids, levels(&["11:2"]));
        assert_eq!(sync.state(), SyncState::Synced);
        let (bids, asks) = book_texts(&sync);
        assert_eq!(bids, vec!["12:3", "11:2", "9:5"]);
        assert_eq!(asks, vec!["20:1"]);
        assert_eq!(
            (sync.sequence(), sync.resyncs(), sync.buffered()),
            (2, 0, 0)
        );
        assert_eq!(sync.last_update_ms(), 3);
    }

    #[test]
    fn stale_and_duplicate_deltas_are_ignored_and_overlapping_ones_applied() {
        let mut sync = synced_at_108(SyncRule::UpdateIdRange);
        for old in [delta(106, 108, "12:9"), delta(103, 105, "11:9")] {
            let step = sync.on_stream(old, 5);
            assert_eq!(step.ignored, 1);
            assert!(step.updates.is_empty() && !step.need_snapshot);
        }
        let step = sync.on_stream(delta(107, 110, "13:1"), 6);
        assert_eq!(published(&step), vec![(3, false)]);
        assert_eq!(book_texts(&sync).0, vec!["13:1", "12:3", "11:2", "9:5"]);
        assert_eq!(sync.resyncs(), 0);
    }

    #[test]
    fn a_gap_asks_for_exactly_one_snapshot_and_buffers_until_it_comes() {
        for rule in [SyncRule::UpdateIdRange, SyncRule::GateUpdateIdRange] {
            let mut sync = synced_at_108(rule);
            let gap = sync.on_stream(delta(110, 112, "13:1"), 5);
            assert!(gap.need_snapshot && gap.updates.is_empty(), "{rule:?}");
            assert_eq!(sync.state(), SyncState::Syncing);
            assert!(sync.book().is_none());
            assert_eq!(sync.resyncs(), 1);
            for message in [delta(113, 115, "14:1"), delta(116, 118, "15:1")] {
                let step = sync.on_stream(message, 6);
                assert!(!step.need_snapshot, "{rule:?}: one request per lost sync");
            }
            assert_eq!(sync.resyncs(), 1);

            let step = sync.on_snapshot(snapshot(112, &["13:1"], &["20:1"]), 7);
            assert_eq!(published(&step), vec![(0, true), (1, false), (2, false)]);
            assert_eq!(book_texts(&sync).0, vec!["15:1", "14:1", "13:1"]);
            assert_eq!(sync.resyncs(), 1, "{rule:?}: the resync is counted once");
        }
    }

    #[test]
    fn binance_refetches_a_snapshot_older_than_the_first_buffered_delta() {
        let mut sync = sync(SyncRule::UpdateIdRange);
        sync.on_stream(delta(100, 102, "10:1"), 1);
        let step = sync.on_snapshot(snapshot(99, &["9:1"], &[]), 2);
        assert!(step.need_snapshot && step.updates.is_empty());
        assert_eq!(sync.state(), SyncState::Syncing);
        // The newer snapshot covers the whole buffer: wait for the delta that spans it.
        let step = sync.on_snapshot(snapshot(103, &["9:2"], &[]), 3);
        assert!(!step.need_snapshot && step.updates.is_empty());
        let step = sync.on_stream(delta(103, 105, "11:1"), 4);
        assert_eq!(published(&step), vec![(0, true), (1, false)]);
        assert_eq!(book_texts(&sync).0, vec!["11:1", "9:2"]);
        assert_eq!(
            sync.resyncs(),
            0,
            "refetching before the first sync is no resync"
        );
    }

    #[test]
    fn gate_starts_from_the_delta_spanning_base_plus_one_and_refetches_past_it() {
        let mut sync = sync(SyncRule::GateUpdateIdRange);
        sync.on_stream(delta(100, 102, "10:1"), 1);
        // Base 99: the first delta starts at base + 1, which Gate.io accepts.
        let step = sync.on_snapshot(snapshot(99, &["9:1"], &[]), 2);
        assert_eq!(published(&step), vec![(0, true), (1, false)]);

        let mut sync = super::super::test_support::sync(SyncRule::GateUpdateIdRange);
        sync.on_stream(delta(100, 102, "10:1"), 1);
        let step = sync.on_snapshot(snapshot(98, &["9:1"], &[]), 2);
        assert!(
            step.need_snapshot,
            "first U past base + 1: fetch a new snapshot"
        );
        assert!(sync.book().is_none());
    }

    #[test]
    fn a_snapshot_fetched_before_any_delta_waits_for_one() {
        let mut sync = sync(SyncRule::GateUpdateIdRange);
        let step = sync.on_snapshot(snapshot(100, &["9:1"], &[]), 1);
        assert!(step.updates.is_empty() && !step.need_snapshot);
        let step = sync.on_stream(delta(95, 100, "8:1"), 2);
        assert!(step.updates.is_empty(), "covered by the snapshot");
        let step = sync.on_stream(delta(101, 101, "10:1"), 3);
        assert_eq!(published(&step), vec![(0, true), (1, false)]);
    }

    #[test]
    fn a_gap_among_the_buffered_deltas_loses_the_new_sync_again() {
        let mut sync = sync(SyncRule::UpdateIdRange);
        sync.on_stream(delta(100, 102, "10:1"), 1);
        sync.on_stream(delta(105, 107, "11:1"), 1);
        let step = sync.on_snapshot(snapshot(101, &[], &[]), 2);
        assert_eq!(published(&step), vec![(0, true), (1, false)]);
        assert!(step.need_snapshot);
        assert_eq!((sync.state(), sync.resyncs()), (SyncState::Syncing, 1));
        assert_eq!(sync.buffered(), 1, "the delta after the hole is kept");
    }

    #[test]
    fn reset_drops_the_book_counts_a_resync_and_asks_again() {
        let mut sync = synced_at_108(SyncRule::UpdateIdRange);
        let step = sync.reset();
        assert!(step.need_snapshot && !step.resubscribe);
        assert_eq!((sync.state(), sync.resyncs()), (SyncState::Syncing, 1));
        assert!(sync.book().is_none());
        let again = sync.reset();
        assert!(
            again.need_snapshot,
            "a reset always asks, even with a request out"
        );
        assert_eq!(sync.resyncs(), 2);
    }

    #[test]
    fn snapshots_for_a_synced_book_and_messages_of_other_symbols_are_ignored() {
        let mut sync = synced_at_108(SyncRule::UpdateIdRange);
        let step = sync.on_snapshot(snapshot(200, &["1:1"], &[]), 5);
        assert_eq!(step.ignored, 1);
        let mut other = delta(109, 109, "1:1");
        other.symbol = "ETH-USDT".parse().unwrap();
        assert_eq!(sync.on_stream(other, 5).ignored, 1);
        assert_eq!(book_texts(&sync).0, vec!["12:3", "11:2", "9:5"]);
    }

    #[test]
    fn the_buffer_is_bounded() {
        let mut sync = sync(SyncRule::UpdateIdRange);
        for id in 0..(MAX_BUFFERED as i64 + 5) {
            sync.on_stream(delta(id, id, "1:1"), 1);
        }
        assert_eq!(sync.buffered(), MAX_BUFFERED);
    }

    /// Synced from snapshot 104 with deltas 103..105 and 106..108 applied.
    fn synced_at_108(rule: SyncRule) -> super::super::BookSync {
        let mut sync = super::super::test_support::sync(rule);
        sync.on_stream(delta(103, 105, "11:2"), 1);
        sync.on_stream(delta(106, 108, "12:3"), 1);
        let step = sync.on_snapshot(snapshot(104, &["9:5"], &["20:1"]), 2);
        assert_eq!(step.updates.len(), 3);
        sync
    }
}
