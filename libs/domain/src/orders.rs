//! Orders and fills, paper or live.
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::{Side, Symbol, Venue};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OrderType {
    Limit,
    Market,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TimeInForce {
    /// Good till cancelled.
    Gtc,
    /// Immediate or cancel.
    Ioc,
    /// Fill or kill.
    Fok,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    New,
    PartiallyFilled,
    Filled,
    Canceled,
    Rejected,
    Expired,
}

impl OrderStatus {
    /// Whether the order can still fill.
    pub fn is_open(self) -> bool {
        matches!(self, OrderStatus::New | OrderStatus::PartiallyFilled)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Liquidity {
    Maker,
    Taker,
}

/// One execution of an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fill {
    /// Unique per venue; consumers apply each fill id once.
    pub fill_id: String,
    pub order_id: String,
    pub account: String,
    pub venue: Venue,
    pub symbol: Symbol,
    pub side: Side,
    pub price: Decimal,
    pub quantity: Decimal,
    pub fee: Decimal,
    pub fee_asset: String,
    pub liquidity: Liquidity,
    pub filled_at_ms: i64,
}

/// An order and what has happened to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    pub order_id: String,
    pub client_order_id: String,
    pub account: String,
    pub venue: Venue,
    pub symbol: Symbol,
    pub side: Side,
    pub order_type: OrderType,
    pub time_in_force: TimeInForce,
    pub post_only: bool,
    /// Limit price; `None` for market orders.
    pub price: Option<Decimal>,
    pub quantity: Decimal,
    pub filled_quantity: Decimal,
    pub fee: Decimal,
    pub fee_asset: String,
    pub status: OrderStatus,
    /// Why it was rejected or expired.
    pub reason: String,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
    pub fills: Vec<Fill>,
}

impl Order {
    /// Quantity still to fill.
    pub fn remaining(&self) -> Decimal {
        self.quantity - self.filled_quantity
    }

    /// Volume-weighted price of the fills, `None` before the first fill.
    pub fn average_price(&self) -> Option<Decimal> {
        if self.filled_quantity.is_zero() {
            return None;
        }
        let notional: Decimal = self
            .fills
            .iter()
            .map(|fill| fill.price * fill.quantity)
            .sum();
        Some(notional / self.filled_quantity)
    }
}

/// What changed an order, as told on `exec.orders`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderEventKind {
    /// Accepted: it may fill now or rest.
    Placed,
    /// A fill left part of it to fill.
    PartiallyFilled,
    /// A fill completed it.
    Filled,
    Cancelled,
    /// Refused before it could fill (its `reason` says why).
    Rejected,
    /// Ended unfilled or partly filled by its time in force, or for lack of liquidity.
    Expired,
}

impl OrderEventKind {
    /// The kind of change that leaves an order in `status`.
    pub fn for_status(status: OrderStatus) -> Self {
        match status {
            OrderStatus::New => OrderEventKind::Placed,
            OrderStatus::PartiallyFilled => OrderEventKind::PartiallyFilled,
            OrderStatus::Filled => OrderEventKind::Filled,
            OrderStatus::Canceled => OrderEventKind::Cancelled,
            OrderStatus::Rejected => OrderEventKind::Rejected,
            OrderStatus::Expired => OrderEventKind::Expired,
        }
    }
}

/// One change of one order: the whole order as it is after the change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderEvent {
    /// Unique per venue; consumers apply each event id once.
    pub event_id: String,
    pub kind: OrderEventKind,
    pub order: Order,
    pub at_ms: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_event_kinds_are_snake_case_and_follow_the_status() {
        let json = serde_json::to_string(&OrderEventKind::PartiallyFilled).unwrap();
        assert_eq!(json, "\"partially_filled\"");
        assert_eq!(
            OrderEventKind::for_status(OrderStatus::Canceled),
            OrderEventKind::Cancelled
        );
        assert_eq!(
            OrderEventKind::for_status(OrderStatus::New),
            OrderEventKind::Placed
        );
    }
}
