//! The venue side of one WebSocket connection: what it subscribed to and since when,
//! and the per-connection counters some venues number their messages with.
use quorum_domain::Venue;

use super::events::SimEvent;
use super::random::keyed_rng;
use rand::Rng;

/// One connection's subscriptions and counters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimStream {
    venue: Venue,
    subscriptions: Vec<Subscription>,
    /// Coinbase: `sequence_num` of the next message on this connection.
    next_sequence: u64,
    /// Coinbase: heartbeats sent, and when the next one is due.
    heartbeat_counter: u64,
    next_heartbeat_ms: i64,
    /// OKX: the `connId` the venue names the connection by.
    connection_id: String,
}

/// What a stream can subscribe to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Channel {
    Book,
    Trades,
    /// Coinbase's connection-wide heartbeats (no market).
    Heartbeats,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Subscription {
    channel: Channel,
    market: Option<usize>,
    /// Events of later steps are sent; earlier ones happened before the subscription.
    since_step: i64,
    /// The venue's name for the subscription (Binance echoes it in combined streams).
    name: String,
}

impl SimStream {
    pub(crate) fn new(venue: Venue, seed: u64, now_ms: i64) -> Self {
        let mut rng = keyed_rng(&[seed, now_ms.unsigned_abs(), 77]);
        Self {
            venue,
            subscriptions: Vec::new(),
            next_sequence: 0,
            heartbeat_counter: 0,
            next_heartbeat_ms: now_ms + 1_000,
            connection_id: format!("{:08x}", rng.r#gen::<u32>()),
        }
    }

    pub fn venue(&self) -> Venue {
        self.venue
    }

    /// Whether anything is subscribed.
    pub fn is_subscribed(&self) -> bool {
        !self.subscriptions.is_empty()
    }

    /// Whether `event` goes out on this stream.
    pub fn wants(&self, event: &SimEvent) -> bool {
        let channel = match event {
            SimEvent::Book(_) => Channel::Book,
            SimEvent::Trade(_) => Channel::Trades,
            SimEvent::Ticker(_) => return false,
        };
        self.subscribed_since(channel, Some(event.market()))
            .is_some_and(|since| event.step() > since)
    }

    /// Subscribes (again, from `since_step`, when already subscribed).
    pub(crate) fn subscribe(
        &mut self,
        channel: Channel,
        market: Option<usize>,
        since_step: i64,
        name: impl Into<String>,
    ) {
        self.unsubscribe(channel, market);
        self.subscriptions.push(Subscription {
            channel,
            market,
            since_step,
            name: name.into(),
        });
    }

    /// The venue's name of a subscription.
    pub(crate) fn name_of(&self, channel: Channel, market: Option<usize>) -> Option<&str> {
        self.subscriptions
            .iter()
            .find(|subscription| subscription.channel == channel && subscription.market == market)
            .map(|subscription| subscription.name.as_str())
    }

    pub(crate) fn unsubscribe(&mut self, channel: Channel, market: Option<usize>) {
        self.subscriptions.retain(|subscription| {
            (subscription.channel, subscription.market) != (channel, market)
        });
    }

    pub(crate) fn subscribed_since(&self, channel: Channel, market: Option<usize>) -> Option<i64> {
        self.subscriptions
            .iter()
            .find(|subscription| subscription.channel == channel && subscription.market == market)
            .map(|subscription| subscription.since_step)
    }

    /// Markets subscribed on a channel, in subscription order.
    pub(crate) fn markets_on(&self, channel: Channel) -> Vec<usize> {
        self.subscriptions
            .iter()
            .filter(|subscription| subscription.channel == channel)
            .filter_map(|subscription| subscription.market)
            .collect()
    }

    /// Coinbase: takes the next `sequence_num`.
    pub(crate) fn take_sequence(&mut self) -> u64 {
        let sequence = self.next_sequence;
        self.next_sequence += 1;
        sequence
    }

    /// Coinbase: the heartbeat counter when a heartbeat is due at `now_ms`.
    pub(crate) fn heartbeat_due(&mut self, now_ms: i64) -> Option<u64> {
        if self.subscribed_since(Channel::Heartbeats, None).is_none()
            || now_ms < self.next_heartbeat_ms
        {
            return None;
        }
        self.next_heartbeat_ms = now_ms + 1_000;
        self.heartbeat_counter += 1;
        Some(self.heartbeat_counter)
    }

    pub(crate) fn connection_id(&self) -> &str {
        &self.connection_id
    }
}
