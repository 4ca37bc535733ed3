//! Coinbase: the snapshot arrives on the stream and updates apply to it; lost messages
//! show as a gap in the connection's `sequence_num`, which [`ConnectionSequence`]
//! detects so the runtime can reset the books and resubscribe.
use crate::BookMessage;

use super::{BookSync, Source, SyncStep};

/// Follows one connection's message sequence numbers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConnectionSequence {
    last: Option<u64>,
}

impl ConnectionSequence {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a message's sequence number; true when messages were lost before it.
    /// A number at or below the last one is a replay: nothing was lost, and it does
    /// not move the sequence back.
    pub fn observe(&mut self, sequence: u64) -> bool {
        match self.last {
            Some(last) if sequence <= last => false,
            Some(last) => {
                self.last = Some(sequence);
                last.checked_add(1) != Some(sequence)
            }
            None => {
                self.last = Some(sequence);
                false
            }
        }
    }

    /// Forgets the sequence (a new connection starts its own).
    pub fn reset(&mut self) {
        self.last = None;
    }

    /// The last sequence number observed.
    pub fn last(&self) -> Option<u64> {
        self.last
    }
}

impl BookSync {
    pub(super) fn connection_snapshot(
        &mut self,
        snapshot: BookMessage,
        now_ms: i64,
        step: &mut SyncStep,
    ) {
        self.buffer.clear();
        self.install_snapshot(&snapshot, Source::Stream, now_ms);
        self.publish_snapshot(snapshot.event_ms, now_ms, step);
    }

    /// Updates before the first snapshot have no book to apply to; the venue sends the
    /// snapshot first on every subscribe, so they are leftovers of an old subscription.
    pub(super) fn connection_delta(
        &mut self,
        message: BookMessage,
        now_ms: i64,
        step: &mut SyncStep,
    ) {
        if !self.synced {
            step.ignored += 1;
            return;
        }
        self.apply_levels(&message, now_ms);
        self.local_id = message.last_id;
        self.publish_delta(message, step);
    }
}

#[cfg(test)]
mod tests {
    use super::super::SyncState;
    use super::super::test_support::*;
    use super::*;
    use crate::SyncRule;

    #[test]
    fn connection_sequence_reports_each_gap_once() {
        let mut sequence = ConnectionSequence::new();
        assert!(!sequence.observe(7), "the first number is no gap");
        assert!(!sequence.observe(8));
        assert!(sequence.observe(10), "9 was lost");
        assert!(!sequence.observe(11), "the gap is reported once");
        assert!(!sequence.observe(11), "a replay is no gap");
        assert!(!sequence.observe(4));
        assert_eq!(sequence.last(), Some(11));
        sequence.reset();
        assert!(!sequence.observe(0), "a new connection starts over");
        assert!(sequence.observe(u64::MAX - 1));
        assert!(
            !sequence.observe(u64::MAX),
            "consecutive at the top of the range"
        );
    }

    #[test]
    fn the_stream_snapshot_replaces_the_book_and_updates_apply() {
        let mut sync = sync(SyncRule::ConnectionSequence);
        assert_eq!(sync.on_stream(delta(1, 1, "9:1"), 1).ignored, 1);
        let step = sync.on_stream(snapshot(2, &["10:1", "9:2"], &["11:1"]), 2);
        assert_eq!(published(&step), vec![(0, true)]);
        let step = sync.on_stream(delta(3, 3, "10:0"), 3);
        assert_eq!(published(&step), vec![(1, false)]);
        assert_eq!(book_texts(&sync).0, vec!["9:2"]);

        let step = sync.reset();
        assert!(step.resubscribe && !step.need_snapshot);
        assert_eq!((sync.state(), sync.resyncs()), (SyncState::Syncing, 1));
        let step = sync.on_stream(snapshot(9, &["8:1"], &[]), 4);
        assert_eq!(published(&step), vec![(0, true)]);
        assert_eq!(book_texts(&sync).0, vec!["8:1"]);
        assert_eq!(sync.resyncs(), 1);
    }
}
