//! The paper engine's bookkeeping: making orders, locking and settling funds per
//! execution, resting, closing and forgetting orders.
use quorum_domain::{
    Decimal, Fill, Level, Liquidity, Order, OrderEventKind, OrderStatus, Side, TimeInForce,
};
use quorum_quant::OrderBook;

use super::funds::Funds;
use super::matching::{acceptable, notional};
use super::{
    FeeRates, MAX_CLOSED_ORDERS, NewOrder, OrderRef, PaperEngine, PaperOrder, PlaceError, Placement,
};

impl PaperEngine {
    pub(super) fn new_order(
        &mut self,
        request: &NewOrder,
        account: String,
        time_in_force: TimeInForce,
        now_ms: i64,
    ) -> Order {
        self.next_id += 1;
        self.changes.counter_moved = true;
        let order_id = format!("{}-{}", self.id_prefix, self.next_id);
        let client_order_id = if request.client_order_id.is_empty() {
            order_id.clone()
        } else {
            request.client_order_id.clone()
        };
        Order {
            order_id,
            client_order_id,
            account,
            venue: self.venue,
            symbol: request.symbol.clone(),
            side: request.side,
            order_type: request.order_type,
            time_in_force,
            post_only: request.post_only,
            price: request.price,
            quantity: request.quantity,
            filled_quantity: Decimal::ZERO,
            fee: Decimal::ZERO,
            fee_asset: request.symbol.quote().to_string(),
            status: OrderStatus::New,
            reason: String::new(),
            created_at_ms: now_ms,
            updated_at_ms: now_ms,
            fills: Vec::new(),
        }
    }

    /// The asset and amount an order must lock before it trades: a buyer the quote it
    /// may spend with the fee, a seller the base it sells.
    pub(super) fn funds_needed(&self, order: &Order, executions: &[Level]) -> (String, Decimal) {
        match order.side {
            Side::Sell => (order.symbol.base().to_string(), order.quantity),
            Side::Buy => {
                let quote = order.symbol.quote().to_string();
                let spend = match order.price {
                    // Fills happen at the limit or better, as taker now or maker later.
                    Some(limit) => {
                        limit
                            * order.quantity
                            * (Decimal::ONE + self.fees.taker.max(self.fees.maker))
                    }
                    None => notional(executions) * (Decimal::ONE + self.fees.taker),
                };
                (quote, spend)
            }
        }
    }

    /// Rests what a GTC order did not fill; ends any other order.
    pub(super) fn settle_new(
        &mut self,
        mut record: PaperOrder,
        time_in_force: TimeInForce,
        now_ms: i64,
    ) -> Order {
        let order_id = record.order.order_id.clone();
        let remaining = record.order.remaining();
        let filled = record.order.filled_quantity;
        record.order.updated_at_ms = now_ms;
        let rests = time_in_force == TimeInForce::Gtc && remaining > Decimal::ZERO;
        record.order.status = if remaining.is_zero() {
            OrderStatus::Filled
        } else if rests {
            if filled.is_zero() {
                OrderStatus::New
            } else {
                OrderStatus::PartiallyFilled
            }
        } else {
            record.order.reason = format!(
                "immediate or cancel: {} of {} was available, the rest is cancelled",
                filled.normalize(),
                record.order.quantity.normalize()
            );
            OrderStatus::Expired
        };
        if record.order.status == OrderStatus::Expired {
            self.changes
                .event(OrderEventKind::Expired, &record.order, now_ms);
        }
        self.index(&record.order);
        if rests {
            let order = record.order.clone();
            let symbol = order.symbol.clone();
            self.resting
                .entry(symbol)
                .or_default()
                .push(order_id.clone());
            self.orders.insert(order_id, record);
            order
        } else {
            self.close_record(record)
        }
    }

    pub(super) fn after_maker_fill(&mut self, order_id: &str, now_ms: i64) {
        let Some(record) = self.orders.get_mut(order_id) else {
            return;
        };
        record.order.updated_at_ms = now_ms;
        if record.order.remaining() > Decimal::ZERO {
            if !record.order.filled_quantity.is_zero() {
                record.order.status = OrderStatus::PartiallyFilled;
            }
            return;
        }
        let Some(mut record) = self.orders.remove(order_id) else {
            return;
        };
        record.order.status = OrderStatus::Filled;
        if let Some(resting) = self.resting.get_mut(&record.order.symbol) {
            resting.retain(|id| id != order_id);
        }
        self.close_record(record);
    }

    pub(super) fn reject(&mut self, mut order: Order, number: u64, reason: &str) -> PlaceError {
        order.status = OrderStatus::Rejected;
        order.reason = reason.to_string();
        self.changes
            .event(OrderEventKind::Rejected, &order, order.updated_at_ms);
        self.store_closed(order.clone(), number);
        PlaceError::Rejected(Box::new(order))
    }

    /// Ends an order that was accepted but could not fill at all.
    pub(super) fn expire(
        &mut self,
        mut order: Order,
        number: u64,
        reason: String,
        now_ms: i64,
    ) -> Placement {
        self.changes.event(OrderEventKind::Placed, &order, now_ms);
        order.status = OrderStatus::Expired;
        order.reason = reason;
        order.updated_at_ms = now_ms;
        self.changes.event(OrderEventKind::Expired, &order, now_ms);
        self.store_closed(order.clone(), number);
        Placement {
            order,
            fills: Vec::new(),
            existing: false,
        }
    }

    pub(super) fn store_closed(&mut self, order: Order, number: u64) {
        self.index(&order);
        let record = PaperOrder {
            locked_asset: order.symbol.quote().to_string(),
            locked: Decimal::ZERO,
            number,
            order,
        };
        self.close_record(record);
    }

    pub(super) fn index(&mut self, order: &Order) {
        let key = (order.account.clone(), order.client_order_id.clone());
        self.by_client.insert(key, order.order_id.clone());
    }

    /// Releases what the order still holds and keeps it as closed (the oldest closed
    /// orders are forgotten beyond [`MAX_CLOSED_ORDERS`]).
    pub(super) fn close_record(&mut self, mut record: PaperOrder) -> Order {
        if record.locked > Decimal::ZERO {
            self.funds
                .release(&record.order.account, &record.locked_asset, record.locked);
            record.locked = Decimal::ZERO;
        }
        let order = record.order.clone();
        self.orders.insert(order.order_id.clone(), record);
        self.closed.push_back(order.order_id.clone());
        while self.closed.len() > MAX_CLOSED_ORDERS {
            if let Some(old) = self.closed.pop_front()
                && let Some(record) = self.orders.remove(&old)
            {
                let key = (record.order.account, record.order.client_order_id);
                self.by_client.remove(&key);
                self.changes.forgotten.push(old);
            }
        }
        order
    }

    pub(super) fn order_id(&self, account: &str, reference: OrderRef<'_>) -> Option<String> {
        match reference {
            OrderRef::Id(id) => self
                .orders
                .get(id)
                .filter(|record| record.order.account == account)
                .map(|record| record.order.order_id.clone()),
            OrderRef::Client(id) => self
                .by_client
                .get(&(account.to_string(), id.to_string()))
                .cloned(),
        }
    }
}

/// Applies one execution to an order and its account; returns the fill.
pub(super) fn execute(
    funds: &mut Funds,
    record: &mut PaperOrder,
    fees: &FeeRates,
    price: Decimal,
    quantity: Decimal,
    liquidity: Liquidity,
    now_ms: i64,
) -> Fill {
    let rate = match liquidity {
        Liquidity::Taker => fees.taker,
        Liquidity::Maker => fees.maker,
    };
    let order = &mut record.order;
    let notional = price * quantity;
    let fee = notional * rate;
    let (base, quote) = (
        order.symbol.base().to_string(),
        order.symbol.quote().to_string(),
    );
    match order.side {
        Side::Buy => {
            let spent = notional + fee;
            funds.spend_locked(&order.account, &quote, spent);
            record.locked -= spent.min(record.locked);
            funds.credit(&order.account, &base, quantity);
        }
        Side::Sell => {
            funds.spend_locked(&order.account, &base, quantity);
            record.locked -= quantity.min(record.locked);
            funds.credit(&order.account, &quote, notional - fee);
        }
    }
    let fill = Fill {
        fill_id: format!("{}-{}", order.order_id, order.fills.len() + 1),
        order_id: order.order_id.clone(),
        account: order.account.clone(),
        venue: order.venue,
        symbol: order.symbol.clone(),
        side: order.side,
        price,
        quantity,
        fee,
        fee_asset: quote,
        liquidity,
        filled_at_ms: now_ms,
    };
    order.filled_quantity += quantity;
    order.fee += fee;
    order.updated_at_ms = now_ms;
    order.fills.push(fill.clone());
    fill
}

/// Whether a limit order on `side` at `limit` would trade with the book as shown.
pub(super) fn crosses(book: &OrderBook, side: Side, limit: Option<Decimal>) -> bool {
    let Some(limit) = limit else {
        return true;
    };
    let best = match side {
        Side::Buy => book.best_ask(),
        Side::Sell => book.best_bid(),
    };
    best.is_some_and(|level| acceptable(side, level.price, limit))
}

pub(super) fn opposite_name(side: Side) -> &'static str {
    match side {
        Side::Buy => "asks",
        Side::Sell => "bids",
    }
}
