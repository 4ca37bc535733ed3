//! A conflating subscription: the set of symbols whose quote changed since the reader
//! last looked. A symbol is in it at most once, so a slow reader costs one entry per
//! symbol however many changes it missed, and reads the latest quote when it catches up.
use std::collections::{HashSet, VecDeque};
use std::sync::{Mutex, PoisonError};

use quorum_domain::Symbol;
use tokio::sync::Notify;

/// Symbols to be sent to one reader, oldest change first.
#[derive(Debug)]
pub struct Subscription {
    /// `None`: every symbol, including ones that appear later.
    filter: Option<HashSet<Symbol>>,
    pending: Mutex<Pending>,
    changed: Notify,
}

#[derive(Debug, Default)]
struct Pending {
    order: VecDeque<Symbol>,
    members: HashSet<Symbol>,
}

impl Subscription {
    pub fn new(filter: Option<HashSet<Symbol>>) -> Self {
        Self {
            filter,
            pending: Mutex::new(Pending::default()),
            changed: Notify::new(),
        }
    }

    /// Whether this subscription follows `symbol`.
    pub fn wants(&self, symbol: &Symbol) -> bool {
        self.filter
            .as_ref()
            .is_none_or(|symbols| symbols.contains(symbol))
    }

    /// Notes that `symbol` changed; a symbol already waiting keeps its place.
    pub fn mark(&self, symbol: &Symbol) {
        if !self.wants(symbol) {
            return;
        }
        let mut pending = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
        if pending.members.insert(symbol.clone()) {
            pending.order.push_back(symbol.clone());
        }
        drop(pending);
        // Stores a permit when nobody waits, so a change between `take` and
        // `wait_for_change` is not missed.
        self.changed.notify_one();
    }

    /// The symbol that has waited longest, if any.
    pub fn take(&self) -> Option<Symbol> {
        let mut pending = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
        let symbol = pending.order.pop_front()?;
        pending.members.remove(&symbol);
        Some(symbol)
    }

    /// Resolves after the next `mark` (or at once if one happened since the last wait).
    pub async fn wait_for_change(&self) {
        self.changed.notified().await;
    }

    /// Symbols waiting to be read.
    pub fn backlog(&self) -> usize {
        self.pending
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .order
            .len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn symbol(text: &str) -> Symbol {
        text.parse().unwrap()
    }

    #[test]
    fn repeated_changes_of_one_symbol_wait_once_in_first_change_order() {
        let subscription = Subscription::new(None);
        for _ in 0..1000 {
            subscription.mark(&symbol("BTC-USDT"));
            subscription.mark(&symbol("ETH-USDT"));
        }
        assert_eq!(subscription.backlog(), 2);
        assert_eq!(subscription.take(), Some(symbol("BTC-USDT")));
        assert_eq!(subscription.take(), Some(symbol("ETH-USDT")));
        assert_eq!(subscription.take(), None);
    }

    #[test]
    fn a_filter_keeps_other_symbols_out() {
        let subscription = Subscription::new(Some(HashSet::from([symbol("ETH-USDT")])));
        subscription.mark(&symbol("BTC-USDT"));
        assert_eq!(subscription.take(), None);
        subscription.mark(&symbol("ETH-USDT"));
        assert_eq!(subscription.take(), Some(symbol("ETH-USDT")));
    }

    #[tokio::test]
    async fn a_change_made_before_waiting_is_not_missed() {
        let subscription = Subscription::new(None);
        subscription.mark(&symbol("BTC-USDT"));
        // The permit stored by `mark` lets this return at once.
        tokio::time::timeout(
            std::time::Duration::from_secs(5),
            subscription.wait_for_change(),
        )
        .await
        .expect("the stored change wakes the waiter");
    }
}
