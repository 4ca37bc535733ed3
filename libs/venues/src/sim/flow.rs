//! One simulated market on one venue: its book, and the order flow of each step around
//! the venue's mid (fair price, lagged, times the venue's own premium).
//!
//! Every step draws from a generator keyed by (seed, venue, symbol, step), so the same
//! seed and the same steps give the same book and the same messages. Flow per step:
//! levels left on the wrong side of the new mid are taken by market orders (trades),
//! then Poisson-many market orders hit the top, orders are cancelled, resized and added
//! behind the touch, the touch is refilled and the book trimmed. Bids stay below the mid
//! and asks above it, so the book never crosses.
use std::collections::{BTreeMap, VecDeque};

use rand::Rng;
use rand::distributions::Distribution;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Exp, Poisson, StandardNormal};

use quorum_domain::{Decimal, Level, Side};
use quorum_quant::book::OrderBook;

use super::events::{BookChange, SessionStats, SimEvent, SimTicker, SimTrade};
use super::profile::{SimInstrument, VenueProfile};
use super::random::{keyed_rng, signed, text_tag};

/// Trades kept for venues that send recent trades on subscribe.
const RECENT_TRADES: usize = 50;
const IDS: u64 = 10;
const STEP: u64 = 11;
const BUILD: u64 = 12;

/// What a step needs to know about the world outside the market.
#[derive(Debug, Clone, Copy)]
pub(crate) struct StepContext<'a> {
    pub seed: u64,
    pub venue_tag: u64,
    pub market: usize,
    pub step: i64,
    pub event_ms: i64,
    /// Fair price as the venue sees it (already lagged).
    pub fair: f64,
    /// USD value of one base unit, to size orders.
    pub base_usd: f64,
    pub profile: &'a VenueProfile,
}

#[derive(Debug, Clone)]
pub(crate) struct SimMarket {
    pub instrument: SimInstrument,
    pub book: OrderBook,
    pub update_id: i64,
    pub trade_id: i64,
    pub stats: SessionStats,
    pub recent_trades: VecDeque<SimTrade>,
    premium: f64,
    tag: u64,
}

impl SimMarket {
    /// An empty market whose update and trade ids start where the seed puts them.
    pub fn new(instrument: SimInstrument, seed: u64, venue_tag: u64, opened_at_ms: i64) -> Self {
        let tag = text_tag(instrument.symbol.as_str());
        let mut rng = keyed_rng(&[seed, venue_tag, tag, IDS]);
        Self {
            instrument,
            book: OrderBook::new(),
            update_id: rng.gen_range(1_000_000_000..9_000_000_000),
            trade_id: rng.gen_range(100_000_000..900_000_000),
            stats: SessionStats::started(opened_at_ms),
            recent_trades: VecDeque::new(),
            premium: 0.0,
            tag,
        }
    }

    /// Fills an empty book around the venue's mid (no events: clients read it from a
    /// snapshot).
    pub fn build(&mut self, context: &StepContext<'_>) {
        let mut rng = keyed_rng(&[
            context.seed,
            context.venue_tag,
            self.tag,
            BUILD,
            signed(context.step),
        ]);
        let mut changes = Changes::default();
        if let Some(quotes) = Quotes::new(context.fair, context.profile, &self.instrument) {
            self.fill(&mut rng, context, &quotes, &mut changes);
        }
    }

    /// Replaces the whole book in one change, after a pause too long to walk step by step.
    pub fn rebuild(&mut self, context: &StepContext<'_>) -> Vec<SimEvent> {
        let mut changes = Changes::default();
        let (bids, asks) = self.book.top(0);
        for level in bids {
            changes.set(&mut self.book, Side::Buy, level.price, Decimal::ZERO);
        }
        for level in asks {
            changes.set(&mut self.book, Side::Sell, level.price, Decimal::ZERO);
        }
        self.premium = 0.0;
        let mut rng = keyed_rng(&[
            context.seed,
            context.venue_tag,
            self.tag,
            BUILD,
            signed(context.step),
        ]);
        if let Some(quotes) = Quotes::new(context.fair, context.profile, &self.instrument) {
            self.fill(&mut rng, context, &quotes, &mut changes);
        }
        self.finish(context, changes, Vec::new(), (None, None))
    }

    /// Runs one step of order flow: trades, then the book change, then the ticker.
    pub fn step(&mut self, context: &StepContext<'_>) -> Vec<SimEvent> {
        let mut rng = keyed_rng(&[
            context.seed,
            context.venue_tag,
            self.tag,
            STEP,
            signed(context.step),
        ]);
        let profile = context.profile;
        let top_before = (self.book.best_bid(), self.book.best_ask());
        let shock: f64 = StandardNormal.sample(&mut rng);
        let persistence = profile.premium_persistence.clamp(0.0, 0.999_999);
        self.premium = persistence * self.premium
            + (1.0 - persistence * persistence).sqrt() * profile.premium_sd_bps / 10_000.0 * shock;
        let mut changes = Changes::default();
        let mut trades = Vec::new();
        let Some(quotes) =
            Quotes::new(context.fair * self.premium.exp(), profile, &self.instrument)
        else {
            return self.finish(context, changes, trades, top_before);
        };
        self.take_stale(context, &quotes, &mut changes, &mut trades);
        for _ in 0..poisson(&mut rng, profile.trades_per_step) {
            let taker = if rng.r#gen::<bool>() {
                Side::Buy
            } else {
                Side::Sell
            };
            let wanted = self.order_quantity(&mut rng, context);
            let top = self.book.side(taker.opposite()).next().copied();
            if let Some(level) = top {
                let filled = wanted.min(level.quantity);
                self.trade(context, taker, level.price, filled, &mut trades);
                changes.set(
                    &mut self.book,
                    taker.opposite(),
                    level.price,
                    level.quantity - filled,
                );
            }
        }
        for side in [Side::Buy, Side::Sell] {
            for _ in 0..poisson(&mut rng, profile.cancels_per_step) {
                if let Some(level) = self.random_level(&mut rng, side) {
                    changes.set(&mut self.book, side, level.price, Decimal::ZERO);
                }
            }
            for _ in 0..poisson(&mut rng, profile.changes_per_step) {
                if let Some(level) = self.random_level(&mut rng, side) {
                    let quantity = self.order_quantity(&mut rng, context);
                    changes.set(&mut self.book, side, level.price, quantity);
                }
            }
            for _ in 0..poisson(&mut rng, profile.adds_per_step) {
                self.add_behind_touch(&mut rng, context, &quotes, side, &mut changes);
            }
        }
        self.fill(&mut rng, context, &quotes, &mut changes);
        self.finish(context, changes, trades, top_before)
    }

    /// Levels on the wrong side of the mid are stale quotes; takers pick them off.
    fn take_stale(
        &mut self,
        context: &StepContext<'_>,
        quotes: &Quotes,
        changes: &mut Changes,
        trades: &mut Vec<SimTrade>,
    ) {
        while let Some(ask) = self.book.best_ask().filter(|ask| ask.price <= quotes.mid) {
            self.trade(context, Side::Buy, ask.price, ask.quantity, trades);
            changes.set(&mut self.book, Side::Sell, ask.price, Decimal::ZERO);
        }
        while let Some(bid) = self.book.best_bid().filter(|bid| bid.price >= quotes.mid) {
            self.trade(context, Side::Sell, bid.price, bid.quantity, trades);
            changes.set(&mut self.book, Side::Buy, bid.price, Decimal::ZERO);
        }
    }

    /// Keeps a level at the touch and at least the profile's minimum of levels per side,
    /// then trims the far end to its maximum.
    fn fill(
        &mut self,
        rng: &mut ChaCha8Rng,
        context: &StepContext<'_>,
        quotes: &Quotes,
        changes: &mut Changes,
    ) {
        let profile = context.profile;
        for side in [Side::Buy, Side::Sell] {
            let touch = quotes.limit(side);
            let drifted = match self.book.side(side).next() {
                None => true,
                Some(best) => (best.price - touch).abs() > quotes.half_spread * Decimal::TWO,
            };
            if drifted {
                let quantity = self.order_quantity(rng, context);
                changes.set(&mut self.book, side, touch, quantity);
            }
            let mut attempts = 0;
            while self.book.side(side).len() < profile.min_levels
                && attempts < 10 * profile.min_levels
            {
                self.add_behind_touch(rng, context, quotes, side, changes);
                attempts += 1;
            }
            while self.book.side(side).len() > profile.max_levels.max(1) {
                if let Some(worst) = self.book.side(side).last().copied() {
                    changes.set(&mut self.book, side, worst.price, Decimal::ZERO);
                }
            }
        }
    }

    fn add_behind_touch(
        &mut self,
        rng: &mut ChaCha8Rng,
        context: &StepContext<'_>,
        quotes: &Quotes,
        side: Side,
        changes: &mut Changes,
    ) {
        let mean_bps = context.profile.depth_bps.max(0.1);
        let distance_bps = Exp::new(1.0 / mean_bps).map_or(mean_bps, |exp| exp.sample(rng));
        let Some(distance) = to_decimal(distance_bps / 10_000.0) else {
            return;
        };
        let tick = self.instrument.tick_size;
        let price = match side {
            Side::Buy => floor_to(quotes.bid_limit * (Decimal::ONE - distance), tick),
            Side::Sell => ceil_to(quotes.ask_limit * (Decimal::ONE + distance), tick),
        };
        if price <= Decimal::ZERO {
            return;
        }
        let resting = self
            .book
            .side(side)
            .find(|level| level.price == price)
            .map_or(Decimal::ZERO, |level| level.quantity);
        let quantity = resting + self.order_quantity(rng, context);
        changes.set(&mut self.book, side, price, quantity);
    }

    fn random_level(&self, rng: &mut ChaCha8Rng, side: Side) -> Option<Level> {
        let count = self.book.side(side).len();
        if count == 0 {
            return None;
        }
        self.book.side(side).nth(rng.gen_range(0..count)).copied()
    }

    /// A log-normal order size around the profile's typical USD size, on the lot.
    fn order_quantity(&self, rng: &mut ChaCha8Rng, context: &StepContext<'_>) -> Decimal {
        let spread: f64 = StandardNormal.sample(rng);
        let usd = context.profile.typical_order_usd * (0.9 * spread).exp();
        let base_units = usd / context.base_usd.max(1e-12);
        let lot = self.instrument.lot_size;
        let quantity = to_decimal(base_units).map_or(lot, |quantity| floor_to(quantity, lot));
        quantity.max(lot).max(self.instrument.min_quantity)
    }

    fn trade(
        &mut self,
        context: &StepContext<'_>,
        taker_side: Side,
        price: Decimal,
        quantity: Decimal,
        trades: &mut Vec<SimTrade>,
    ) {
        if quantity <= Decimal::ZERO {
            return;
        }
        self.trade_id += 1;
        let trade = SimTrade {
            market: context.market,
            step: context.step,
            event_ms: context.event_ms,
            trade_id: self.trade_id,
            price,
            quantity,
            taker_side,
        };
        self.stats.record(&trade);
        if self.recent_trades.len() == RECENT_TRADES {
            self.recent_trades.pop_front();
        }
        self.recent_trades.push_back(trade.clone());
        trades.push(trade);
    }

    fn finish(
        &mut self,
        context: &StepContext<'_>,
        changes: Changes,
        trades: Vec<SimTrade>,
        top_before: (Option<Level>, Option<Level>),
    ) -> Vec<SimEvent> {
        let previous_id = self.update_id;
        self.update_id += i64::try_from(changes.len()).unwrap_or(i64::MAX - previous_id);
        let traded = !trades.is_empty();
        let mut events: Vec<SimEvent> = trades.into_iter().map(SimEvent::Trade).collect();
        let (bids, asks) = changes.into_levels();
        events.push(SimEvent::Book(BookChange {
            market: context.market,
            step: context.step,
            event_ms: context.event_ms,
            previous_id,
            last_id: self.update_id,
            bids,
            asks,
            checksum: None,
        }));
        let top = (self.book.best_bid(), self.book.best_ask());
        if traded || top != top_before {
            events.push(SimEvent::Ticker(SimTicker {
                market: context.market,
                step: context.step,
                event_ms: context.event_ms,
                update_id: self.update_id,
                best_bid: top.0,
                best_ask: top.1,
                stats: self.stats.clone(),
            }));
        }
        events
    }
}

/// The venue's quoting band for a step, on its tick.
struct Quotes {
    mid: Decimal,
    half_spread: Decimal,
    bid_limit: Decimal,
    ask_limit: Decimal,
}

impl Quotes {
    fn new(mid: f64, profile: &VenueProfile, instrument: &SimInstrument) -> Option<Self> {
        let tick = instrument.tick_size;
        let mid = to_decimal(mid).filter(|mid| *mid > tick)?;
        let half_spread = to_decimal(profile.half_spread_bps / 10_000.0)
            .map_or(tick, |fraction| mid * fraction)
            .max(tick);
        let bid_limit = floor_to(mid - half_spread, tick);
        let ask_limit = ceil_to(mid + half_spread, tick);
        (bid_limit > Decimal::ZERO).then_some(Self {
            mid,
            half_spread,
            bid_limit,
            ask_limit,
        })
    }

    fn limit(&self, side: Side) -> Decimal {
        match side {
            Side::Buy => self.bid_limit,
            Side::Sell => self.ask_limit,
        }
    }
}

/// The levels a step changed, with their final quantities.
#[derive(Default)]
struct Changes {
    bids: BTreeMap<Decimal, Decimal>,
    asks: BTreeMap<Decimal, Decimal>,
}

impl Changes {
    fn set(&mut self, book: &mut OrderBook, side: Side, price: Decimal, quantity: Decimal) {
        let quantity = quantity.max(Decimal::ZERO);
        book.apply(side, price, quantity);
        match side {
            Side::Buy => self.bids.insert(price, quantity),
            Side::Sell => self.asks.insert(price, quantity),
        };
    }

    fn len(&self) -> usize {
        self.bids.len() + self.asks.len()
    }

    /// Bids highest first, asks lowest first.
    fn into_levels(self) -> (Vec<Level>, Vec<Level>) {
        let level = |(price, quantity)| Level::new(price, quantity);
        (
            self.bids.into_iter().rev().map(level).collect(),
            self.asks.into_iter().map(level).collect(),
        )
    }
}

fn poisson(rng: &mut ChaCha8Rng, rate: f64) -> u32 {
    if rate <= 0.0 {
        return 0;
    }
    Poisson::new(rate).map_or(0, |poisson| {
        let count: f64 = poisson.sample(rng);
        count.min(1_000.0) as u32
    })
}

pub(crate) fn to_decimal(value: f64) -> Option<Decimal> {
    Decimal::try_from(value)
        .ok()
        .map(|value| value.round_dp(12))
}

fn floor_to(value: Decimal, step: Decimal) -> Decimal {
    if step <= Decimal::ZERO {
        return value;
    }
    (value / step).floor() * step
}

fn ceil_to(value: Decimal, step: Decimal) -> Decimal {
    if step <= Decimal::ZERO {
        return value;
    }
    (value / step).ceil() * step
}
