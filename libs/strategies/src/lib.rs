//! Trading strategies as pure, deterministic code without I/O: the signal services run
//! them on live candles and the backtester runs the very same code in-process.
//!
//! A [`Strategy`] declares its parameters ([`ParamSpec`]) and builds the per-series
//! state a [`Runner`] feeds one closed candle at a time; [`evaluate`] feeds a fresh
//! runner, so both give the same [`Signal`]. Candles arrive as exact decimals
//! (`quorum_domain::Candle`) and become `f64` bars at the edge ([`series`]).
pub mod breakout;
pub mod mean_reversion;
pub mod momentum;
mod pairs;
pub mod params;
pub mod series;
pub mod signal;
pub mod strategy;
#[cfg(test)]
mod testing;

pub use breakout::Breakout;
pub use mean_reversion::MeanReversion;
pub use momentum::Momentum;
pub use params::{Param, ParamError, ParamSpec, Params};
pub use series::{InputError, SeriesName};
pub use signal::{Assessment, Direction, Fact, Signal};
pub use strategy::{Context, Core, EvaluateError, Runner, SetupError, Strategy, evaluate};

/// Every strategy of this crate, by name.
pub fn by_name(name: &str) -> Option<&'static dyn Strategy> {
    let strategies: [&'static dyn Strategy; 3] = [&Momentum, &MeanReversion, &Breakout];
    strategies
        .into_iter()
        .find(|strategy| strategy.name() == name)
}
