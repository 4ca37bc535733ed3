//! Group commit for trades that arrive one at a time: callers hand in a trade and wait;
//! one writer task inserts everything waiting in a single statement and then answers
//! every caller, so a caller hears "stored" only after its row committed.
//!
//! While one batch is being written the next one gathers, so batches grow with the load
//! and a lone trade is written at once. Database outages are retried with backoff until
//! they pass (or the service stops), so nothing waiting is dropped.
use quorum_domain::Trade;
use quorum_kit::CancellationToken;
use quorum_store::errors::is_data_error;
use sqlx::PgPool;
use tokio::sync::{mpsc, oneshot};

use crate::store;

/// Why a trade was not stored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WriteError {
    /// The service is stopping; the trade may be handed in again after the restart.
    #[error("the service is shutting down; the trade was not stored")]
    ShuttingDown,
    /// The database refused this trade itself (not the others of its batch).
    #[error("the database refused the trade: {0}")]
    Refused(String),
}

/// The handle callers use; cheap to clone.
#[derive(Debug, Clone)]
pub struct BatchWriter {
    jobs: mpsc::Sender<Job>,
}

/// The task that writes; run it with [`BatchTask::run`].
pub struct BatchTask {
    pool: PgPool,
    jobs: mpsc::Receiver<Job>,
    max_batch: usize,
    shutdown: CancellationToken,
}

#[derive(Debug)]
struct Job {
    trade: Trade,
    done: oneshot::Sender<Result<(), WriteError>>,
}

impl BatchWriter {
    /// A writer and its task; batches hold at most `max_batch` trades.
    pub fn new(pool: PgPool, max_batch: usize, shutdown: CancellationToken) -> (Self, BatchTask) {
        let max_batch = max_batch.max(1);
        let (sender, receiver) = mpsc::channel(max_batch * 2);
        let task = BatchTask {
            pool,
            jobs: receiver,
            max_batch,
            shutdown,
        };
        (Self { jobs: sender }, task)
    }

    /// Stores `trade` (or finds it already stored); returns once that has committed.
    pub async fn write(&self, trade: Trade) -> Result<(), WriteError> {
        let (done, answer) = oneshot::channel();
        self.jobs
            .send(Job { trade, done })
            .await
            .map_err(|_| WriteError::ShuttingDown)?;
        // A dropped sender means the task stopped before answering.
        answer.await.unwrap_or(Err(WriteError::ShuttingDown))
    }
}

impl BatchTask {
    /// Writes batches until shutdown. Trades still waiting then are answered with
    /// [`WriteError::ShuttingDown`] (by dropping them), never acknowledged unwritten.
    pub async fn run(mut self) {
        loop {
            let first = tokio::select! {
                biased;
                () = self.shutdown.cancelled() => break,
                job = self.jobs.recv() => match job {
                    Some(job) => job,
                    None => break,
                },
            };
            let mut batch = vec![first];
            while batch.len() < self.max_batch {
                match self.jobs.try_recv() {
                    Ok(job) => batch.push(job),
                    Err(_) => break,
                }
            }
            self.commit(batch).await;
        }
    }

    async fn commit(&self, batch: Vec<Job>) {
        let trades: Vec<Trade> = batch.iter().map(|job| job.trade.clone()).collect();
        match self.write_patiently(&trades).await {
            Ok(inserted) => {
                tracing::debug!(batch = trades.len(), inserted, "trade batch committed");
                answer_all(batch, || Ok(()));
            }
            Err(Stop::ShuttingDown) => answer_all(batch, || Err(WriteError::ShuttingDown)),
            Err(Stop::Refused(reason)) if batch.len() == 1 => {
                answer_all(batch, || Err(WriteError::Refused(reason.clone())));
            }
            Err(Stop::Refused(reason)) => {
                // Some row spoils the statement: write each alone so only it fails.
                tracing::warn!(%reason, batch = batch.len(), "batch refused; writing its trades one by one");
                for job in batch {
                    let outcome = match self.write_patiently(std::slice::from_ref(&job.trade)).await
                    {
                        Ok(_) => Ok(()),
                        Err(Stop::ShuttingDown) => Err(WriteError::ShuttingDown),
                        Err(Stop::Refused(reason)) => Err(WriteError::Refused(reason)),
                    };
                    let _ = job.done.send(outcome);
                }
            }
        }
    }

    /// Inserts, retrying with backoff for as long as the failure is not the rows' fault.
    async fn write_patiently(&self, trades: &[Trade]) -> Result<u64, Stop> {
        let mut attempt = 0u32;
        loop {
            match store::insert_trades(&self.pool, trades).await {
                Ok(inserted) => return Ok(inserted),
                Err(error) if is_data_error(&error) => {
                    return Err(Stop::Refused(error.to_string()));
                }
                Err(error) => {
                    attempt = attempt.saturating_add(1);
                    tracing::warn!(%error, attempt, batch = trades.len(), "writing trades failed; retrying");
                    tokio::select! {
                        () = self.shutdown.cancelled() => return Err(Stop::ShuttingDown),
                        () = tokio::time::sleep(quorum_kit::client::backoff(attempt)) => {}
                    }
                }
            }
        }
    }
}

enum Stop {
    ShuttingDown,
    Refused(String),
}

fn answer_all(batch: Vec<Job>, outcome: impl Fn() -> Result<(), WriteError>) {
    for job in batch {
        // The caller may have gone (its request was cancelled): nothing to tell then.
        let _ = job.done.send(outcome());
    }
}
