//! What the paper engine hands to storage: the changes since they were last taken (orders
//! as they now are, balances, order events and fills), and a whole snapshot to restore
//! from. The engine stays pure: whoever stores the changes decides how.
use std::collections::HashSet;

use quorum_domain::{Decimal, Fill, Order, OrderEvent, OrderEventKind, OrderStatus};

use super::funds::AccountBalance;
use super::{PaperEngine, PaperOrder};

/// An order as kept: its place in the id sequence and the funds it holds locked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredOrder {
    pub order: Order,
    /// The id counter's value when the order was made; resting orders fill in this order.
    pub number: u64,
    pub locked_asset: String,
    pub locked: Decimal,
}

/// Everything that must survive a restart: accounts, open orders, the id counter and
/// the closed orders kept for GetOrder and idempotency.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PaperState {
    pub next_id: u64,
    /// By account, then asset.
    pub balances: Vec<AccountBalance>,
    /// By number.
    pub open: Vec<StoredOrder>,
    /// Oldest closed first.
    pub closed: Vec<StoredOrder>,
}

/// The changes of one or more engine calls, in the order they happened.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChangeSet {
    pub next_id: u64,
    /// Each changed order once, as it is now, in the order of its last change (so
    /// orders that closed are listed in the order they closed).
    pub orders: Vec<StoredOrder>,
    /// Closed orders no longer kept (beyond [`super::MAX_CLOSED_ORDERS`]).
    pub forgotten: Vec<String>,
    pub balances: Vec<AccountBalance>,
    pub events: Vec<OrderEvent>,
    pub fills: Vec<Fill>,
}

impl ChangeSet {
    /// Order events only, for orders the engine does not keep (live orders).
    pub fn only_events(events: Vec<OrderEvent>) -> Self {
        Self {
            events,
            ..Self::default()
        }
    }

    pub fn is_empty(&self) -> bool {
        self.orders.is_empty()
            && self.forgotten.is_empty()
            && self.balances.is_empty()
            && self.events.is_empty()
            && self.fills.is_empty()
    }
}

/// An event for `order` as it is after a change of `kind`. Event ids are derived from
/// the order, so a change is never told twice under two ids: the placement, each fill
/// (by count), and the one way the order ended.
pub fn order_event(kind: OrderEventKind, order: &Order, at_ms: i64) -> OrderEvent {
    let what = match kind {
        OrderEventKind::Placed => "placed".to_string(),
        OrderEventKind::PartiallyFilled | OrderEventKind::Filled => {
            format!("fill-{}", order.fills.len())
        }
        OrderEventKind::Cancelled => "cancelled".to_string(),
        OrderEventKind::Rejected => "rejected".to_string(),
        OrderEventKind::Expired => "expired".to_string(),
    };
    OrderEvent {
        event_id: format!("{}:{what}", order.order_id),
        kind,
        order: order.clone(),
        at_ms,
    }
}

/// Changes recorded by the engine as it works, until taken.
#[derive(Debug, Clone, Default)]
pub(super) struct Changes {
    /// An order id was taken, even if the order was refused before it was kept: the
    /// counter must be stored so no id is ever handed out twice.
    pub(super) counter_moved: bool,
    orders: Vec<String>,
    pub(super) forgotten: Vec<String>,
    events: Vec<OrderEvent>,
    fills: Vec<Fill>,
}

impl Changes {
    /// `order` changed by `kind`.
    pub(super) fn event(&mut self, kind: OrderEventKind, order: &Order, at_ms: i64) {
        self.orders.push(order.order_id.clone());
        self.events.push(order_event(kind, order, at_ms));
    }

    /// `fill` was just applied to `order`, whose status is set after the whole call.
    pub(super) fn fill(&mut self, order: &Order, fill: &Fill, at_ms: i64) {
        let mut after = order.clone();
        after.status = if after.remaining() > Decimal::ZERO {
            OrderStatus::PartiallyFilled
        } else {
            OrderStatus::Filled
        };
        self.fills.push(fill.clone());
        self.event(OrderEventKind::for_status(after.status), &after, at_ms);
    }
}

impl PaperEngine {
    /// What changed since the last call, or `None` when nothing did. Store it (and
    /// publish its events and fills) in the order the change sets were taken.
    pub fn take_changes(&mut self) -> Option<ChangeSet> {
        let changes = std::mem::take(&mut self.changes);
        let balances = self.funds.take_changed();
        let mut seen = HashSet::new();
        let mut ids: Vec<String> = changes
            .orders
            .into_iter()
            .rev()
            .filter(|id| seen.insert(id.clone()))
            .collect();
        ids.reverse();
        let set = ChangeSet {
            next_id: self.next_id,
            orders: ids
                .iter()
                .filter_map(|id| self.orders.get(id))
                .map(stored)
                .collect(),
            forgotten: changes.forgotten,
            balances,
            events: changes.events,
            fills: changes.fills,
        };
        (!set.is_empty() || changes.counter_moved).then_some(set)
    }

    /// Everything [`PaperEngine::restore`] needs to rebuild this engine. What paper
    /// orders took from the venue's current book is left out: it is forgotten when the
    /// venue next changes those levels, and a restarted connector syncs anew.
    pub fn snapshot(&self) -> PaperState {
        let mut open: Vec<StoredOrder> = self
            .orders
            .values()
            .filter(|record| record.order.status.is_open())
            .map(stored)
            .collect();
        open.sort_by_key(|stored| stored.number);
        let closed = self
            .closed
            .iter()
            .filter_map(|id| self.orders.get(id))
            .map(stored)
            .collect();
        PaperState {
            next_id: self.next_id,
            balances: self.funds.snapshot(),
            open,
            closed,
        }
    }

    /// Replaces every account and order with `state`, as a start-up does; nothing is
    /// recorded as changed.
    pub fn restore(&mut self, state: PaperState) {
        self.next_id = state.next_id;
        self.funds.restore(state.balances);
        self.orders.clear();
        self.by_client.clear();
        self.resting.clear();
        self.depletion.clear();
        self.closed.clear();
        self.changes = Changes::default();
        let mut open = state.open;
        open.sort_by_key(|stored| stored.number);
        for stored in open {
            let id = stored.order.order_id.clone();
            self.resting
                .entry(stored.order.symbol.clone())
                .or_default()
                .push(id.clone());
            self.keep(id, stored);
        }
        for stored in state.closed {
            let id = stored.order.order_id.clone();
            self.closed.push_back(id.clone());
            self.keep(id, stored);
        }
    }

    fn keep(&mut self, id: String, stored: StoredOrder) {
        self.index(&stored.order);
        let record = PaperOrder {
            order: stored.order,
            number: stored.number,
            locked_asset: stored.locked_asset,
            locked: stored.locked,
        };
        self.orders.insert(id, record);
    }
}

fn stored(record: &PaperOrder) -> StoredOrder {
    StoredOrder {
        order: record.order.clone(),
        number: record.number,
        locked_asset: record.locked_asset.clone(),
        locked: record.locked,
    }
}
