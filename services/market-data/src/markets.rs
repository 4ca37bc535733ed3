//! Every market seen: one rolling window per (symbol, venue), from which the per-venue
//! and the all-venue summaries are made on request.
use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use quorum_domain::{Symbol, Trade, Venue};

use crate::recent::RecentTrades;
use crate::statistics::{Summary, merge};
use crate::window::{Insert, MINUTE_MS, RollingWindow, window_start_minute};

/// What happened to a trade.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    Added,
    /// Same venue, symbol and trade id as a recent trade: counted already.
    Duplicate,
    TooOld,
    TooNew,
    Overflow,
}

#[derive(Default)]
pub struct Markets {
    state: Mutex<BTreeMap<Symbol, BTreeMap<Venue, VenueMarket>>>,
}

#[derive(Default)]
struct VenueMarket {
    window: RollingWindow,
    recent: RecentTrades,
    last_trade_ms: i64,
}

impl Markets {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a trade as seen at `now_ms`.
    pub fn record(&self, trade: &Trade, now_ms: i64) -> Recorded {
        let mut state = self.lock();
        if let Some(market) = state
            .get_mut(&trade.symbol)
            .and_then(|venues| venues.get_mut(&trade.venue))
        {
            return market.add(trade, now_ms);
        }
        // A market exists from its first counted trade on: a refused trade makes none.
        let mut market = VenueMarket::default();
        let recorded = market.add(trade, now_ms);
        if recorded == Recorded::Added {
            state
                .entry(trade.symbol.clone())
                .or_default()
                .insert(trade.venue, market);
        }
        recorded
    }

    /// The summary of `symbol` on `venue` (`None`: all venues) at `now_ms`; `None` when
    /// no trade of that market was ever counted.
    pub fn summary(&self, symbol: &Symbol, venue: Option<Venue>, now_ms: i64) -> Option<Summary> {
        let mut state = self.lock();
        let venues = state.get_mut(symbol)?;
        match venue {
            Some(venue) => venues
                .get_mut(&venue)
                .map(|market| venue_summary(symbol, venue, market, now_ms)),
            None => Some(all_venues_summary(symbol, venues, now_ms)),
        }
    }

    /// Summaries of every market on `venue` (`None`: the all-venue summary of every
    /// symbol), in symbol order.
    pub fn list(&self, venue: Option<Venue>, now_ms: i64) -> Vec<Summary> {
        let mut state = self.lock();
        state
            .iter_mut()
            .filter_map(|(symbol, venues)| match venue {
                Some(venue) => venues
                    .get_mut(&venue)
                    .map(|market| venue_summary(symbol, venue, market, now_ms)),
                None => Some(all_venues_summary(symbol, venues, now_ms)),
            })
            .collect()
    }

    fn lock(&self) -> MutexGuard<'_, BTreeMap<Symbol, BTreeMap<Venue, VenueMarket>>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl VenueMarket {
    fn add(&mut self, trade: &Trade, now_ms: i64) -> Recorded {
        if self.recent.contains(&trade.trade_id) {
            return Recorded::Duplicate;
        }
        let inserted = self
            .window
            .insert(trade.price, trade.quantity, trade.traded_at_ms, now_ms);
        match inserted {
            Insert::Added => {}
            Insert::TooOld => return Recorded::TooOld,
            Insert::TooNew => return Recorded::TooNew,
            Insert::Overflow => return Recorded::Overflow,
        }
        self.recent.remember(&trade.trade_id);
        self.last_trade_ms = self.last_trade_ms.max(trade.traded_at_ms);
        Recorded::Added
    }
}

fn venue_summary(symbol: &Symbol, venue: Venue, market: &mut VenueMarket, now_ms: i64) -> Summary {
    Summary {
        symbol: symbol.clone(),
        venue: Some(venue),
        stats: market.window.stats(now_ms),
        window_start_ms: window_start_ms(now_ms),
        updated_ms: market.last_trade_ms,
    }
}

fn all_venues_summary(
    symbol: &Symbol,
    venues: &mut BTreeMap<Venue, VenueMarket>,
    now_ms: i64,
) -> Summary {
    let parts: Vec<_> = venues
        .values_mut()
        .filter_map(|market| market.window.stats(now_ms))
        .collect();
    Summary {
        symbol: symbol.clone(),
        venue: None,
        stats: merge(&parts),
        window_start_ms: window_start_ms(now_ms),
        updated_ms: venues
            .values()
            .map(|market| market.last_trade_ms)
            .max()
            .unwrap_or(0),
    }
}

fn window_start_ms(now_ms: i64) -> i64 {
    window_start_minute(now_ms).saturating_mul(MINUTE_MS)
}

#[cfg(test)]
mod tests;
