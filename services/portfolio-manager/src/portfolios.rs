//! The ledger in memory, kept in step with the journal in Postgres: a fill or transfer
//! counts in memory only after its entry committed. Writers take turns (plan, store,
//! commit); readers never wait for the database.
use std::sync::{PoisonError, RwLock};

use quorum_bus::audit::AuditEntry;
use quorum_bus::events::AuditOutcome;
use quorum_bus::outbox::Outbox;
use quorum_domain::{Fill, Symbol, Venue};
use quorum_ledger::{Ledger, LedgerError, Mark, Marks, Outcome, PortfolioView, Transfer};
use sqlx::PgPool;
use tokio::sync::{Mutex, watch};

use crate::equity;
use crate::store;

/// Why a fill or transfer was not applied.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    /// The input is wrong (names the field) and always will be.
    #[error(transparent)]
    Invalid(LedgerError),
    /// The journal could not be written; trying again may work.
    #[error("the journal could not be written: {0}")]
    Store(#[from] sqlx::Error),
    /// The ledger refused for a reason that is not the caller's (overflow, a race).
    #[error("the ledger refused: {0}")]
    Ledger(LedgerError),
}

impl From<LedgerError> for ApplyError {
    fn from(error: LedgerError) -> Self {
        match error {
            LedgerError::Invalid { .. } => ApplyError::Invalid(error),
            other => ApplyError::Ledger(other),
        }
    }
}

pub struct Portfolios {
    pool: PgPool,
    outbox: Outbox,
    ledger: RwLock<Ledger>,
    marks: RwLock<Marks>,
    /// Held from planning an entry until it is committed in memory.
    writer: Mutex<()>,
    /// Counts every change of the ledger or the marks; streams watch it.
    changes: watch::Sender<u64>,
}

impl Portfolios {
    /// Wraps a ledger that already matches the journal in `pool`.
    pub fn new(pool: PgPool, outbox: Outbox, ledger: Ledger) -> Self {
        Self {
            pool,
            outbox,
            ledger: RwLock::new(ledger),
            marks: RwLock::new(Marks::new()),
            writer: Mutex::new(()),
            changes: watch::Sender::new(0),
        }
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Applies a fill once per (venue, fill id): `true` when it was new. Its entry is
    /// committed to Postgres before it counts, then an equity point is recorded.
    pub async fn apply_fill(&self, fill: &Fill) -> Result<bool, ApplyError> {
        let turn = self.writer.lock().await;
        let Outcome::Applied(effect) = self.read(|ledger| ledger.plan_fill(fill))? else {
            return Ok(false);
        };
        let mut transaction = self.pool.begin().await?;
        if !store::insert_fill(&mut transaction, &effect).await? {
            // Stored by someone else but unknown here: never count it twice.
            tracing::warn!(fill_id = %effect.fill.fill_id, venue = %effect.fill.venue,
                "fill already in the journal but not in memory; left as it is");
            return Ok(false);
        }
        transaction.commit().await?;
        self.write(|ledger| ledger.commit_fill(&effect))?;
        drop(turn);
        self.changed();
        self.record_equity(&effect.fill.account).await;
        Ok(true)
    }

    /// Applies a transfer once per transfer id, audited in the same transaction:
    /// `true` when it was new.
    pub async fn record_transfer(
        &self,
        transfer: &Transfer,
        actor: &str,
    ) -> Result<bool, ApplyError> {
        let turn = self.writer.lock().await;
        let Outcome::Applied(effect) = self.read(|ledger| ledger.plan_transfer(transfer))? else {
            return Ok(false);
        };
        let mut transaction = self.pool.begin().await?;
        if !store::insert_transfer(&mut transaction, &effect, actor).await? {
            tracing::warn!(transfer_id = %effect.transfer.transfer_id,
                "transfer already in the journal but not in memory; left as it is");
            return Ok(false);
        }
        let transfer = &effect.transfer;
        let resource = format!("account:{}", transfer.account);
        let entry = AuditEntry {
            service: crate::SERVICE,
            actor,
            action: "portfolio.transfer",
            resource: &resource,
            outcome: AuditOutcome::Success,
            details: serde_json::json!({
                "transfer_id": transfer.transfer_id,
                "venue": transfer.venue.as_str(),
                "asset": transfer.asset,
                "amount": transfer.amount.normalize().to_string(),
                "memo": transfer.memo,
            }),
        };
        quorum_bus::audit::record(&mut transaction, entry).await?;
        transaction.commit().await?;
        self.outbox.wake();
        self.write(|ledger| ledger.commit_transfer(&effect))?;
        drop(turn);
        self.changed();
        self.record_equity(&effect.transfer.account).await;
        Ok(true)
    }

    /// Runs `read` on the ledger as it is now.
    pub fn read<T>(&self, read: impl FnOnce(&Ledger) -> T) -> T {
        read(&self.ledger.read().unwrap_or_else(PoisonError::into_inner))
    }

    /// The latest marks.
    pub fn marks(&self) -> Marks {
        self.marks
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// `account` on `venue` (or every venue) at the latest marks.
    pub fn portfolio(&self, account: &str, venue: Option<Venue>) -> PortfolioView {
        let marks = self.marks();
        self.read(|ledger| ledger.portfolio(account, venue, &marks))
    }

    /// Records or forgets (`None`) a symbol's mark.
    pub fn set_mark(&self, symbol: Symbol, mark: Option<Mark>) {
        let changed = {
            let mut marks = self.marks.write().unwrap_or_else(PoisonError::into_inner);
            match mark {
                Some(mark) => marks.set(symbol, mark),
                None => marks.remove(&symbol),
            }
        };
        if changed {
            self.changed();
        }
    }

    /// A receiver that sees a new value after every change of the ledger or the marks.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.changes.subscribe()
    }

    /// Stores an equity point of `account` now, when its equity is known. A failure is
    /// logged: the point is history, the fill is already safe.
    pub async fn record_equity(&self, account: &str) {
        let view = self.portfolio(account, None);
        match equity::insert_point(&self.pool, &view, crate::now_ms()).await {
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, account, "equity point not stored"),
        }
    }

    fn write(
        &self,
        write: impl FnOnce(&mut Ledger) -> Result<(), LedgerError>,
    ) -> Result<(), ApplyError> {
        let mut ledger = self.ledger.write().unwrap_or_else(PoisonError::into_inner);
        write(&mut ledger).map_err(|error| {
            // The entry is in the journal but not in memory: a restart rebuilds both.
            tracing::error!(%error, "a committed entry could not be applied in memory");
            ApplyError::Ledger(error)
        })
    }

    fn changed(&self) {
        self.changes
            .send_modify(|count| *count = count.wrapping_add(1));
    }
}
