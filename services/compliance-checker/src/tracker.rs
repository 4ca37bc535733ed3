//! Keeps the stored history and the in-memory views together: an event is stored first,
//! then applied to the views; at start the views are rebuilt from what was stored.
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use quorum_domain::{Fill, OrderEvent, OrderEventKind};
use quorum_kit::CancellationToken;
use sqlx::PgPool;

use crate::history;
use crate::views::{DAY_MS, HORIZON_MS, RecentFill, Views, day};

/// How often views forget what no rule can ask about any more.
const PRUNE_INTERVAL: Duration = Duration::from_secs(60);

/// The history in Postgres and the views built from it. Cheap to clone.
#[derive(Clone)]
pub struct Tracker {
    pool: PgPool,
    views: Arc<Mutex<Views>>,
}

impl Tracker {
    /// Rebuilds the views from Postgres as of `now_ms`.
    pub async fn rebuild(pool: PgPool, now_ms: i64) -> Result<Self, sqlx::Error> {
        let since = now_ms.saturating_sub(HORIZON_MS);
        let orders = history::open_and_cancelled_since(&pool, since).await?;
        let fills = history::fills_since(&pool, since).await?;
        // Placements of yesterday and today (UTC), the days the limit can ask about.
        let placements = history::placements_since(&pool, (day(now_ms) - 1) * DAY_MS).await?;
        let mut views = Views::new();
        for order in &orders {
            views.apply_order(order);
        }
        for fill in fills {
            views.apply_fill(fill);
        }
        for (account, venue, order_id, at_ms) in &placements {
            views.apply_placement(account, *venue, order_id, *at_ms);
        }
        views.prune(now_ms);
        tracing::info!(
            orders = orders.len(),
            placements = placements.len(),
            "compliance views rebuilt from stored history"
        );
        Ok(Self {
            pool,
            views: Arc::new(Mutex::new(views)),
        })
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Stores an order event (idempotent), then applies the order as stored.
    pub async fn record_order_event(&self, event: &OrderEvent) -> Result<(), sqlx::Error> {
        let stored = history::store_order_event(&self.pool, event).await?;
        let mut views = self.lock();
        views.apply_order(&stored);
        if event.kind == OrderEventKind::Placed {
            let order = &event.order;
            views.apply_placement(&order.account, order.venue, &order.order_id, event.at_ms);
        }
        Ok(())
    }

    /// Stores a fill (idempotent), then applies it.
    pub async fn record_fill(&self, fill: &Fill) -> Result<(), sqlx::Error> {
        history::store_fill(&self.pool, fill).await?;
        self.lock().apply_fill(RecentFill {
            venue: fill.venue,
            fill_id: fill.fill_id.clone(),
            order_id: fill.order_id.clone(),
            account: fill.account.clone(),
            symbol: fill.symbol.clone(),
            side: fill.side,
            price: fill.price,
            quantity: fill.quantity,
            filled_at_ms: fill.filled_at_ms,
        });
        Ok(())
    }

    /// Runs `read` on the views (keep it short: consumers wait meanwhile).
    pub fn read<R>(&self, read: impl FnOnce(&Views) -> R) -> R {
        read(&self.lock())
    }

    /// Prunes the views every minute until `shutdown`.
    pub async fn prune_periodically(self, shutdown: CancellationToken) {
        loop {
            tokio::select! {
                () = shutdown.cancelled() => return,
                () = tokio::time::sleep(PRUNE_INTERVAL) => {}
            }
            self.lock().prune(crate::now_ms());
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Views> {
        // The views hold no invariant a panicking reader could break half-way.
        self.views.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
