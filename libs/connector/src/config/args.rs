//! The clap side of [`Config`]: the shared arguments plus the venue's own, whose
//! variable names carry the venue's prefix, so each service's `--help` lists them.
use std::marker::PhantomData;

use clap::{Arg, ArgMatches, Args, Command, FromArgMatches};
use quorum_bus::BusArgs;
use quorum_store::DatabaseArgs;

use super::{
    Config, DEFAULT_SYMBOLS, MarketArgs, SYMBOLS_VARIABLE, VenueArgs, VenueEnv, venue_variables,
};

const ID_SYMBOLS: &str = "venue_symbols";
const ID_REST: &str = "venue_rest_url";
const ID_WS: &str = "venue_ws_url";
const ID_KEY: &str = "venue_api_key";
const ID_SECRET: &str = "venue_api_secret";
const ID_PASSPHRASE: &str = "venue_api_passphrase";

impl<V: VenueEnv> FromArgMatches for Config<V> {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        let text = |id: &str| matches.get_one::<String>(id).cloned();
        Ok(Self {
            market: MarketArgs::from_arg_matches(matches)?,
            database: DatabaseArgs::from_arg_matches(matches)?,
            bus: BusArgs::from_arg_matches(matches)?,
            venue: VenueArgs {
                symbols: text(ID_SYMBOLS).unwrap_or_else(|| DEFAULT_SYMBOLS.into()),
                rest_url: text(ID_REST),
                ws_url: text(ID_WS),
                api_key: text(ID_KEY),
                api_secret: text(ID_SECRET),
                api_passphrase: text(ID_PASSPHRASE),
            },
            marker: PhantomData,
        })
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(matches)?;
        Ok(())
    }
}

impl<V: VenueEnv> Args for Config<V> {
    fn augment_args(command: Command) -> Command {
        let command = MarketArgs::augment_args(command);
        let command = BusArgs::augment_args(DatabaseArgs::augment_args(command));
        let venue = V::VENUE;
        let names = venue_variables(venue);
        let text_arg = |id: &'static str, long: &'static str, env: &'static str, help: String| {
            Arg::new(id).long(long).env(env).help(help)
        };
        command
            .arg(
                text_arg(
                    ID_SYMBOLS,
                    "symbols",
                    SYMBOLS_VARIABLE,
                    format!("Canonical symbols to track on {venue}, separated by commas"),
                )
                .default_value(DEFAULT_SYMBOLS),
            )
            .arg(text_arg(
                ID_REST,
                "rest-url",
                names.rest_url,
                format!("REST base URL of {venue}; unset: the venue's public endpoint"),
            ))
            .arg(text_arg(
                ID_WS,
                "ws-url",
                names.ws_url,
                format!(
                    "WebSocket URL of {venue}'s market stream; unset: the venue's public endpoint"
                ),
            ))
            .arg(
                text_arg(
                    ID_KEY,
                    "api-key",
                    names.api_key,
                    format!("{venue} API key (key name on Coinbase); needed for live trading"),
                )
                .hide_env_values(true),
            )
            .arg(
                text_arg(
                    ID_SECRET,
                    "api-secret",
                    names.api_secret,
                    format!("{venue} API secret (the EC private key in PEM on Coinbase)"),
                )
                .hide_env_values(true),
            )
            .arg(
                text_arg(
                    ID_PASSPHRASE,
                    "api-passphrase",
                    names.api_passphrase,
                    format!("{venue} API passphrase (OKX only)"),
                )
                .hide_env_values(true),
            )
    }

    fn augment_args_for_update(command: Command) -> Command {
        Self::augment_args(command)
    }
}
