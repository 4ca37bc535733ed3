//! What happens on a simulated venue, before it is written in the venue's wire format.
use quorum_domain::{Decimal, Level, Side};

/// One thing a simulated venue publishes. `market` indexes [`super::SimVenue::markets`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SimEvent {
    Book(BookChange),
    Trade(SimTrade),
    Ticker(SimTicker),
}

impl SimEvent {
    pub fn market(&self) -> usize {
        match self {
            SimEvent::Book(change) => change.market,
            SimEvent::Trade(trade) => trade.market,
            SimEvent::Ticker(ticker) => ticker.market,
        }
    }

    pub fn step(&self) -> i64 {
        match self {
            SimEvent::Book(change) => change.step,
            SimEvent::Trade(trade) => trade.step,
            SimEvent::Ticker(ticker) => ticker.step,
        }
    }

    pub fn event_ms(&self) -> i64 {
        match self {
            SimEvent::Book(change) => change.event_ms,
            SimEvent::Trade(trade) => trade.event_ms,
            SimEvent::Ticker(ticker) => ticker.event_ms,
        }
    }
}

/// The levels one step changed, with absolute quantities (0 removes the level), and the
/// venue's update ids: the change covers ids `previous_id + 1 ..= last_id`. A step that
/// changed nothing has `last_id == previous_id` and no levels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookChange {
    pub market: usize,
    pub step: i64,
    pub event_ms: i64,
    pub previous_id: i64,
    pub last_id: i64,
    /// Best first.
    pub bids: Vec<Level>,
    /// Best first.
    pub asks: Vec<Level>,
    /// The venue's checksum of the whole book after the change, where it sends one
    /// (OKX's legacy checksum).
    pub checksum: Option<i32>,
}

impl BookChange {
    pub fn first_id(&self) -> i64 {
        self.previous_id + 1
    }

    pub fn is_empty(&self) -> bool {
        self.bids.is_empty() && self.asks.is_empty()
    }
}

/// A market order that took liquidity from the top of the book.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimTrade {
    pub market: usize,
    pub step: i64,
    pub event_ms: i64,
    pub trade_id: i64,
    pub price: Decimal,
    pub quantity: Decimal,
    pub taker_side: Side,
}

/// Top of book and session statistics after a step that moved either.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimTicker {
    pub market: usize,
    pub step: i64,
    pub event_ms: i64,
    /// The book's update id after the step.
    pub update_id: i64,
    pub best_bid: Option<Level>,
    pub best_ask: Option<Level>,
    pub stats: SessionStats,
}

/// Statistics since the simulated venue started; the sim reports them where venues
/// report their rolling 24 hours.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SessionStats {
    pub open: Option<Decimal>,
    pub high: Option<Decimal>,
    pub low: Option<Decimal>,
    pub last: Option<Decimal>,
    pub last_quantity: Option<Decimal>,
    pub base_volume: Decimal,
    pub quote_volume: Decimal,
    pub trade_count: u64,
    pub first_trade_id: Option<i64>,
    pub last_trade_id: Option<i64>,
    pub opened_at_ms: i64,
}

impl SessionStats {
    pub fn started(opened_at_ms: i64) -> Self {
        Self {
            opened_at_ms,
            ..Self::default()
        }
    }

    pub fn record(&mut self, trade: &SimTrade) {
        self.open.get_or_insert(trade.price);
        self.high = Some(self.high.map_or(trade.price, |high| high.max(trade.price)));
        self.low = Some(self.low.map_or(trade.price, |low| low.min(trade.price)));
        self.last = Some(trade.price);
        self.last_quantity = Some(trade.quantity);
        self.base_volume += trade.quantity;
        self.quote_volume += trade.quantity * trade.price;
        self.trade_count += 1;
        self.first_trade_id.get_or_insert(trade.trade_id);
        self.last_trade_id = Some(trade.trade_id);
    }

    /// Change from open to last, in percent with two decimals.
    pub fn change_percent(&self) -> Decimal {
        match (self.open, self.last) {
            (Some(open), Some(last)) if !open.is_zero() => {
                ((last - open) / open * Decimal::ONE_HUNDRED).round_dp(2)
            }
            _ => Decimal::ZERO,
        }
    }

    /// Volume-weighted average price.
    pub fn average_price(&self) -> Option<Decimal> {
        (!self.base_volume.is_zero()).then(|| self.quote_volume / self.base_volume)
    }
}
