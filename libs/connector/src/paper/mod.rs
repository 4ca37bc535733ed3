//! Paper execution, pure and deterministic: orders fill against the venue's synced book
//! (walking its levels, so slippage is real) with the venue's fees, funds are locked for
//! resting orders, and resting orders fill as makers when the book or a trade crosses
//! them. Fees are charged in the quote asset: a buyer pays notional + fee, a seller
//! receives notional - fee.
mod changes;
mod funds;
mod matching;
mod records;
mod validate;

use std::collections::{HashMap, VecDeque};

use quorum_domain::convert::FieldProblem;
use quorum_domain::{
    BookUpdate, Decimal, Fill, Instrument, Liquidity, Order, OrderEventKind, OrderStatus,
    OrderType, Symbol, TimeInForce, Trade, Venue,
};
use quorum_quant::OrderBook;

pub use changes::{ChangeSet, PaperState, StoredOrder, order_event};
pub use funds::{AccountBalance, Balance, Insufficient};
pub use validate::{MAX_ID_LENGTH, NewOrder, account_name, check as check_order, check_id};

use changes::Changes;
use funds::Funds;
use matching::{Depletion, acceptable, plan, takeable, total};
use records::{crosses, execute, opposite_name};

/// Closed orders kept for GetOrder; older ones are forgotten first.
pub const MAX_CLOSED_ORDERS: usize = 100_000;
/// Paper accounts one connector keeps.
pub const MAX_ACCOUNTS: usize = 10_000;

/// The venue's fee rates, as fractions of the notional.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeeRates {
    pub taker: Decimal,
    pub maker: Decimal,
}

/// What placing an order did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    pub order: Order,
    /// New fills, to publish; empty for a repeated client order id.
    pub fills: Vec<Fill>,
    /// The client order id was seen before: this is the order it made then.
    pub existing: bool,
}

/// Why an order was not placed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlaceError {
    /// A request field breaks the instrument's rules.
    Invalid(FieldProblem),
    /// The order was recorded as REJECTED (its `reason` says why).
    Rejected(Box<Order>),
}

/// An order named by the venue's id or the caller's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderRef<'a> {
    Id(&'a str),
    Client(&'a str),
}

/// Why an order could not be cancelled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CancelError {
    NotFound,
    /// Already filled, cancelled, rejected or expired.
    NotOpen(Box<Order>),
}

/// Every paper account, order and resting order of one venue.
#[derive(Debug)]
pub struct PaperEngine {
    venue: Venue,
    fees: FeeRates,
    id_prefix: String,
    next_id: u64,
    funds: Funds,
    orders: HashMap<String, PaperOrder>,
    by_client: HashMap<(String, String), String>,
    resting: HashMap<Symbol, Vec<String>>,
    depletion: HashMap<Symbol, Depletion>,
    closed: VecDeque<String>,
    /// What changed since the last [`PaperEngine::take_changes`].
    changes: Changes,
}

/// An order, its place in the id sequence, and the funds it holds locked.
#[derive(Debug, Clone)]
struct PaperOrder {
    order: Order,
    number: u64,
    locked_asset: String,
    locked: Decimal,
}

impl PaperEngine {
    /// `id_prefix` makes order ids unique across restarts (e.g. a random word).
    pub fn new(
        venue: Venue,
        fees: FeeRates,
        initial_balances: Vec<(String, Decimal)>,
        id_prefix: impl Into<String>,
    ) -> Self {
        Self {
            venue,
            fees,
            id_prefix: id_prefix.into(),
            next_id: 0,
            funds: Funds::new(initial_balances),
            orders: HashMap::new(),
            by_client: HashMap::new(),
            resting: HashMap::new(),
            depletion: HashMap::new(),
            closed: VecDeque::new(),
            changes: Changes::default(),
        }
    }

    pub fn fees(&self) -> FeeRates {
        self.fees
    }

    /// Places `request` against `book`, the synced book of `instrument`.
    pub fn place(
        &mut self,
        request: NewOrder,
        instrument: &Instrument,
        book: &OrderBook,
        now_ms: i64,
    ) -> Result<Placement, PlaceError> {
        let account = account_name(&request.account).map_err(PlaceError::Invalid)?;
        if !request.client_order_id.is_empty()
            && let Some(order) = self.get(&account, OrderRef::Client(&request.client_order_id))
        {
            if order.status == OrderStatus::Rejected {
                return Err(PlaceError::Rejected(Box::new(order)));
            }
            let existing = true;
            return Ok(Placement {
                order,
                fills: Vec::new(),
                existing,
            });
        }
        let time_in_force = validate::check(&request, instrument).map_err(PlaceError::Invalid)?;
        if !self.funds.knows(&account) && self.funds.account_count() >= MAX_ACCOUNTS {
            let problem = format!("this connector keeps at most {MAX_ACCOUNTS} paper accounts");
            return Err(PlaceError::Invalid(FieldProblem::new("account", problem)));
        }
        let order = self.new_order(&request, account, time_in_force, now_ms);
        let number = self.next_id;
        let limit = request.price;
        let depletion = self.depletion.entry(request.symbol.clone()).or_default();
        let levels = takeable(book, depletion, request.side, limit);

        if request.post_only && crosses(book, request.side, limit) {
            let reason = "post-only order would take liquidity: its price crosses the book";
            return Err(self.reject(order, number, reason));
        }
        if request.order_type == OrderType::Market {
            let Some(best) = levels.first() else {
                let reason = format!(
                    "no liquidity: the book has no {}",
                    opposite_name(order.side)
                );
                return Ok(self.expire(order, number, reason, now_ms));
            };
            validate::check_notional(best.price * request.quantity, instrument)
                .map_err(PlaceError::Invalid)?;
        }
        let executions = plan(&levels, request.quantity);
        if time_in_force == TimeInForce::Fok && total(&executions) < request.quantity {
            let reason = format!(
                "fill or kill: only {} of {} is available at or better than the limit",
                total(&executions).normalize(),
                request.quantity.normalize()
            );
            return Ok(self.expire(order, number, reason, now_ms));
        }
        let (asset, amount) = self.funds_needed(&order, &executions);
        if let Err(missing) = self.funds.lock(&order.account, &asset, amount) {
            return Err(self.reject(order, number, &missing.to_string()));
        }
        self.changes.event(OrderEventKind::Placed, &order, now_ms);
        let mut record = PaperOrder {
            order,
            number,
            locked_asset: asset,
            locked: amount,
        };
        let mut fills = Vec::new();
        let depletion = self.depletion.entry(request.symbol.clone()).or_default();
        for execution in executions {
            depletion.take(request.side.opposite(), execution.price, execution.quantity);
            let fill = execute(
                &mut self.funds,
                &mut record,
                &self.fees,
                execution.price,
                execution.quantity,
                Liquidity::Taker,
                now_ms,
            );
            self.changes.fill(&record.order, &fill, now_ms);
            fills.push(fill);
        }
        let order = self.settle_new(record, time_in_force, now_ms);
        Ok(Placement {
            order,
            fills,
            existing: false,
        })
    }

    /// Cancels an open order and releases its funds.
    pub fn cancel(
        &mut self,
        account: &str,
        reference: OrderRef<'_>,
        now_ms: i64,
    ) -> Result<Order, CancelError> {
        let order_id = self
            .order_id(account, reference)
            .ok_or(CancelError::NotFound)?;
        let mut record = self.orders.remove(&order_id).ok_or(CancelError::NotFound)?;
        if !record.order.status.is_open() {
            let order = record.order.clone();
            self.orders.insert(order_id, record);
            return Err(CancelError::NotOpen(Box::new(order)));
        }
        record.order.status = OrderStatus::Canceled;
        record.order.reason = "cancelled by the caller".into();
        record.order.updated_at_ms = now_ms;
        if let Some(resting) = self.resting.get_mut(&record.order.symbol) {
            resting.retain(|id| *id != order_id);
        }
        self.changes
            .event(OrderEventKind::Cancelled, &record.order, now_ms);
        Ok(self.close_record(record))
    }

    /// An order of `account`, by either id.
    pub fn get(&self, account: &str, reference: OrderRef<'_>) -> Option<Order> {
        let order_id = self.order_id(account, reference)?;
        self.orders
            .get(&order_id)
            .map(|record| record.order.clone())
    }

    /// Open orders of `account`, oldest first, optionally of one symbol.
    pub fn open_orders(&self, account: &str, symbol: Option<&Symbol>) -> Vec<Order> {
        let mut orders: Vec<Order> = self
            .orders
            .values()
            .map(|record| &record.order)
            .filter(|order| order.account == account && order.status.is_open())
            .filter(|order| symbol.is_none_or(|symbol| order.symbol == *symbol))
            .cloned()
            .collect();
        orders.sort_by(|a, b| (a.created_at_ms, &a.order_id).cmp(&(b.created_at_ms, &b.order_id)));
        orders
    }

    pub fn balances(&self, account: &str) -> Vec<Balance> {
        self.funds.balances(account)
    }

    /// Whether any order rests on `symbol` (the runtime skips the matching otherwise).
    pub fn has_resting(&self, symbol: &Symbol) -> bool {
        self.resting.get(symbol).is_some_and(|ids| !ids.is_empty())
    }

    /// The venue changed the book of `symbol` by `updates` (already applied to `book`):
    /// resting orders the new book crosses fill as makers at their own price.
    pub fn on_book(
        &mut self,
        symbol: &Symbol,
        updates: &[BookUpdate],
        book: &OrderBook,
        now_ms: i64,
    ) -> Vec<Fill> {
        let depletion = self.depletion.entry(symbol.clone()).or_default();
        for update in updates {
            depletion.forget(update);
        }
        let ids = self.resting.get(symbol).cloned().unwrap_or_default();
        let mut fills = Vec::new();
        for order_id in ids {
            let Some(record) = self.orders.get_mut(&order_id) else {
                continue;
            };
            let Some(limit) = record.order.price else {
                continue;
            };
            let depletion = self.depletion.entry(symbol.clone()).or_default();
            let side = record.order.side;
            let levels = takeable(book, depletion, side, Some(limit));
            let executions = plan(&levels, record.order.remaining());
            if executions.is_empty() {
                // Untouched: the order did not change, not even its update time.
                continue;
            }
            for execution in executions {
                depletion.take(side.opposite(), execution.price, execution.quantity);
                let fill = execute(
                    &mut self.funds,
                    record,
                    &self.fees,
                    limit,
                    execution.quantity,
                    Liquidity::Maker,
                    now_ms,
                );
                self.changes.fill(&record.order, &fill, now_ms);
                fills.push(fill);
            }
            self.after_maker_fill(&order_id, now_ms);
        }
        fills
    }

    /// A market trade printed: resting orders it traded through fill as makers. A
    /// trade exactly at an order's price does not fill it (the queue ahead is unknown).
    pub fn on_trade(&mut self, trade: &Trade, now_ms: i64) -> Vec<Fill> {
        let ids = self.resting.get(&trade.symbol).cloned().unwrap_or_default();
        let mut left = trade.quantity;
        let mut fills = Vec::new();
        for order_id in ids {
            if left <= Decimal::ZERO {
                break;
            }
            let Some(record) = self.orders.get_mut(&order_id) else {
                continue;
            };
            let Some(limit) = record.order.price else {
                continue;
            };
            let side = record.order.side;
            let through = trade.taker_side == side.opposite()
                && acceptable(side, trade.price, limit)
                && trade.price != limit;
            if !through {
                continue;
            }
            let quantity = left.min(record.order.remaining());
            left -= quantity;
            let fill = execute(
                &mut self.funds,
                record,
                &self.fees,
                limit,
                quantity,
                Liquidity::Maker,
                now_ms,
            );
            self.changes.fill(&record.order, &fill, now_ms);
            fills.push(fill);
            self.after_maker_fill(&order_id, now_ms);
        }
        fills
    }
}

#[cfg(test)]
mod tests;
