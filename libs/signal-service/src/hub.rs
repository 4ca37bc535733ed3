//! Live signals fanned out to StreamSignals subscribers: one bounded broadcast buffer,
//! plus the latest signal of every (venue, symbol, interval) for subscribers that fall
//! behind, who get those instead of a backlog.
use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};

use quorum_domain::{Symbol, Venue};
use quorum_proto::trading::v1 as trading;
use tokio::sync::broadcast;

/// What a live signal is about.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SignalKey {
    pub venue: Venue,
    pub symbol: Symbol,
    pub interval: String,
}

/// A signal as published, with its key.
#[derive(Debug, Clone, PartialEq)]
pub struct Published {
    pub key: SignalKey,
    pub signal: trading::Signal,
}

/// Which signals a subscriber wants; `None` fields match everything.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub symbols: Option<HashSet<Symbol>>,
    pub venue: Option<Venue>,
    /// Canonical interval name, e.g. "1m".
    pub interval: Option<String>,
}

impl Filter {
    pub fn matches(&self, key: &SignalKey) -> bool {
        self.symbols
            .as_ref()
            .is_none_or(|symbols| symbols.contains(&key.symbol))
            && self.venue.is_none_or(|venue| venue == key.venue)
            && self
                .interval
                .as_ref()
                .is_none_or(|interval| *interval == key.interval)
    }
}

pub struct Hub {
    sender: broadcast::Sender<Arc<Published>>,
    latest: Mutex<BTreeMap<SignalKey, Arc<Published>>>,
}

impl Hub {
    /// A hub whose subscribers may each fall `buffer` signals behind.
    pub fn new(buffer: usize) -> Self {
        let (sender, _) = broadcast::channel(buffer.max(1));
        Self {
            sender,
            latest: Mutex::new(BTreeMap::new()),
        }
    }

    pub fn publish(&self, published: Published) {
        let published = Arc::new(published);
        self.latest
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(published.key.clone(), published.clone());
        // No subscriber is not an error: the signal is still the latest of its key.
        let _ = self.sender.send(published);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Published>> {
        self.sender.subscribe()
    }

    /// The latest signal of every key `filter` matches, in key order.
    pub fn latest(&self, filter: &Filter) -> Vec<Arc<Published>> {
        self.latest
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .values()
            .filter(|published| filter.matches(&published.key))
            .cloned()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn published(venue: Venue, symbol: &str, interval: &str, as_of: i64) -> Published {
        Published {
            key: SignalKey {
                venue,
                symbol: symbol.parse().unwrap(),
                interval: interval.into(),
            },
            signal: trading::Signal {
                symbol: symbol.into(),
                as_of_unix_ms: as_of,
                ..Default::default()
            },
        }
    }

    #[test]
    fn filters_match_symbol_venue_and_interval() {
        let key = published(Venue::Okx, "BTC-USDT", "1m", 1).key;
        assert!(Filter::default().matches(&key));
        let mut filter = Filter {
            symbols: Some(HashSet::from(["BTC-USDT".parse().unwrap()])),
            venue: Some(Venue::Okx),
            interval: Some("1m".into()),
        };
        assert!(filter.matches(&key));
        filter.interval = Some("5s".into());
        assert!(!filter.matches(&key));
        filter.interval = None;
        filter.venue = Some(Venue::Binance);
        assert!(!filter.matches(&key));
    }

    #[test]
    fn the_latest_signal_per_key_is_kept() {
        let hub = Hub::new(2);
        let mut receiver = hub.subscribe();
        for as_of in 1..=5 {
            hub.publish(published(Venue::Okx, "BTC-USDT", "1m", as_of));
        }
        hub.publish(published(Venue::Okx, "ETH-USDT", "1m", 9));
        // The receiver fell behind the buffer of 2.
        assert!(matches!(
            receiver.try_recv(),
            Err(broadcast::error::TryRecvError::Lagged(4))
        ));
        let latest = hub.latest(&Filter::default());
        let as_ofs: Vec<i64> = latest
            .iter()
            .map(|entry| entry.signal.as_of_unix_ms)
            .collect();
        assert_eq!(as_ofs, vec![5, 9]);
    }
}
