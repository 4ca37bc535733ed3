//! Settling runs whose order has an unknown fate: those a crash or restart left in
//! flight, and those whose PlaceOrder got no answer. Each is settled by asking the venue
//! connector for the order by its client order id, never by sending it again; until
//! then the account's strategies wait.
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use quorum_domain::Venue;
use quorum_kit::CancellationToken;
use quorum_proto::exchange::v1 as exchange;
use tokio::sync::Notify;
use tonic::Code;

use crate::engine::Engine;
use crate::model::{Outcome, Run};
use crate::peers::{CALL_DEADLINE, request};
use crate::store::Ending;

/// How often unsettled runs are tried again while a connector does not answer.
const RETRY: Duration = Duration::from_secs(2);

/// Runs to settle, by run id, with the account they block.
#[derive(Default)]
pub struct Recovery {
    pending: Mutex<HashMap<String, (Venue, String)>>,
    wake: Notify,
}

impl Recovery {
    /// Blocks the account until the run is settled.
    pub fn add(&self, run_id: &str, venue: Venue, account: &str) {
        lock(&self.pending).insert(run_id.to_string(), (venue, account.to_string()));
        self.wake.notify_one();
    }

    pub fn is_settled(&self, venue: Venue, account: &str) -> bool {
        !lock(&self.pending)
            .values()
            .any(|(v, a)| *v == venue && a == account)
    }

    fn pending(&self) -> Vec<String> {
        lock(&self.pending).keys().cloned().collect()
    }

    fn settled(&self, run_id: &str) {
        lock(&self.pending).remove(run_id);
    }
}

/// Settles what it can, then again whenever a run is added or after [`RETRY`].
pub async fn run(engine: Arc<Engine>, shutdown: CancellationToken) {
    loop {
        let left = engine.settle_pending().await;
        let wait = if left == 0 {
            Duration::from_secs(3600)
        } else {
            RETRY
        };
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = engine.recovery.wake.notified() => {}
            () = tokio::time::sleep(wait) => {}
        }
    }
}

impl Engine {
    /// Queues every run the store holds in flight (at start, before the loop runs).
    pub(crate) async fn queue_in_flight(&self) -> sqlx::Result<usize> {
        let runs = self.store.in_flight_runs().await?;
        for run in &runs {
            match self.registry.get(&run.strategy_id) {
                Some(strategy) => {
                    self.recovery
                        .add(&run.run_id, strategy.spec.venue, &strategy.spec.account)
                }
                None => {
                    tracing::warn!(run_id = %run.run_id, "run of an unknown strategy left in flight")
                }
            }
        }
        Ok(runs.len())
    }

    /// Tries every pending run once; returns how many are still unsettled.
    pub(crate) async fn settle_pending(&self) -> usize {
        let pending = self.recovery.pending();
        if pending.is_empty() {
            return 0;
        }
        let runs = match self.store.in_flight_runs().await {
            Ok(runs) => runs,
            Err(error) => {
                tracing::warn!(%error, "cannot read runs in flight; retrying");
                return pending.len();
            }
        };
        for run_id in &pending {
            match runs.iter().find(|run| &run.run_id == run_id) {
                // Already ended in the store.
                None => self.recovery.settled(run_id),
                Some(run) => {
                    if self.settle(run).await {
                        self.recovery.settled(run_id);
                    }
                }
            }
        }
        self.recovery.pending().len()
    }

    /// `true` once the run is recorded as ended.
    async fn settle(&self, run: &Run) -> bool {
        let Some(strategy) = self.registry.get(&run.strategy_id) else {
            return false;
        };
        let ending = match (&run.intent, run.outcome) {
            (Some(intent), Outcome::Ordering) => {
                match self
                    .find_order(
                        strategy.spec.venue,
                        &strategy.spec.account,
                        &intent.client_order_id,
                    )
                    .await
                {
                    Ok(Some(order)) => {
                        let rejected = order.status == i32::from(exchange::OrderStatus::Rejected);
                        let outcome = if rejected {
                            Outcome::OrderRejected
                        } else {
                            Outcome::OrderPlaced
                        };
                        (
                            outcome,
                            format!(
                                "found at the venue after a restart or lost answer (order {})",
                                order.order_id
                            ),
                            order.order_id,
                        )
                    }
                    Ok(None) => (
                        Outcome::Failed,
                        "interrupted before the order reached the venue; not sent again"
                            .to_string(),
                        String::new(),
                    ),
                    Err(problem) => {
                        tracing::info!(run_id = %run.run_id, %problem, "order fate still unknown");
                        return false;
                    }
                }
            }
            _ => (
                Outcome::Failed,
                "interrupted before an order was sent".to_string(),
                String::new(),
            ),
        };
        let (outcome, detail, order_id) = ending;
        let ending = Ending {
            decision_id: String::new(),
            detail,
            order_id,
            hop_micros: Default::default(),
        };
        match self.record_end(run, outcome, &ending).await {
            Ok(()) => {
                tracing::info!(run_id = %run.run_id, outcome = outcome.as_str(), "run settled");
                true
            }
            Err(error) => {
                tracing::warn!(%error, run_id = %run.run_id, "cannot record a settled run; retrying");
                false
            }
        }
    }

    /// The order with `client_order_id`, `None` when the venue does not know it.
    async fn find_order(
        &self,
        venue: Venue,
        account: &str,
        client_order_id: &str,
    ) -> Result<Option<exchange::Order>, String> {
        let Some(mut connector) = self.peers.connector(venue) else {
            return Err(format!("no connector for {venue}"));
        };
        let message = exchange::GetOrderRequest {
            order_id: String::new(),
            client_order_id: client_order_id.to_string(),
            account: account.to_string(),
        };
        match connector.get_order(request(message, CALL_DEADLINE)).await {
            Ok(response) => Ok(response.into_inner().order),
            Err(status) if status.code() == Code::NotFound => Ok(None),
            Err(status) => Err(format!(
                "{}: {}",
                venue.connector_service(),
                status.message()
            )),
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
