//! The strategy instances in memory, mirrored from Postgres: handlers write through the
//! store and then here; the loop reads here.
use std::collections::HashMap;
use std::sync::RwLock;

use crate::model::Strategy;
use crate::windows::Key;

#[derive(Default)]
pub struct Registry {
    strategies: RwLock<HashMap<String, Strategy>>,
}

impl Registry {
    pub fn new(strategies: Vec<Strategy>) -> Self {
        let map = strategies
            .into_iter()
            .map(|strategy| (strategy.strategy_id.clone(), strategy))
            .collect();
        Self {
            strategies: RwLock::new(map),
        }
    }

    pub fn put(&self, strategy: Strategy) {
        let mut strategies = self
            .strategies
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        strategies.insert(strategy.strategy_id.clone(), strategy);
    }

    /// Counts a finished run (and its order) in memory, as the store did.
    pub fn count_run(&self, strategy_id: &str, placed_order: bool) {
        let mut strategies = self
            .strategies
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(strategy) = strategies.get_mut(strategy_id) {
            strategy.runs += 1;
            strategy.orders += u64::from(placed_order);
        }
    }

    pub fn get(&self, strategy_id: &str) -> Option<Strategy> {
        self.read().get(strategy_id).cloned()
    }

    /// Every instance, oldest first.
    pub fn all(&self) -> Vec<Strategy> {
        let mut all: Vec<Strategy> = self.read().values().cloned().collect();
        all.sort_by(|a, b| {
            (a.created_at_ms, &a.strategy_id).cmp(&(b.created_at_ms, &b.strategy_id))
        });
        all
    }

    /// Started instances that trade `key`.
    pub fn live_on(&self, key: &Key) -> Vec<Strategy> {
        let mut live: Vec<Strategy> = self
            .read()
            .values()
            .filter(|s| {
                s.state.is_live()
                    && s.spec.venue == key.venue
                    && s.spec.symbol == key.symbol
                    && s.spec.interval == key.interval
            })
            .cloned()
            .collect();
        live.sort_by(|a, b| a.strategy_id.cmp(&b.strategy_id));
        live
    }

    /// The largest lookback among the started instances on `key`.
    pub fn lookback_on(&self, key: &Key) -> usize {
        self.live_on(key)
            .iter()
            .map(|s| s.spec.lookback as usize)
            .max()
            .unwrap_or(0)
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, HashMap<String, Strategy>> {
        self.strategies
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
