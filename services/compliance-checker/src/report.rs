//! Surveillance findings over stored history: wash trades (an account buying and selling
//! the same symbol within the wash window) and spoofing (large orders cancelled fast,
//! more often than allowed within the spoofing window). Pure.
use std::collections::{BTreeMap, BTreeSet};

use crate::rules::SpoofingLimits;
use crate::views::{Cancel, RecentFill};
use quorum_domain::Side;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FindingKind {
    WashTrade,
    Spoofing,
}

/// Something surveillance found, with the orders involved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub kind: FindingKind,
    pub account: String,
    /// The symbol of the orders; empty when they span several (listed in the description).
    pub symbol: String,
    /// Venue order ids.
    pub order_ids: Vec<String>,
    pub description: String,
    pub at_ms: i64,
}

/// One finding per (buy order, sell order) pair of an account and symbol with a buy
/// fill and a sell fill at most `window_ms` apart; `fills` may come in any order.
pub fn wash_trades(fills: &[RecentFill], window_ms: i64, rule: &str) -> Vec<Finding> {
    let mut by_market: BTreeMap<(&str, &str), Vec<&RecentFill>> = BTreeMap::new();
    for fill in fills {
        by_market
            .entry((fill.account.as_str(), fill.symbol.as_str()))
            .or_default()
            .push(fill);
    }
    let mut findings = Vec::new();
    for ((account, symbol), mut fills) in by_market {
        fills.sort_by(|a, b| (a.filled_at_ms, &a.fill_id).cmp(&(b.filled_at_ms, &b.fill_id)));
        // The first (earliest completed) occurrence of each pair of orders.
        let mut pairs: BTreeSet<(String, String)> = BTreeSet::new();
        for (index, later) in fills.iter().enumerate() {
            for earlier in fills[..index].iter().rev() {
                let gap = later.filled_at_ms - earlier.filled_at_ms;
                if gap > window_ms {
                    break;
                }
                if earlier.side == later.side || earlier.order_id == later.order_id {
                    continue;
                }
                let (buy, sell) = match later.side {
                    Side::Buy => (*later, *earlier),
                    Side::Sell => (*earlier, *later),
                };
                if !pairs.insert((buy.order_id.clone(), sell.order_id.clone())) {
                    continue;
                }
                findings.push(Finding {
                    kind: FindingKind::WashTrade,
                    account: account.to_string(),
                    symbol: symbol.to_string(),
                    order_ids: vec![buy.order_id.clone(), sell.order_id.clone()],
                    description: format!(
                        "{account} bought {} {symbol} at {} (order {}) and sold {} at {} (order {}) {gap} ms apart, within the wash window of {window_ms} ms ({rule})",
                        buy.quantity.normalize(),
                        buy.price.normalize(),
                        buy.order_id,
                        sell.quantity.normalize(),
                        sell.price.normalize(),
                        sell.order_id,
                    ),
                    at_ms: later.filled_at_ms,
                });
            }
        }
    }
    findings
}

/// One finding per episode of an account in which more than `max_fast_cancels` large
/// orders were cancelled fast within `window_ms`: overlapping windows merge into one
/// episode, listing every fast cancel in it in time order.
pub fn spoofing(cancels: &[Cancel], limits: &SpoofingLimits, rule: &str) -> Vec<Finding> {
    let mut by_account: BTreeMap<&str, Vec<&Cancel>> = BTreeMap::new();
    for cancel in cancels
        .iter()
        .filter(|cancel| cancel.is_fast_and_large(limits.min_notional, limits.cancel_within_ms))
    {
        by_account
            .entry(cancel.account.as_str())
            .or_default()
            .push(cancel);
    }
    let mut findings = Vec::new();
    for (account, mut fast) in by_account {
        fast.sort_by(|a, b| {
            (a.cancelled_at_ms, &a.order_id).cmp(&(b.cancelled_at_ms, &b.order_id))
        });
        for (first, last, at_ms) in episodes(&fast, limits) {
            let involved = &fast[first..=last];
            let symbols: BTreeSet<&str> = involved
                .iter()
                .map(|cancel| cancel.symbol.as_str())
                .collect();
            let symbol = match symbols.iter().collect::<Vec<_>>().as_slice() {
                [only] => only.to_string(),
                _ => String::new(),
            };
            findings.push(Finding {
                kind: FindingKind::Spoofing,
                account: account.to_string(),
                symbol,
                order_ids: involved.iter().map(|cancel| cancel.order_id.clone()).collect(),
                description: format!(
                    "{account} cancelled {} large orders (notional >= {}) of {} within {} ms of placing them, more than {} within {} ms ({rule})",
                    involved.len(),
                    limits.min_notional.normalize(),
                    symbols.into_iter().collect::<Vec<_>>().join(", "),
                    limits.cancel_within_ms,
                    limits.max_fast_cancels,
                    limits.window_ms,
                ),
                at_ms,
            });
        }
    }
    findings
}

/// Index ranges `[first, last]` of merged over-limit windows of `fast` (sorted by cancel
/// time), each with the time the limit was first exceeded.
fn episodes(fast: &[&Cancel], limits: &SpoofingLimits) -> Vec<(usize, usize, i64)> {
    let mut episodes: Vec<(usize, usize, i64)> = Vec::new();
    let mut start = 0;
    for (end, cancel) in fast.iter().enumerate() {
        // The window ending at this cancel: (its time - window, its time].
        while fast[start].cancelled_at_ms <= cancel.cancelled_at_ms - limits.window_ms {
            start += 1;
        }
        let count = (end - start + 1) as u64;
        if count <= limits.max_fast_cancels {
            continue;
        }
        match episodes.last_mut() {
            Some(episode) if start <= episode.1 => episode.1 = end,
            _ => episodes.push((start, end, cancel.cancelled_at_ms)),
        }
    }
    episodes
}

#[cfg(test)]
mod tests;
