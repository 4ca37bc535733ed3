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
