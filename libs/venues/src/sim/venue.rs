//! A simulated venue: its markets and books with the venue's own update ids, moved step
//! by step, and written out exactly as the real venue would send them: instrument
//! lists, REST snapshots, subscribe answers and stream messages.
use quorum_domain::{Symbol, Venue};
use quorum_quant::book::OrderBook;

use super::events::SimEvent;
use super::fair::FairPriceModel;
use super::flow::{SimMarket, StepContext};
use super::profile::{SimInstrument, VenueProfile};
use super::random::text_tag;
use super::stream::{Channel, SimStream};
use super::wire;
use super::{SimConfig, SimError};
use crate::{RestRequest, RestResponse};

/// Beyond this many steps behind, a venue rebuilds its books in one change instead of
/// walking every step (a process paused for minutes must not stall catching up).
pub const MAX_WALKED_STEPS: i64 = 3_000;

/// One simulated venue.
#[derive(Debug, Clone)]
pub struct SimVenue {
    venue: Venue,
    config: SimConfig,
    model: FairPriceModel,
    profile: VenueProfile,
    markets: Vec<SimMarket>,
    step: i64,
    venue_tag: u64,
}

impl SimVenue {
    /// The venue with its books built at `start_step` (see [`FairPriceModel::step_at`]).
    pub fn new(venue: Venue, config: SimConfig, start_step: i64) -> Result<Self, SimError> {
        config.validate()?;
        let model = FairPriceModel::new(config.seed, config.step_ms);
        let profile = VenueProfile::of(venue);
        let venue_tag = text_tag(venue.as_str());
        let opened_at_ms = start_step.saturating_mul(config.step_ms);
        let mut markets = Vec::with_capacity(config.symbols.len());
        for symbol in &config.symbols {
            let instrument = SimInstrument::new(venue, symbol, &model)?;
            if let Some(earlier) = markets.iter().find(|market: &&SimMarket| {
                market.instrument.venue_symbol == instrument.venue_symbol
            }) {
                return Err(SimError::Config(format!(
                    "{} and {symbol} are the same market on {venue} ({}): list one of them",
                    earlier.instrument.symbol, instrument.venue_symbol
                )));
            }
            markets.push(SimMarket::new(
                instrument,
                config.seed,
                venue_tag,
                opened_at_ms,
            ));
        }
        let mut sim = Self {
            venue,
            config,
            model,
            profile,
            markets,
            step: start_step,
            venue_tag,
        };
        for index in 0..sim.markets.len() {
            sim.run_market(index, start_step, Run::Build);
        }
        Ok(sim)
    }

    pub fn venue(&self) -> Venue {
        self.venue
    }

    pub fn config(&self) -> &SimConfig {
        &self.config
    }

    pub fn model(&self) -> &FairPriceModel {
        &self.model
    }

    pub fn profile(&self) -> &VenueProfile {
        &self.profile
    }

    /// The last step the venue has run.
    pub fn step(&self) -> i64 {
        self.step
    }

    /// Wall-clock time of the last step run.
    pub fn now_ms(&self) -> i64 {
        self.step.saturating_mul(self.config.step_ms)
    }

    pub fn instruments(&self) -> impl ExactSizeIterator<Item = &SimInstrument> + '_ {
        self.markets.iter().map(|market| &market.instrument)
    }

    /// The venue's book of a configured symbol.
    pub fn book(&self, symbol: &Symbol) -> Option<&OrderBook> {
        self.market_index(symbol)
            .map(|index| &self.markets[index].book)
    }

    /// The venue's book by the venue's own name for the symbol, in any case.
    pub fn book_by_venue_symbol(&self, venue_symbol: &str) -> Option<&OrderBook> {
        self.market_by_venue_symbol(venue_symbol)
            .map(|index| &self.markets[index].book)
    }

    /// The book's current update id (Binance `lastUpdateId`, OKX `seqId`, Gate.io `id`).
    pub fn update_id(&self, symbol: &Symbol) -> Option<i64> {
        self.market_index(symbol)
            .map(|index| self.markets[index].update_id)
    }

    /// Runs every step up to `step` and returns what the venue published, in order.
    /// Steps already run are not run again.
    pub fn advance_to(&mut self, step: i64) -> Vec<SimEvent> {
        let mut events = Vec::new();
        if step <= self.step {
            return events;
        }
        if step - self.step > MAX_WALKED_STEPS {
            self.step = step;
            for index in 0..self.markets.len() {
                events.extend(self.run_market(index, step, Run::Rebuild));
            }
            return events;
        }
        while self.step < step {
            self.step += 1;
            for index in 0..self.markets.len() {
                events.extend(self.run_market(index, self.step, Run::Step));
            }
        }
        events
    }

    /// Runs `steps` more steps.
    pub fn advance(&mut self, steps: u32) -> Vec<SimEvent> {
        self.advance_to(self.step.saturating_add(i64::from(steps)))
    }

    /// Answers a REST request as the venue would; order requests are refused (the sim
    /// never executes orders) and unknown paths get the venue's 404.
    pub fn respond(&self, request: &RestRequest) -> RestResponse {
        wire::respond(self, request)
    }

    /// A stream with nothing subscribed, as after the WebSocket handshake.
    pub fn open_stream(&self) -> SimStream {
        SimStream::new(self.venue, self.config.seed, self.now_ms())
    }

    /// A stream subscribed to the book and trades of every market from the current step
    /// (what a connector subscribes), without the subscribe exchange.
    pub fn stream_all(&self) -> SimStream {
        let mut stream = self.open_stream();
        for (index, market) in self.markets.iter().enumerate() {
            for channel in [Channel::Book, Channel::Trades] {
                let name = wire::channel_name(self.venue, channel, market);
                stream.subscribe(channel, Some(index), self.step, name);
            }
        }
        if let Some(market) = self
            .markets
            .first()
            .filter(|_| self.venue == Venue::Coinbase)
        {
            let name = wire::channel_name(self.venue, Channel::Heartbeats, market);
            stream.subscribe(Channel::Heartbeats, None, self.step, name);
        }
        stream
    }

    /// Reads a message the client sent (subscribe, unsubscribe, ping) and returns the
    /// venue's answers: acks, stream snapshots (OKX books, Coinbase level2), pongs or
    /// the venue's error message.
    pub fn receive(&self, stream: &mut SimStream, text: &str) -> Vec<String> {
        wire::receive(self, stream, text)
    }

    /// The messages `event` makes on `stream`: none when the stream did not subscribe to
    /// it (or subscribed after it happened).
    pub fn encode(&self, stream: &mut SimStream, event: &SimEvent) -> Vec<String> {
        wire::encode(self, stream, event)
    }

    /// Encodes events in order.
    pub fn encode_all(&self, stream: &mut SimStream, events: &[SimEvent]) -> Vec<String> {
        events
            .iter()
            .flat_map(|event| self.encode(stream, event))
            .collect()
    }

    pub(crate) fn markets(&self) -> &[SimMarket] {
        &self.markets
    }

    pub(crate) fn market_index(&self, symbol: &Symbol) -> Option<usize> {
        self.markets
            .iter()
            .position(|market| &market.instrument.symbol == symbol)
            .or_else(|| self.market_by_venue_symbol(symbol.as_str()))
    }

    pub(crate) fn market_by_venue_symbol(&self, venue_symbol: &str) -> Option<usize> {
        self.markets.iter().position(|market| {
            market
                .instrument
                .venue_symbol
                .eq_ignore_ascii_case(venue_symbol)
        })
    }

    /// Runs one market through a step; the OKX book changes get the book's checksum.
    fn run_market(&mut self, index: usize, step: i64, run: Run) -> Vec<SimEvent> {
        let Self {
            venue,
            config,
            model,
            profile,
            markets,
            venue_tag,
            ..
        } = self;
        let market = &mut markets[index];
        let lag_steps = profile.price_lag_ms / config.step_ms;
        let context = StepContext {
            seed: config.seed,
            venue_tag: *venue_tag,
            market: index,
            step,
            event_ms: step.saturating_mul(config.step_ms),
            fair: model
                .fair_price(&market.instrument.symbol, step.saturating_sub(lag_steps))
                .unwrap_or(0.0),
            base_usd: model
                .usd_price(&market.instrument.base, step)
                .unwrap_or(1.0),
            profile,
        };
        let mut events = match run {
            Run::Build => {
                market.build(&context);
                Vec::new()
            }
            Run::Rebuild => market.rebuild(&context),
            Run::Step => market.step(&context),
        };
        if let Some(checksum) = wire::book_checksum(*venue, market) {
            for event in &mut events {
                if let SimEvent::Book(change) = event {
                    change.checksum = Some(checksum);
                }
            }
        }
        events
    }
}

#[derive(Debug, Clone, Copy)]
enum Run {
    Build,
    Rebuild,
    Step,
}
