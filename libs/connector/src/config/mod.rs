//! Connector settings from the environment: market source, trading mode, symbols, paper
//! balances, and the venue's URLs and credentials under the venue's own variable prefix.
use std::marker::PhantomData;
use std::path::PathBuf;
use std::time::Duration;

use quorum_bus::BusArgs;
use quorum_domain::{Decimal, Symbol, Venue};
use quorum_kit::ConfigError;
use quorum_store::DatabaseArgs;
use quorum_venues::{Credentials, VenueProtocol};

mod args;
mod resolve;

pub use resolve::{parse_balances, parse_symbols};

/// The variable that lists the symbols to track.
pub const SYMBOLS_VARIABLE: &str = "QUORUM_SYMBOLS";

/// Where market data comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum MarketSource {
    /// A seeded synthetic market: the whole stack runs offline.
    Sim,
    /// A recorded session in the venue's own wire format.
    Replay,
    /// The venue's real endpoints.
    Live,
}

impl MarketSource {
    pub fn as_str(self) -> &'static str {
        match self {
            MarketSource::Sim => "sim",
            MarketSource::Replay => "replay",
            MarketSource::Live => "live",
        }
    }
}

/// How orders execute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TradingMode {
    /// Simulated fills against the synced book, with the venue's fees.
    Paper,
    /// Signed requests to the venue.
    Live,
}

impl TradingMode {
    pub fn as_str(self) -> &'static str {
        match self {
            TradingMode::Paper => "paper",
            TradingMode::Live => "live",
        }
    }
}

/// Ties a service crate to its venue, so its `--help` lists the venue's own variables.
pub trait VenueEnv: Send + Sync + 'static {
    const VENUE: Venue;
}

/// binance-api.
#[derive(Debug)]
pub struct BinanceEnv;
/// coinbase-api.
#[derive(Debug)]
pub struct CoinbaseEnv;
/// okx-api.
#[derive(Debug)]
pub struct OkxEnv;
/// gate-io-api.
#[derive(Debug)]
pub struct GateioEnv;

/// Default of `QUORUM_SYMBOLS`: two outright markets and their cross, listed on every venue.
pub const DEFAULT_SYMBOLS: &str = "BTC-USDT,ETH-USDT,ETH-BTC";

impl VenueEnv for BinanceEnv {
    const VENUE: Venue = Venue::Binance;
}
impl VenueEnv for CoinbaseEnv {
    const VENUE: Venue = Venue::Coinbase;
}
impl VenueEnv for OkxEnv {
    const VENUE: Venue = Venue::Okx;
}
impl VenueEnv for GateioEnv {
    const VENUE: Venue = Venue::Gateio;
}

/// Settings shared by every connector, whatever the venue.
#[derive(Debug, Clone, clap::Args)]
pub struct MarketArgs {
    /// Market data source: `sim` (seeded synthetic market), `replay` (a recorded
    /// session) or `live` (the venue).
    #[arg(long, env = "QUORUM_MARKET_SOURCE", value_enum, default_value = "sim")]
    pub market_source: MarketSource,
    /// Order execution: `paper` (simulated fills) or `live` (signed venue orders; needs
    /// QUORUM_MARKET_SOURCE=live and the venue's API key and secret).
    #[arg(long, env = "QUORUM_TRADING_MODE", value_enum, default_value = "paper")]
    pub trading_mode: TradingMode,
    /// Seed of the simulated market; connectors with the same seed see the same market.
    #[arg(long, env = "QUORUM_SIM_SEED", default_value_t = 42)]
    pub sim_seed: u64,
    /// Recorded session (JSON Lines) played when QUORUM_MARKET_SOURCE=replay.
    #[arg(long, env = "QUORUM_REPLAY_PATH")]
    pub replay_path: Option<PathBuf>,
    /// Replay speed: 1 plays the recorded pace, 10 ten times faster, 0 as fast as possible.
    #[arg(long, env = "QUORUM_REPLAY_SPEED", default_value_t = 1.0)]
    pub replay_speed: f64,
    /// Records the session, every REST answer and stream message as received, to this
    /// JSON Lines file (the replay format); appends when it exists. Empty: no recording.
    #[arg(long, env = "QUORUM_RECORD_PATH")]
    pub record_path: Option<PathBuf>,
    /// Starting balances of every paper account, ASSET=amount separated by commas.
    /// Unset: those of USDT=100000, USD=100000, BTC=2, ETH=20 whose asset the
    /// connector's symbols trade.
    #[arg(long, env = "QUORUM_PAPER_BALANCES")]
    pub paper_balances: Option<String>,
    /// Seconds between full book snapshots published for late consumers.
    #[arg(long, env = "QUORUM_BOOK_SNAPSHOT_SECS", default_value_t = 10)]
    pub book_snapshot_secs: u64,
}

impl Default for MarketArgs {
    fn default() -> Self {
        Self {
            market_source: MarketSource::Sim,
            trading_mode: TradingMode::Paper,
            sim_seed: 42,
            replay_path: None,
            replay_speed: 1.0,
            record_path: None,
            paper_balances: None,
            book_snapshot_secs: 10,
        }
    }
}

/// The venue's own settings: symbols, endpoints and credentials.
#[derive(Debug, Clone, Default)]
pub struct VenueArgs {
    pub symbols: String,
    pub rest_url: Option<String>,
    pub ws_url: Option<String>,
    pub api_key: Option<String>,
    pub api_secret: Option<String>,
    pub api_passphrase: Option<String>,
}

/// Everything a connector service reads from its environment, for venue `V`.
#[derive(Debug, Clone)]
pub struct Config<V> {
    pub market: MarketArgs,
    pub venue: VenueArgs,
    /// Paper state and the outbox of order events and fills.
    pub database: DatabaseArgs,
    pub bus: BusArgs,
    marker: PhantomData<fn() -> V>,
}

impl<V: VenueEnv> Config<V> {
    /// Defaults for everything but the two URLs (tests and tools).
    pub fn new(database_url: impl Into<String>, redis_url: impl Into<String>) -> Self {
        Self {
            market: MarketArgs::default(),
            venue: VenueArgs {
                symbols: DEFAULT_SYMBOLS.into(),
                ..VenueArgs::default()
            },
            database: DatabaseArgs::new(database_url),
            bus: BusArgs::new(redis_url),
            marker: PhantomData,
        }
    }

    /// Checks every value and resolves defaults from the venue protocol. A bad value is
    /// a [`ConfigError`] naming its variable (the kit exits 64 with it).
    pub fn settings(&self, protocol: &dyn VenueProtocol) -> Result<Settings, ConfigError> {
        if protocol.venue() != V::VENUE {
            return Err(ConfigError::new(
                "venue",
                format!(
                    "the {} service was given the {} protocol",
                    V::VENUE,
                    protocol.venue()
                ),
            ));
        }
        let endpoints = DefaultEndpoints {
            rest_url: protocol.default_rest_url(),
            ws_url: protocol.default_ws_url(),
        };
        self.resolve(endpoints)
    }

    /// [`Config::settings`] with the venue's public endpoints given.
    pub(crate) fn resolve(&self, endpoints: DefaultEndpoints) -> Result<Settings, ConfigError> {
        let services = resolve::Services {
            database: &self.database,
            bus: &self.bus,
        };
        resolve::settings(V::VENUE, &self.market, &self.venue, services, endpoints)
    }
}

/// Checked settings of a running connector.
#[derive(Debug, Clone)]
pub struct Settings {
    pub venue: Venue,
    pub source: Source,
    pub trading_mode: TradingMode,
    pub symbols: Vec<Symbol>,
    pub paper_balances: Vec<(String, Decimal)>,
    pub book_snapshot_interval: Duration,
    pub rest_url: String,
    pub ws_url: String,
    pub credentials: Option<Credentials>,
    pub database: DatabaseArgs,
    pub bus: BusArgs,
    /// Where the session is recorded, if anywhere.
    pub record_path: Option<PathBuf>,
}

/// The market source with what it needs.
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    Sim { seed: u64 },
    Replay { path: PathBuf, speed: f64 },
    Live,
}

impl Source {
    pub fn kind(&self) -> MarketSource {
        match self {
            Source::Sim { .. } => MarketSource::Sim,
            Source::Replay { .. } => MarketSource::Replay,
            Source::Live => MarketSource::Live,
        }
    }
}

/// The venue's public endpoints, used when its URL variables are unset.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DefaultEndpoints {
    pub rest_url: &'static str,
    pub ws_url: &'static str,
}

/// The environment variable names of one venue.
#[derive(Debug, Clone, Copy)]
pub struct VenueVariables {
    pub rest_url: &'static str,
    pub ws_url: &'static str,
    pub api_key: &'static str,
    pub api_secret: &'static str,
    pub api_passphrase: &'static str,
}

macro_rules! venue_variables {
    ($prefix:literal) => {
        VenueVariables {
            rest_url: concat!($prefix, "_REST_URL"),
            ws_url: concat!($prefix, "_WS_URL"),
            api_key: concat!($prefix, "_API_KEY"),
            api_secret: concat!($prefix, "_API_SECRET"),
            api_passphrase: concat!($prefix, "_API_PASSPHRASE"),
        }
    };
}

/// `<PREFIX>_REST_URL` and the others, PREFIX being [`Venue::env_prefix`].
pub fn venue_variables(venue: Venue) -> VenueVariables {
    match venue {
        Venue::Binance => venue_variables!("BINANCE"),
        Venue::Coinbase => venue_variables!("COINBASE"),
        Venue::Okx => venue_variables!("OKX"),
        Venue::Gateio => venue_variables!("GATEIO"),
    }
}

#[cfg(test)]
mod tests;
