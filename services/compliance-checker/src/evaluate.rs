//! The pre-trade check: an order intent against every enabled rule, with the views of
//! the account's orders and fills and its status. Pure: the caller gathers the inputs.
use quorum_domain::{Decimal, Side, Symbol, Venue};

use crate::accounts::{AccountStatus, Standing};
use crate::rules::{AccountLimits, Kind, Rule, Spec, SpoofingLimits};
use crate::views::Views;

/// A validated order intent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Intent {
    pub account: String,
    pub venue: Venue,
    pub symbol: Symbol,
    pub side: Side,
    pub quantity: Decimal,
    pub price: Decimal,
    /// Price x quantity (checked to fit when the intent was read).
    pub notional: Decimal,
    pub client_order_id: String,
    pub origin: String,
}

/// One failed rule and why, with the numbers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub rule_id: String,
    pub rule_version: u32,
    pub kind: Kind,
    pub message: String,
}

/// The outcome of a check.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Evaluation {
    pub violations: Vec<Violation>,
    /// Every rule evaluated, `id@version`.
    pub evaluated: Vec<String>,
}

impl Evaluation {
    pub fn passed(&self) -> bool {
        self.violations.is_empty()
    }
}

/// Evaluates `intent` against each enabled rule of `rules` at `now_ms`.
pub fn evaluate(
    intent: &Intent,
    rules: &[Rule],
    views: &Views,
    standing: &Standing,
    now_ms: i64,
) -> Evaluation {
    let mut evaluation = Evaluation::default();
    for rule in rules.iter().filter(|rule| rule.enabled) {
        evaluation.evaluated.push(rule.label());
        let messages = match &rule.spec {
            Spec::RestrictedSymbols { symbols } => {
                restricted(intent, symbols.contains(&intent.symbol))
            }
            Spec::AccountLimits(limits) => account_limits(intent, limits, views, now_ms),
            Spec::WashTrade { window_ms } => wash_trade(intent, *window_ms, views, now_ms),
            Spec::Spoofing(limits) => spoofing(intent, limits, views, now_ms),
            Spec::AccountStatus => account_status(intent, standing),
        };
        evaluation
            .violations
            .extend(messages.into_iter().map(|message| Violation {
                rule_id: rule.id.clone(),
                rule_version: rule.version,
                kind: rule.spec.kind(),
                message,
            }));
    }
    evaluation
}

fn restricted(intent: &Intent, listed: bool) -> Vec<String> {
    if listed {
        vec![format!(
            "{} is a restricted symbol: no account may trade it",
            intent.symbol
        )]
    } else {
        vec![]
    }
}

fn account_limits(
    intent: &Intent,
    limits: &AccountLimits,
    views: &Views,
    now_ms: i64,
) -> Vec<String> {
    let mut messages = Vec::new();
    if intent.quantity > limits.max_order_quantity {
        messages.push(format!(
            "quantity {} exceeds max_order_quantity {}",
            intent.quantity.normalize(),
            limits.max_order_quantity.normalize()
        ));
    }
    if intent.notional > limits.max_order_notional {
        messages.push(format!(
            "notional {} ({} x {}) exceeds max_order_notional {}",
            intent.notional.normalize(),
            intent.quantity.normalize(),
            intent.price.normalize(),
            limits.max_order_notional.normalize()
        ));
    }
    let placed_today = views.placed_on_day_of(&intent.account, now_ms);
    if placed_today >= limits.max_orders_per_day {
        messages.push(format!(
            "account {} placed {placed_today} orders today (UTC); max_orders_per_day is {}",
            intent.account, limits.max_orders_per_day
        ));
    }
    messages
}

fn wash_trade(intent: &Intent, window_ms: i64, views: &Views, now_ms: i64) -> Vec<String> {
    let mut messages = Vec::new();
    let opposite = intent.side.opposite();
    let crossed: Vec<String> = views
        .resting(&intent.account, intent.venue, &intent.symbol, opposite)
        .into_iter()
        .filter(|resting| match intent.side {
            Side::Buy => intent.price >= resting.price,
            Side::Sell => intent.price <= resting.price,
        })
        .map(|resting| format!("{} at {}", resting.order_id, resting.price.normalize()))
        .collect();
    if !crossed.is_empty() {
        messages.push(format!(
            "a {} at {} would trade against the account's own resting {} orders of {} on {}: {}",
            side_name(intent.side),
            intent.price.normalize(),
            side_name(opposite),
            intent.symbol,
            intent.venue,
            crossed.join(", ")
        ));
    }
    let since = now_ms.saturating_sub(window_ms);
    let reversed = views.fills_since(&intent.account, &intent.symbol, opposite, since);
    if let Some(latest) = reversed.last() {
        messages.push(format!(
            "a {} would reverse {} {} fill(s) of {} within window_ms {window_ms}: the latest, {} of order {} ({} at {}), {} ms ago",
            side_name(intent.side),
            reversed.len(),
            side_name(opposite),
            intent.symbol,
            latest.fill_id,
            latest.order_id,
            latest.quantity.normalize(),
            latest.price.normalize(),
            now_ms.saturating_sub(latest.filled_at_ms).max(0)
        ));
    }
    messages
}

fn spoofing(intent: &Intent, limits: &SpoofingLimits, views: &Views, now_ms: i64) -> Vec<String> {
    let after = now_ms.saturating_sub(limits.window_ms);
    let fast: Vec<&str> = views
        .cancels_after(&intent.account, after)
        .into_iter()
        .filter(|cancel| cancel.is_fast_and_large(limits.min_notional, limits.cancel_within_ms))
        .map(|cancel| cancel.order_id.as_str())
        .collect();
    if fast.len() as u64 > limits.max_fast_cancels {
        vec![format!(
            "account {} cancelled {} large orders (notional >= {}) within {} ms of placing them in the last {} ms, more than max_fast_cancels {}: {}",
            intent.account,
            fast.len(),
            limits.min_notional.normalize(),
            limits.cancel_within_ms,
            limits.window_ms,
            limits.max_fast_cancels,
            fast.join(", ")
        )]
    } else {
        vec![]
    }
}

fn account_status(intent: &Intent, standing: &Standing) -> Vec<String> {
    match standing.status {
        AccountStatus::Active => vec![],
        status => vec![format!(
            "account {} is {}: {}",
            intent.account,
            status
                .to_proto()
                .as_str_name()
                .trim_start_matches("ACCOUNT_STATUS_"),
            standing.reason
        )],
    }
}

fn side_name(side: Side) -> &'static str {
    match side {
        Side::Buy => "BUY",
        Side::Sell => "SELL",
    }
}

#[cfg(test)]
mod tests;
