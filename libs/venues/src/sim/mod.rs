//! The simulated market: one seeded fair price per asset shared by every venue and every
//! process ([`FairPriceModel`]), and per venue a [`SimVenue`] with its own spread,
//! latency, noise and order flow that speaks the venue's exact wire format, reached
//! through [`SimTransport`] like the live venue. The same seed gives the same fair
//! prices at the same wall time in every process; a venue built at the same step with
//! the same seed gives the same books and messages for the same steps.
mod events;
mod fair;
mod flow;
mod profile;
mod random;
mod stream;
mod transport;
mod venue;
mod wire;

use quorum_domain::Symbol;

pub use events::{BookChange, SessionStats, SimEvent, SimTicker, SimTrade};
pub use fair::{FairPriceModel, SIM_ASSETS, USD_ASSETS};
pub use profile::{SimInstrument, VenueProfile};
pub use stream::{Channel, SimStream};
pub use transport::SimTransport;
pub use venue::{MAX_WALKED_STEPS, SimVenue};

/// Default seed of the simulated market (`QUORUM_SIM_SEED`).
pub const DEFAULT_SEED: u64 = 42;
/// Default length of one step of the market model.
pub const DEFAULT_STEP_MS: i64 = 100;

/// What every simulated venue of one market shares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimConfig {
    /// Processes with the same seed see the same market.
    pub seed: u64,
    /// Length of one step of the model, in milliseconds (at least 1).
    pub step_ms: i64,
    /// Canonical symbols listed on every venue; their assets must be among
    /// [`SIM_ASSETS`] or [`USD_ASSETS`].
    pub symbols: Vec<Symbol>,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            seed: DEFAULT_SEED,
            step_ms: DEFAULT_STEP_MS,
            symbols: default_symbols(),
        }
    }
}

impl SimConfig {
    /// The default market with another seed.
    pub fn with_seed(seed: u64) -> Self {
        Self {
            seed,
            ..Self::default()
        }
    }

    /// Checks what a venue cannot be built without.
    pub fn validate(&self) -> Result<(), SimError> {
        if self.step_ms < 1 {
            return Err(SimError::Config(format!(
                "the step must be at least 1 ms, not {}",
                self.step_ms
            )));
        }
        if self.symbols.is_empty() {
            return Err(SimError::Config(
                "list at least one symbol, e.g. BTC-USDT".to_string(),
            ));
        }
        Ok(())
    }
}

/// BTC-USDT, ETH-USDT and ETH-BTC: two outright markets and their cross.
pub fn default_symbols() -> Vec<Symbol> {
    ["BTC-USDT", "ETH-USDT", "ETH-BTC"]
        .into_iter()
        .filter_map(|text| text.parse().ok())
        .collect()
}

/// A simulated market that cannot be built as configured.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SimError {
    #[error(
        "the simulated market cannot price {0}: use assets among BTC, ETH and SOL quoted in \
         USDT, USD, BTC or ETH"
    )]
    Symbol(String),
    #[error("the simulated market is misconfigured: {0}")]
    Config(String),
}

#[cfg(test)]
mod tests;
