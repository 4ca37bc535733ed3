//! The live state: each symbol's venues and its current consolidated quote, and the
//! subscriptions told when a quote changes. Quotes are recomputed when a venue sends
//! something and when time alone changes them (a venue going stale).
use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};

use quorum_domain::{Symbol, Ticker, Trade, Venue};

use crate::consolidate::{LastTrade, Rules, VenueState, consolidate};
use crate::quote::Quote;
use crate::subscription::Subscription;

/// What happened to an event offered to the hub.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// Taken in.
    Updated,
    /// Older than what the venue already sent: ignored.
    Outdated,
    /// A trade from a venue that has sent no ticker for the symbol yet: ignored.
    UnknownVenue,
}

pub struct Hub {
    rules: Rules,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    symbols: BTreeMap<Symbol, SymbolEntry>,
    subscriptions: Vec<Weak<Subscription>>,
}

struct SymbolEntry {
    venues: BTreeMap<Venue, VenueState>,
    quote: Arc<Quote>,
}

impl Hub {
    pub fn new(rules: Rules) -> Self {
        Self {
            rules,
            state: Mutex::new(State::default()),
        }
    }

    /// Takes in a venue's top of book, received at `received_ms`.
    pub fn apply_ticker(&self, ticker: &Ticker, received_ms: i64) -> Applied {
        let mut state = self.lock();
        let entry = state
            .symbols
            .entry(ticker.symbol.clone())
            .or_insert_with(|| SymbolEntry {
                venues: BTreeMap::new(),
                quote: Arc::new(Quote::empty(ticker.symbol.clone())),
            });
        let previous = entry.venues.get(&ticker.venue);
        if previous.is_some_and(|venue| ticker.event_ms < venue.event_ms) {
            return Applied::Outdated;
        }
        let ticker_last = ticker.last_price.map(|price| LastTrade {
            price,
            at_ms: ticker.event_ms,
        });
        let last = newest(previous.and_then(|venue| venue.last), ticker_last);
        entry.venues.insert(
            ticker.venue,
            VenueState {
                bid: ticker.best_bid,
                ask: ticker.best_ask,
                last,
                event_ms: ticker.event_ms,
                received_ms,
            },
        );
        self.recompute(&mut state, &ticker.symbol, received_ms);
        Applied::Updated
    }

    /// Takes in a trade as the venue's last price, if it is the venue's newest.
    pub fn apply_trade(&self, trade: &Trade, now_ms: i64) -> Applied {
        let mut state = self.lock();
        let Some(venue) = state
            .symbols
            .get_mut(&trade.symbol)
            .and_then(|entry| entry.venues.get_mut(&trade.venue))
        else {
            return Applied::UnknownVenue;
        };
        if venue
            .last
            .is_some_and(|last| trade.traded_at_ms < last.at_ms)
        {
            return Applied::Outdated;
        }
        venue.last = Some(LastTrade {
            price: trade.price,
            at_ms: trade.traded_at_ms,
        });
        self.recompute(&mut state, &trade.symbol, now_ms);
        Applied::Updated
    }

    /// Recomputes every quote at `now_ms` (venues may have gone stale) and tells
    /// subscribers about those that changed.
    pub fn refresh_all(&self, now_ms: i64) {
        let mut state = self.lock();
        let symbols: Vec<Symbol> = state.symbols.keys().cloned().collect();
        for symbol in symbols {
            self.recompute(&mut state, &symbol, now_ms);
        }
    }

    /// The quote of `symbol` as of `now_ms`; `None` for a symbol never heard of.
    pub fn quote_at(&self, symbol: &Symbol, now_ms: i64) -> Option<Arc<Quote>> {
        let mut state = self.lock();
        self.recompute(&mut state, symbol, now_ms)
    }

    /// Quotes of every known symbol as of `now_ms`, in symbol order.
    pub fn all_quotes_at(&self, now_ms: i64) -> Vec<Arc<Quote>> {
        let mut state = self.lock();
        let symbols: Vec<Symbol> = state.symbols.keys().cloned().collect();
        symbols
            .iter()
            .filter_map(|symbol| self.recompute(&mut state, symbol, now_ms))
            .collect()
    }

    /// The last computed quote of `symbol`, as subscribers are sent it.
    pub fn current(&self, symbol: &Symbol) -> Option<Arc<Quote>> {
        self.lock()
            .symbols
            .get(symbol)
            .map(|entry| entry.quote.clone())
    }

    /// A subscription to `symbols` (`None`: all), with every current matching quote
    /// already waiting in it.
    pub fn subscribe(&self, symbols: Option<HashSet<Symbol>>) -> Arc<Subscription> {
        let subscription = Arc::new(Subscription::new(symbols));
        let mut state = self.lock();
        for symbol in state.symbols.keys() {
            subscription.mark(symbol);
        }
        state
            .subscriptions
            .retain(|subscriber| subscriber.strong_count() > 0);
        state.subscriptions.push(Arc::downgrade(&subscription));
        subscription
    }

    /// Live subscriptions (ended streams are dropped lazily).
    pub fn subscriber_count(&self) -> usize {
        self.lock()
            .subscriptions
            .iter()
            .filter(|subscriber| subscriber.strong_count() > 0)
            .count()
    }

    fn recompute(&self, state: &mut State, symbol: &Symbol, now_ms: i64) -> Option<Arc<Quote>> {
        let entry = state.symbols.get_mut(symbol)?;
        let quote = consolidate(symbol, &entry.venues, &self.rules, now_ms);
        if *entry.quote == quote {
            return Some(entry.quote.clone());
        }
        entry.quote = Arc::new(quote);
        let quote = entry.quote.clone();
        state
            .subscriptions
            .retain(|subscriber| match subscriber.upgrade() {
                Some(subscription) => {
                    subscription.mark(symbol);
                    true
                }
                None => false,
            });
        Some(quote)
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn newest(kept: Option<LastTrade>, offered: Option<LastTrade>) -> Option<LastTrade> {
    match (kept, offered) {
        (Some(kept), Some(offered)) if kept.at_ms > offered.at_ms => Some(kept),
        (kept, None) => kept,
        (_, offered) => offered,
    }
}

#[cfg(test)]
mod tests;
