//! The rolling window of one (venue, symbol, interval): the last closed candles and the
//! strategy runner fed from them. A candle already seen (the bus delivers at least once)
//! is ignored; intervals without trades, which have no candle, are filled with flat
//! candles; a jump longer than the window starts the window over. When the parameters
//! change, the runner is rebuilt from the candles in the window.
use std::collections::VecDeque;

use quorum_domain::Candle;
use quorum_strategies::series::{SeriesName, fill_gaps, flat_candle, to_bar};
use quorum_strategies::{Context, Params, Runner, Signal, Strategy};

/// What one candle did to the window.
#[derive(Debug, Clone, PartialEq)]
pub enum Pushed {
    /// The signal as of this candle's close.
    Signal(Box<Signal>),
    /// Not after the last candle seen: a repeat, ignored.
    Repeat,
}

pub struct Window {
    context: Context,
    candles: VecDeque<Candle>,
    /// Candles kept at least (the strategy's warm-up is added when larger).
    capacity: usize,
    runner: Option<Runner>,
}

impl Window {
    pub fn new(context: Context, capacity: usize) -> Self {
        Self {
            context,
            candles: VecDeque::with_capacity(capacity.min(4096)),
            capacity: capacity.max(1),
            runner: None,
        }
    }

    /// History read before the first live candle (oldest first, gaps allowed). Used
    /// only while the window is empty; what does not fit or is malformed is left out.
    pub fn seed(&mut self, history: &[Candle]) {
        if !self.candles.is_empty() {
            return;
        }
        let usable: Vec<Candle> = history
            .iter()
            .filter(|candle| to_bar(candle, SeriesName::Main, 0).is_ok())
            .cloned()
            .collect();
        let Some(filled) = fill_gaps(&usable, self.context.interval_ms, self.capacity) else {
            tracing::warn!(symbol = %self.context.symbol, "backfilled candles are out of order; starting empty");
            return;
        };
        let skip = filled.len().saturating_sub(self.capacity);
        self.candles.extend(filled.into_iter().skip(skip));
        self.runner = None;
    }

    pub fn len(&self) -> usize {
        self.candles.len()
    }

    pub fn is_empty(&self) -> bool {
        self.candles.is_empty()
    }

    /// Adds a closed candle and returns the signal as of its close. A candle with bad
    /// values is an error and changes nothing.
    pub fn push(
        &mut self,
        candle: Candle,
        strategy: &dyn Strategy,
        params: &Params,
    ) -> Result<Pushed, String> {
        to_bar(&candle, SeriesName::Main, 0).map_err(|error| error.to_string())?;
        let interval = self.context.interval_ms;
        let capacity = self.capacity_for(strategy, params);
        let mut fresh = Vec::new();
        if let Some(last) = self.candles.back() {
            let step = candle.open_time_ms.saturating_sub(last.open_time_ms);
            if step <= 0 {
                return Ok(Pushed::Repeat);
            }
            let missing = step / interval - 1;
            if step % interval != 0 || missing as usize >= capacity {
                tracing::info!(symbol = %self.context.symbol, step, "candle far from the window or off its grid; starting the window over");
                self.candles.clear();
                self.runner = None;
            } else {
                fresh.extend(
                    (1..=missing)
                        .map(|slot| flat_candle(last, last.open_time_ms + slot * interval)),
                );
            }
        }
        fresh.push(candle);
        let mut runner = match self.runner.take() {
            Some(runner) if runner.params_version() == params.version() => runner,
            _ => self.rebuild(strategy, params)?,
        };
        let mut last_signal = None;
        for candle in fresh {
            let signal = runner.push(&candle).map_err(|error| error.to_string())?;
            self.candles.push_back(candle);
            last_signal = Some(signal);
        }
        while self.candles.len() > capacity {
            self.candles.pop_front();
        }
        self.runner = Some(runner);
        last_signal
            .map(|signal| Pushed::Signal(Box::new(signal)))
            .ok_or_else(|| "no candle was pushed".to_string())
    }

    /// A runner fed every candle in the window.
    fn rebuild(&self, strategy: &dyn Strategy, params: &Params) -> Result<Runner, String> {
        let mut runner = Runner::new(strategy, params, self.context.clone())
            .map_err(|error| error.to_string())?;
        for candle in &self.candles {
            runner.push(candle).map_err(|error| error.to_string())?;
        }
        Ok(runner)
    }

    fn capacity_for(&self, strategy: &dyn Strategy, params: &Params) -> usize {
        let warm_up = strategy.warm_up(params).unwrap_or(0);
        self.capacity.max(warm_up + 1)
    }
}

#[cfg(test)]
mod tests;
