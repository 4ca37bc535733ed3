//! The ids of a market's most recent trades, so a trade delivered twice (a connector
//! that republishes after a reconnect) is counted once. Bounded: the oldest id is
//! forgotten when a new one arrives at capacity.
use std::collections::{HashSet, VecDeque};

/// Trade ids remembered per market.
pub const RECENT_TRADE_IDS: usize = 2048;

#[derive(Debug, Clone, Default)]
pub struct RecentTrades {
    order: VecDeque<String>,
    ids: HashSet<String>,
}

impl RecentTrades {
    /// Whether `id` was remembered.
    pub fn contains(&self, id: &str) -> bool {
        self.ids.contains(id)
    }

    /// Remembers `id`, forgetting the oldest beyond capacity.
    pub fn remember(&mut self, id: &str) {
        if !self.ids.insert(id.to_string()) {
            return;
        }
        self.order.push_back(id.to_string());
        while self.order.len() > RECENT_TRADE_IDS {
            if let Some(oldest) = self.order.pop_front() {
                self.ids.remove(&oldest);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_up_to_capacity_then_forgets_the_oldest() {
        let mut recent = RecentTrades::default();
        for id in 0..=RECENT_TRADE_IDS {
            recent.remember(&id.to_string());
        }
        assert!(!recent.contains("0"));
        assert!(recent.contains("1"));
        assert!(recent.contains(&RECENT_TRADE_IDS.to_string()));
        assert_eq!(recent.order.len(), RECENT_TRADE_IDS);
        assert_eq!(recent.ids.len(), RECENT_TRADE_IDS);
    }
}
