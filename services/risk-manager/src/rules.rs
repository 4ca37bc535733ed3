//! The pre-trade rules as pure functions: an order, its account's limits and what is
//! known of the account give one verdict per rule, with the limit and the value the
//! order would reach. No I/O here; `check` gathers the inputs.
use quorum_bus::events::TradingState;
use quorum_domain::Side;
use rust_decimal::Decimal;

use crate::limits::Limits;

pub const TRADING_STATE: &str = "trading_state";

/// Why an equity rule cannot pass when portfolio-manager leaves the equity unset.
const EQUITY_UNKNOWN: &str = "equity is unknown (portfolio-manager cannot value every \
                              held asset: one has no mark)";
pub const MAX_ORDER_NOTIONAL: &str = "max_order_notional";
pub const MAX_POSITION_NOTIONAL: &str = "max_position_notional";
pub const MAX_GROSS_EXPOSURE: &str = "max_gross_exposure";
pub const MAX_NET_EXPOSURE: &str = "max_net_exposure";
pub const MAX_LEVERAGE: &str = "max_leverage";
pub const MAX_DAILY_LOSS: &str = "max_daily_loss";
pub const MAX_ORDERS_PER_MINUTE: &str = "max_orders_per_minute";
pub const PRICE_BAND: &str = "price_band";

/// Every rule id, in the order the rules are evaluated.
pub const RULES: [&str; 9] = [
    TRADING_STATE,
    MAX_ORDER_NOTIONAL,
    MAX_POSITION_NOTIONAL,
    MAX_GROSS_EXPOSURE,
    MAX_NET_EXPOSURE,
    MAX_LEVERAGE,
    MAX_DAILY_LOSS,
    MAX_ORDERS_PER_MINUTE,
    PRICE_BAND,
];

/// Decimal places of ratios shown in verdicts (comparisons use the exact values).
const SHOWN_PLACES: u32 = 8;

/// The order being checked.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Order {
    pub side: Side,
    /// Base quantity, above zero.
    pub quantity: Decimal,
    /// Limit price or expected price, above zero.
    pub price: Decimal,
}

impl Order {
    /// The quantity with the sign of its effect on the position: buys add, sells remove.
    pub fn signed_quantity(&self) -> Decimal {
        match self.side {
            Side::Buy => self.quantity,
            Side::Sell => -self.quantity,
        }
    }
}

/// The account as the order finds it (from portfolio-manager).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Account {
    /// Net position in the order's symbol across venues: positive long, negative short.
    pub position: Decimal,
    /// Signed value of that position now (at its marks).
    pub position_value: Decimal,
    /// Sum of |position values| now.
    pub gross_exposure: Decimal,
    /// Sum of signed position values now.
    pub net_exposure: Decimal,
    /// `None` when not every held asset can be valued.
    pub equity: Option<Decimal>,
    /// Equity at the start of the UTC day; `None` when it was not known.
    pub day_start_equity: Option<Decimal>,
}

/// The mark the price band is measured from.
#[derive(Debug, Clone, PartialEq)]
pub enum Mark {
    Fresh(Decimal),
    /// No usable mark, and why.
    Unknown(String),
}

/// Everything the rules look at.
#[derive(Debug, Clone)]
pub struct Inputs<'a> {
    pub order: Order,
    pub account: Account,
    pub limits: &'a Limits,
    pub state: TradingState,
    pub mark: &'a Mark,
    /// Orders checked for this account in the last 60 s, this one included.
    pub orders_last_minute: u64,
}

/// The outcome of one rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub rule: &'static str,
    pub passed: bool,
    pub limit: String,
    pub actual: String,
    pub message: String,
}

/// Every rule's verdict, failed ones first (otherwise in [`RULES`] order).
pub fn evaluate(inputs: &Inputs<'_>) -> Vec<Verdict> {
    let after = After::of(inputs);
    let mut verdicts = vec![
        trading_state(inputs, &after),
        order_notional(inputs),
        position_notional(inputs, &after),
        gross_exposure(inputs, &after),
        net_exposure(inputs, &after),
        leverage(inputs, &after),
        daily_loss(inputs),
        order_rate(inputs),
        price_band(inputs),
    ];
    verdicts.sort_by_key(|verdict| verdict.passed);
    verdicts
}

/// Whether the order only shrinks an existing position: the opposite side, and no more
/// than the position (so it never flips it).
pub fn reduces_position(order: &Order, position: Decimal) -> bool {
    let opposite = match order.side {
        Side::Buy => position < Decimal::ZERO,
        Side::Sell => position > Decimal::ZERO,
    };
    opposite && order.quantity <= position.abs()
}

/// The account as it would be once the order filled at its price; the symbol's position
/// is revalued at the order price.
struct After {
    position: Decimal,
    position_value: Decimal,
    gross_exposure: Decimal,
    net_exposure: Decimal,
}

impl After {
    fn of(inputs: &Inputs<'_>) -> Self {
        let account = &inputs.account;
        let position = account.position + inputs.order.signed_quantity();
        let position_value = position * inputs.order.price;
        Self {
            position,
            position_value,
            gross_exposure: account.gross_exposure - account.position_value.abs()
                + position_value.abs(),
            net_exposure: account.net_exposure - account.position_value + position_value,
        }
    }
}

fn trading_state(inputs: &Inputs<'_>, after: &After) -> Verdict {
    let position = inputs.account.position;
    let (passed, message) = match inputs.state {
        TradingState::Active => (true, "trading is active".to_string()),
        TradingState::Halted => (
            false,
            "trading is halted: every order is denied".to_string(),
        ),
        TradingState::Reducing if reduces_position(&inputs.order, position) => (
            true,
            format!(
                "trading is reducing: the order shrinks the position from {} to {}",
                shown(position),
                shown(after.position)
            ),
        ),
        TradingState::Reducing => (
            false,
            format!(
                "trading is reducing: only orders that shrink a position pass, and this one \
                 takes the position from {} to {}",
                shown(position),
                shown(after.position)
            ),
        ),
    };
    Verdict {
        rule: TRADING_STATE,
        passed,
        limit: state_name(inputs.state).to_string(),
        actual: shown(after.position),
        message,
    }
}

fn order_notional(inputs: &Inputs<'_>) -> Verdict {
    let notional = inputs.order.quantity * inputs.order.price;
    at_most(
        MAX_ORDER_NOTIONAL,
        notional,
        inputs.limits.max_order_notional,
        "order notional (quantity x price)",
    )
}

fn position_notional(inputs: &Inputs<'_>, after: &After) -> Verdict {
    at_most(
        MAX_POSITION_NOTIONAL,
        after.position_value.abs(),
        inputs.limits.max_position_notional,
        "position value after the order (|position| x price)",
    )
}

fn gross_exposure(inputs: &Inputs<'_>, after: &After) -> Verdict {
    at_most(
        MAX_GROSS_EXPOSURE,
        after.gross_exposure,
        inputs.limits.max_gross_exposure,
        "gross exposure after the order",
    )
}

fn net_exposure(inputs: &Inputs<'_>, after: &After) -> Verdict {
    at_most(
        MAX_NET_EXPOSURE,
        after.net_exposure.abs(),
        inputs.limits.max_net_exposure,
        "|net exposure| after the order",
    )
}

fn leverage(inputs: &Inputs<'_>, after: &After) -> Verdict {
    let limit = inputs.limits.max_leverage;
    let Some(equity) = inputs.account.equity else {
        return Verdict {
            rule: MAX_LEVERAGE,
            passed: false,
            limit: shown(limit),
            actual: "unknown".to_string(),
            message: format!("{EQUITY_UNKNOWN}: leverage cannot be measured"),
        };
    };
    if equity <= Decimal::ZERO {
        return Verdict {
            rule: MAX_LEVERAGE,
            passed: false,
            limit: shown(limit),
            actual: "undefined".to_string(),
            message: format!(
                "equity is {}: leverage (gross exposure {} / equity) is undefined",
                shown(equity),
                shown(after.gross_exposure)
            ),
        };
    }
    let ratio = after.gross_exposure / equity;
    at_most(
        MAX_LEVERAGE,
        ratio,
        limit,
        "leverage after the order (gross exposure / equity)",
    )
}

fn daily_loss(inputs: &Inputs<'_>) -> Verdict {
    let account = &inputs.account;
    let limit = inputs.limits.max_daily_loss;
    let reduces = reduces_position(&inputs.order, account.position);
    let (Some(equity), Some(day_start_equity)) = (account.equity, account.day_start_equity) else {
        return Verdict {
            rule: MAX_DAILY_LOSS,
            passed: reduces,
            limit: shown(limit),
            actual: "unknown".to_string(),
            message: if reduces {
                format!("{EQUITY_UNKNOWN}, but the order only reduces a position")
            } else {
                format!("{EQUITY_UNKNOWN}: the day's loss cannot be measured, no new risk")
            },
        };
    };
    let loss = day_start_equity - equity;
    let (passed, message) = if loss <= limit {
        (
            true,
            format!(
                "loss since the start of the UTC day {} is within {}",
                shown(loss),
                shown(limit)
            ),
        )
    } else if reduces {
        (
            true,
            format!(
                "loss since the start of the UTC day {} is over {}, but the order only \
                 reduces a position",
                shown(loss),
                shown(limit)
            ),
        )
    } else {
        (
            false,
            format!(
                "loss since the start of the UTC day {} (equity {} -> {}) is over {}: no new risk",
                shown(loss),
                shown(day_start_equity),
                shown(equity),
                shown(limit)
            ),
        )
    };
    Verdict {
        rule: MAX_DAILY_LOSS,
        passed,
        limit: shown(limit),
        actual: shown(loss),
        message,
    }
}

fn order_rate(inputs: &Inputs<'_>) -> Verdict {
    let limit = inputs.limits.max_orders_per_minute;
    let count = inputs.orders_last_minute;
    let passed = count <= u64::from(limit);
    Verdict {
        rule: MAX_ORDERS_PER_MINUTE,
        passed,
        limit: limit.to_string(),
        actual: count.to_string(),
        message: format!(
            "{count} orders checked for this account in the last 60 s, this one included; \
             {} {limit}",
            if passed { "at most" } else { "over" }
        ),
    }
}

fn price_band(inputs: &Inputs<'_>) -> Verdict {
    let limit = Decimal::from(inputs.limits.price_band_bps);
    let mark = match inputs.mark {
        Mark::Fresh(mark) if *mark > Decimal::ZERO => *mark,
        Mark::Fresh(mark) => {
            return unknown_mark(limit, format!("the mark {} is not positive", shown(*mark)));
        }
        Mark::Unknown(why) => return unknown_mark(limit, why.clone()),
    };
    let distance = (inputs.order.price - mark).abs() / mark * Decimal::from(10_000);
    let mut verdict = at_most(
        PRICE_BAND,
        distance,
        limit,
        "distance of the order price from the mark, in bps",
    );
    verdict.message = format!(
        "order price {} is {} bps from the mark {}; {} {} bps",
        shown(inputs.order.price),
        shown(distance),
        shown(mark),
        if verdict.passed { "at most" } else { "over" },
        shown(limit)
    );
    verdict
}

fn unknown_mark(limit: Decimal, why: String) -> Verdict {
    Verdict {
        rule: PRICE_BAND,
        passed: false,
        limit: shown(limit),
        actual: "no mark".to_string(),
        message: format!("no fresh mark to measure the price against ({why}): denied"),
    }
}

/// A verdict that passes when `actual <= limit`.
fn at_most(rule: &'static str, actual: Decimal, limit: Decimal, what: &str) -> Verdict {
    let passed = actual <= limit;
    Verdict {
        rule,
        passed,
        limit: shown(limit),
        actual: shown(actual),
        message: format!(
            "{what} {} is {} {}",
            shown(actual),
            if passed { "within" } else { "over" },
            shown(limit)
        ),
    }
}

/// A decimal as shown to people: at most [`SHOWN_PLACES`] places, no trailing zeros.
pub fn shown(value: Decimal) -> String {
    value.round_dp(SHOWN_PLACES).normalize().to_string()
}

/// The state's name as the protobuf enum spells it, without the prefix.
pub fn state_name(state: TradingState) -> &'static str {
    match state {
        TradingState::Active => "ACTIVE",
        TradingState::Reducing => "REDUCING",
        TradingState::Halted => "HALTED",
    }
}

#[cfg(test)]
#[path = "rules_tests.rs"]
mod tests;
