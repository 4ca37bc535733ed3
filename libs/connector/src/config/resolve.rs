//! Checking the configured values and resolving defaults into [`Settings`]; every
//! refusal names its variable.
use std::time::Duration;

use quorum_bus::BusArgs;
use quorum_domain::{Decimal, Symbol, Venue};
use quorum_kit::ConfigError;
use quorum_store::DatabaseArgs;
use quorum_venues::Credentials;

use super::{
    DefaultEndpoints, MarketArgs, MarketSource, SYMBOLS_VARIABLE, Settings, Source, TradingMode,
    VenueArgs, venue_variables,
};

/// The database and the bus, which every connector needs.
#[derive(Debug, Clone, Copy)]
pub(super) struct Services<'a> {
    pub database: &'a DatabaseArgs,
    pub bus: &'a BusArgs,
}

pub(super) fn settings(
    venue: Venue,
    market: &MarketArgs,
    venue_args: &VenueArgs,
    services: Services<'_>,
    endpoints: DefaultEndpoints,
) -> Result<Settings, ConfigError> {
    services.database.check()?;
    services.bus.check()?;
    let names = venue_variables(venue);
    let source = match market.market_source {
        MarketSource::Sim => Source::Sim {
            seed: market.sim_seed,
        },
        MarketSource::Live => Source::Live,
        MarketSource::Replay => replay_source(market)?,
    };
    if market.book_snapshot_secs == 0 {
        return Err(ConfigError::new(
            "QUORUM_BOOK_SNAPSHOT_SECS",
            "must be at least 1",
        ));
    }
    let rest_url = url_setting(
        names.rest_url,
        venue_args.rest_url.as_deref(),
        endpoints.rest_url,
        &["http://", "https://"],
    )?;
    let ws_url = url_setting(
        names.ws_url,
        venue_args.ws_url.as_deref(),
        endpoints.ws_url,
        &["ws://", "wss://"],
    )?;
    let credentials = credentials(venue, venue_args)?;
    if market.trading_mode == TradingMode::Live {
        if credentials.is_none() {
            return Err(ConfigError::new(
                names.api_key,
                format!(
                    "must be set, with {}, when QUORUM_TRADING_MODE=live; without credentials use QUORUM_TRADING_MODE=paper",
                    names.api_secret
                ),
            ));
        }
        if market.market_source != MarketSource::Live {
            return Err(ConfigError::new(
                "QUORUM_MARKET_SOURCE",
                "must be live when QUORUM_TRADING_MODE=live: real orders against a simulated or recorded book would be blind",
            ));
        }
    }
    let symbols = parse_symbols(&venue_args.symbols)?;
    let paper_balances = match &market.paper_balances {
        Some(text) => parse_balances(text)?,
        None => default_balances(&symbols),
    };
    Ok(Settings {
        venue,
        source,
        trading_mode: market.trading_mode,
        symbols,
        paper_balances,
        book_snapshot_interval: Duration::from_secs(market.book_snapshot_secs),
        rest_url,
        ws_url,
        credentials,
        database: services.database.clone(),
        bus: services.bus.clone(),
        record_path: market
            .record_path
            .clone()
            .filter(|path| !path.as_os_str().is_empty()),
    })
}

fn replay_source(market: &MarketArgs) -> Result<Source, ConfigError> {
    let path = market.replay_path.clone().ok_or_else(|| {
        ConfigError::new(
            "QUORUM_REPLAY_PATH",
            "must be set when QUORUM_MARKET_SOURCE=replay (a recorded session file)",
        )
    })?;
    if !path.is_file() {
        return Err(ConfigError::new(
            "QUORUM_REPLAY_PATH",
            format!("{} is not a readable file", path.display()),
        ));
    }
    let speed = market.replay_speed;
    if !speed.is_finite() || speed < 0.0 {
        return Err(ConfigError::new(
            "QUORUM_REPLAY_SPEED",
            "must be 0 (as fast as possible) or a positive factor such as 1 or 10",
        ));
    }
    Ok(Source::Replay { path, speed })
}

fn url_setting(
    variable: &str,
    given: Option<&str>,
    default: &str,
    schemes: &[&str],
) -> Result<String, ConfigError> {
    let url = given
        .map(str::trim)
        .filter(|url| !url.is_empty())
        .unwrap_or(default)
        .trim_end_matches('/')
        .to_string();
    if !schemes.iter().any(|scheme| url.starts_with(scheme)) || url.contains(char::is_whitespace) {
        return Err(ConfigError::new(
            variable,
            format!(
                "'{url}' must be a URL starting with {}",
                schemes.join(" or ")
            ),
        ));
    }
    Ok(url)
}

fn credentials(venue: Venue, args: &VenueArgs) -> Result<Option<Credentials>, ConfigError> {
    let names = venue_variables(venue);
    let present = |value: &Option<String>| {
        value
            .as_deref()
            .map(str::trim)
            .filter(|text| !text.is_empty())
            .map(str::to_string)
    };
    let (key, secret) = match (present(&args.api_key), present(&args.api_secret)) {
        (None, None) => return Ok(None),
        (Some(key), Some(secret)) => (key, secret),
        (Some(_), None) => {
            return Err(ConfigError::new(
                names.api_secret,
                format!("must be set when {} is", names.api_key),
            ));
        }
        (None, Some(_)) => {
            return Err(ConfigError::new(
                names.api_key,
                format!("must be set when {} is", names.api_secret),
            ));
        }
    };
    let passphrase = present(&args.api_passphrase).unwrap_or_default();
    if venue == Venue::Okx && passphrase.is_empty() {
        return Err(ConfigError::new(
            names.api_passphrase,
            "must be set with the OKX API key (OKX signs every request with it)",
        ));
    }
    Ok(Some(Credentials {
        key,
        secret,
        passphrase,
    }))
}

/// `QUORUM_SYMBOLS`: canonical symbols separated by commas, repeats removed.
pub fn parse_symbols(text: &str) -> Result<Vec<Symbol>, ConfigError> {
    let mut symbols: Vec<Symbol> = Vec::new();
    for item in text
        .split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
    {
        let symbol = item
            .parse::<Symbol>()
            .map_err(|error| ConfigError::new(SYMBOLS_VARIABLE, error.to_string()))?;
        if !symbols.contains(&symbol) {
            symbols.push(symbol);
        }
    }
    if symbols.is_empty() {
        return Err(ConfigError::new(
            SYMBOLS_VARIABLE,
            "must name at least one symbol, e.g. BTC-USDT",
        ));
    }
    Ok(symbols)
}

/// Starting paper balances when none are configured.
const DEFAULT_BALANCES: [(&str, u32); 4] =
    [("USDT", 100_000), ("USD", 100_000), ("BTC", 2), ("ETH", 20)];

/// The default balances of the assets `symbols` trade, so that an account holds nothing
/// the venue does not list (and that no mark could value).
fn default_balances(symbols: &[Symbol]) -> Vec<(String, Decimal)> {
    DEFAULT_BALANCES
        .iter()
        .filter(|(asset, _)| {
            symbols
                .iter()
                .any(|symbol| symbol.base() == *asset || symbol.quote() == *asset)
        })
        .map(|(asset, amount)| (asset.to_string(), Decimal::from(*amount)))
        .collect()
}

/// `QUORUM_PAPER_BALANCES`: `ASSET=amount` pairs separated by commas.
pub fn parse_balances(text: &str) -> Result<Vec<(String, Decimal)>, ConfigError> {
    const VARIABLE: &str = "QUORUM_PAPER_BALANCES";
    let mut balances: Vec<(String, Decimal)> = Vec::new();
    for item in text
        .split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
    {
        let bad = |problem: &str| ConfigError::new(VARIABLE, format!("'{item}' {problem}"));
        let (asset, amount) = item
            .split_once('=')
            .ok_or_else(|| bad("is not ASSET=amount, e.g. USDT=100000"))?;
        let asset = asset.trim().to_ascii_uppercase();
        if asset.is_empty() || asset.len() > 20 || !asset.chars().all(|c| c.is_ascii_alphanumeric())
        {
            return Err(bad("has no asset name of letters and digits"));
        }
        let amount: Decimal = amount
            .trim()
            .parse()
            .map_err(|_| bad("has an amount that is not a decimal number"))?;
        if amount < Decimal::ZERO {
            return Err(bad("has a negative amount"));
        }
        if balances.iter().any(|(known, _)| *known == asset) {
            return Err(bad("repeats an asset"));
        }
        balances.push((asset, amount));
    }
    Ok(balances)
}
