//! What the pre-trade rules need from the order and fill history, kept in memory: each
//! account's resting orders, recent fills, recent cancels and placements per UTC day.
//! Every update is idempotent (keyed by venue and id), so a redelivered event, or the
//! same event seen by the rebuild and by the consumer, changes nothing.
use std::collections::{BTreeMap, HashMap, HashSet};

use quorum_domain::{Decimal, Side, Symbol, Venue};

use crate::rules::MAX_WINDOW_MS;

/// How far back fills and cancels are kept: the longest window a rule may name.
pub const HORIZON_MS: i64 = MAX_WINDOW_MS;
/// Milliseconds in a UTC day.
pub const DAY_MS: i64 = 86_400_000;

/// An order as its most advanced event left it (one row of the `orders` table).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderState {
    pub venue: Venue,
    pub order_id: String,
    pub account: String,
    pub symbol: Symbol,
    pub side: Side,
    /// `None` for market orders.
    pub price: Option<Decimal>,
    pub quantity: Decimal,
    pub filled_quantity: Decimal,
    /// The kind of the event that left it so: placed, partially_filled, filled, ...
    pub status: String,
    pub placed_at_ms: i64,
    /// When it ended; `None` while open.
    pub closed_at_ms: Option<i64>,
}

impl OrderState {
    pub fn is_open(&self) -> bool {
        self.closed_at_ms.is_none()
    }

    /// Price x quantity of a limit order; `None` for market orders (or on overflow).
    pub fn notional(&self) -> Option<Decimal> {
        self.price?.checked_mul(self.quantity)
    }
}

/// An open limit order of an account, which a new order could trade against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestingOrder {
    pub venue: Venue,
    pub order_id: String,
    pub symbol: Symbol,
    pub side: Side,
    pub price: Decimal,
    pub remaining: Decimal,
}

/// A fill of an account, as the wash-trade rule reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecentFill {
    pub venue: Venue,
    pub fill_id: String,
    pub order_id: String,
    pub account: String,
    pub symbol: Symbol,
    pub side: Side,
    pub price: Decimal,
    pub quantity: Decimal,
    pub filled_at_ms: i64,
}

/// A cancelled order of an account, as the spoofing rule reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cancel {
    pub venue: Venue,
    pub order_id: String,
    pub account: String,
    pub symbol: Symbol,
    /// `None` for a market order (never counted as large).
    pub notional: Option<Decimal>,
    pub placed_at_ms: i64,
    pub cancelled_at_ms: i64,
}

impl Cancel {
    /// Large (notional at least `min_notional`) and cancelled at most `within_ms` after
    /// it was placed.
    pub fn is_fast_and_large(&self, min_notional: Decimal, within_ms: i64) -> bool {
        self.notional
            .is_some_and(|notional| notional >= min_notional)
            && self.cancelled_at_ms.saturating_sub(self.placed_at_ms) <= within_ms
    }
}

type OrderKey = (Venue, String);

/// The in-memory views of every account.
#[derive(Debug, Default)]
pub struct Views {
    resting: HashMap<String, HashMap<OrderKey, RestingOrder>>,
    fills: HashMap<String, HashMap<OrderKey, RecentFill>>,
    cancels: HashMap<String, HashMap<OrderKey, Cancel>>,
    /// Account -> UTC day number -> orders placed that day.
    placements: HashMap<String, BTreeMap<i64, HashSet<OrderKey>>>,
}

impl Views {
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the account's view of one order to `order` as stored now.
    pub fn apply_order(&mut self, order: &OrderState) {
        let key = (order.venue, order.order_id.clone());
        let remaining = order.quantity - order.filled_quantity;
        match order.price {
            Some(price) if order.is_open() && remaining > Decimal::ZERO => {
                self.resting
                    .entry(order.account.clone())
                    .or_default()
                    .insert(
                        key.clone(),
                        RestingOrder {
                            venue: order.venue,
                            order_id: order.order_id.clone(),
                            symbol: order.symbol.clone(),
                            side: order.side,
                            price,
                            remaining,
                        },
                    );
            }
            _ => {
                if let Some(orders) = self.resting.get_mut(&order.account) {
                    orders.remove(&key);
                    if orders.is_empty() {
                        self.resting.remove(&order.account);
                    }
                }
            }
        }
        if let (Some(closed_at_ms), "cancelled") = (order.closed_at_ms, order.status.as_str()) {
            self.cancels
                .entry(order.account.clone())
                .or_default()
                .insert(
                    key,
                    Cancel {
                        venue: order.venue,
                        order_id: order.order_id.clone(),
                        account: order.account.clone(),
                        symbol: order.symbol.clone(),
                        notional: order.notional(),
                        placed_at_ms: order.placed_at_ms,
                        cancelled_at_ms: closed_at_ms,
                    },
                );
        }
    }

    /// Counts a `placed` event of `order_id` at `at_ms` in its UTC day.
    pub fn apply_placement(&mut self, account: &str, venue: Venue, order_id: &str, at_ms: i64) {
        self.placements
            .entry(account.to_string())
            .or_default()
            .entry(day(at_ms))
            .or_default()
            .insert((venue, order_id.to_string()));
    }

    pub fn apply_fill(&mut self, fill: RecentFill) {
        self.fills
            .entry(fill.account.clone())
            .or_default()
            .insert((fill.venue, fill.fill_id.clone()), fill);
    }

    /// Forgets fills and cancels older than the horizon and placements of days before
    /// yesterday: nothing a rule can still ask about.
    pub fn prune(&mut self, now_ms: i64) {
        let oldest = now_ms.saturating_sub(HORIZON_MS);
        for fills in self.fills.values_mut() {
            fills.retain(|_, fill| fill.filled_at_ms >= oldest);
        }
        self.fills.retain(|_, fills| !fills.is_empty());
        for cancels in self.cancels.values_mut() {
            cancels.retain(|_, cancel| cancel.cancelled_at_ms >= oldest);
        }
        self.cancels.retain(|_, cancels| !cancels.is_empty());
        let yesterday = day(now_ms) - 1;
        for days in self.placements.values_mut() {
            days.retain(|day, _| *day >= yesterday);
        }
        self.placements.retain(|_, days| !days.is_empty());
    }

    /// The account's resting orders on `venue` and `symbol` on `side`, by order id.
    pub fn resting(
        &self,
        account: &str,
        venue: Venue,
        symbol: &Symbol,
        side: Side,
    ) -> Vec<&RestingOrder> {
        let mut orders: Vec<&RestingOrder> = self
            .resting
            .get(account)
            .into_iter()
            .flat_map(|orders| orders.values())
            .filter(|order| order.venue == venue && &order.symbol == symbol && order.side == side)
            .collect();
        orders.sort_by(|a, b| a.order_id.cmp(&b.order_id));
        orders
    }

    /// The account's fills of `symbol` on `side` at or after `since_ms`, oldest first.
    pub fn fills_since(
        &self,
        account: &str,
        symbol: &Symbol,
        side: Side,
        since_ms: i64,
    ) -> Vec<&RecentFill> {
        let mut fills: Vec<&RecentFill> = self
            .fills
            .get(account)
            .into_iter()
            .flat_map(|fills| fills.values())
            .filter(|fill| {
                &fill.symbol == symbol && fill.side == side && fill.filled_at_ms >= since_ms
            })
            .collect();
        fills.sort_by(|a, b| (a.filled_at_ms, &a.fill_id).cmp(&(b.filled_at_ms, &b.fill_id)));
        fills
    }

    /// The account's cancels after `after_ms`, oldest first.
    pub fn cancels_after(&self, account: &str, after_ms: i64) -> Vec<&Cancel> {
        let mut cancels: Vec<&Cancel> = self
            .cancels
            .get(account)
            .into_iter()
            .flat_map(|cancels| cancels.values())
            .filter(|cancel| cancel.cancelled_at_ms > after_ms)
            .collect();
        cancels.sort_by(|a, b| {
            (a.cancelled_at_ms, &a.order_id).cmp(&(b.cancelled_at_ms, &b.order_id))
        });
        cancels
    }

    /// Orders the account placed in the UTC day holding `at_ms`.
    pub fn placed_on_day_of(&self, account: &str, at_ms: i64) -> u64 {
        self.placements
            .get(account)
            .and_then(|days| days.get(&day(at_ms)))
            .map_or(0, |orders| orders.len() as u64)
    }
}

/// The UTC day number of a Unix time in milliseconds.
pub fn day(at_ms: i64) -> i64 {
    at_ms.div_euclid(DAY_MS)
}

#[cfg(test)]
mod tests;
