//! The one writer of paper state. Change sets are queued while the paper engine is still
//! locked, so the queue holds them in the order the engine made them, and one task stores
//! them in that order (batched, retried until stored). An RPC waits for its own change
//! set, and with it everything before it, to be stored before it answers.
use std::time::Duration;

use quorum_kit::CancellationToken;
use quorum_venues::backoff::Backoff;
use tokio::sync::{mpsc, oneshot};
use tonic::Status;

use super::PaperStore;
use crate::paper::ChangeSet;
use crate::publisher::ConnectorMetrics;

/// Change sets stored in one transaction at most.
pub const MAX_BATCH: usize = 256;
/// How long an RPC waits for its changes to be stored before answering UNAVAILABLE.
pub const STORE_PATIENCE: Duration = Duration::from_secs(10);
/// How long a stopping connector keeps storing what draining calls change.
const SHUTDOWN_PATIENCE: Duration = Duration::from_secs(3);

/// Queues change sets for the writer task. Cheap to clone.
#[derive(Clone)]
pub struct StateWriter {
    queue: mpsc::UnboundedSender<Pending>,
}

/// The writer task's end of the queue.
pub struct WriterQueue {
    queue: mpsc::UnboundedReceiver<Pending>,
}

/// Resolves once a change set and everything queued before it is stored.
#[derive(Debug)]
pub struct Stored {
    done: oneshot::Receiver<()>,
}

#[derive(Debug)]
struct Pending {
    changes: Option<ChangeSet>,
    done: Option<oneshot::Sender<()>>,
}

impl StateWriter {
    pub fn channel() -> (Self, WriterQueue) {
        let (queue, receiver) = mpsc::unbounded_channel();
        (Self { queue }, WriterQueue { queue: receiver })
    }

    /// Queues `changes` (none: only waits for what is queued) and says when it is stored.
    pub fn submit(&self, changes: Option<ChangeSet>) -> Stored {
        let (done, receiver) = oneshot::channel();
        self.send(Pending {
            changes,
            done: Some(done),
        });
        Stored { done: receiver }
    }

    /// Queues `changes` without waiting for them (the market loop never waits).
    pub fn submit_detached(&self, changes: Option<ChangeSet>) {
        if changes.is_some() {
            self.send(Pending {
                changes,
                done: None,
            });
        }
    }

    fn send(&self, pending: Pending) {
        if self.queue.send(pending).is_err() {
            tracing::error!("the paper state writer has stopped; changes are not stored");
        }
    }
}

impl Stored {
    /// Waits up to [`STORE_PATIENCE`]; UNAVAILABLE when the changes are not stored yet.
    pub async fn wait(self) -> Result<(), Status> {
        match tokio::time::timeout(STORE_PATIENCE, self.done).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) => Err(Status::unavailable(
                "the connector is stopping and could not store this change; retry on another instance or later",
            )),
            Err(_) => Err(Status::unavailable(
                "the change is made but not yet stored (the database is slow or down); \
                 repeat the call with the same client_order_id, or GetOrder, to learn its state",
            )),
        }
    }
}

/// Stores queued change sets in order until every sender is gone. After `shutdown` it
/// goes on for a while, so calls still draining get their changes stored, then stops.
pub async fn run(
    store: PaperStore,
    mut queue: WriterQueue,
    metrics: ConnectorMetrics,
    shutdown: CancellationToken,
) {
    let give_up = CancellationToken::new();
    let deadline = give_up.clone();
    tokio::spawn(async move {
        shutdown.cancelled().await;
        tokio::time::sleep(SHUTDOWN_PATIENCE).await;
        deadline.cancel();
    });
    loop {
        let first = tokio::select! {
            () = give_up.cancelled() => return,
            pending = queue.queue.recv() => match pending {
                Some(pending) => pending,
                None => return,
            },
        };
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match queue.queue.try_recv() {
                Ok(pending) => batch.push(pending),
                Err(_) => break,
            }
        }
        // Later changes are never stored without the earlier ones.
        if !store_patiently(&store, batch, &metrics, &give_up).await {
            return;
        }
    }
}

/// Stores one batch, retrying with backoff; false when `give_up` fired first.
async fn store_patiently(
    store: &PaperStore,
    batch: Vec<Pending>,
    metrics: &ConnectorMetrics,
    give_up: &CancellationToken,
) -> bool {
    let mut changes = Vec::with_capacity(batch.len());
    let mut waiting = Vec::new();
    for pending in batch {
        changes.extend(pending.changes);
        waiting.extend(pending.done);
    }
    let mut backoff = Backoff::new(Duration::from_millis(50), Duration::from_secs(5));
    while !changes.is_empty() {
        match store.write(&changes).await {
            Ok(()) => {
                count(&changes, metrics);
                break;
            }
            Err(error) => {
                metrics.store_failures.inc();
                tracing::warn!(%error, attempt = backoff.attempt(), "paper state not stored; retrying");
            }
        }
        tokio::select! {
            () = give_up.cancelled() => {
                tracing::error!(
                    change_sets = changes.len(),
                    "paper changes were not stored before shutdown; their calls were not answered"
                );
                return false;
            }
            () = tokio::time::sleep(backoff.next_delay()) => {}
        }
    }
    for done in waiting {
        // The caller may have stopped waiting; the changes are stored all the same.
        let _ = done.send(());
    }
    true
}

fn count(changes: &[ChangeSet], metrics: &ConnectorMetrics) {
    let fills: usize = changes.iter().map(|set| set.fills.len()).sum();
    let events: usize = changes.iter().map(|set| set.events.len()).sum();
    metrics.fills_published.inc_by(fills as u64);
    metrics.order_events.inc_by(events as u64);
}
