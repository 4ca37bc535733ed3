//! The transport behind the configured market source: the seeded simulated market, a
//! recorded session, or the venue's live endpoints. All three speak the venue's own
//! wire format, so the same parser and book sync run on each.
use std::sync::Arc;

use futures::future::BoxFuture;
use quorum_domain::{Symbol, Venue};
use quorum_kit::ConfigError;
use quorum_venues::live::LiveTransport;
use quorum_venues::replay::{RecordingTransport, ReplayOptions, ReplayTransport};
use quorum_venues::sim::{FairPriceModel, SimConfig, SimInstrument, SimTransport};
use quorum_venues::{Connection, RestRequest, RestResponse, Transport, TransportError};

use crate::config::{Settings, Source, venue_variables};

/// Builds the transport, recording it when `QUORUM_RECORD_PATH` is set; a source or a
/// recording that cannot open is a [`ConfigError`].
pub fn transport(settings: &Settings) -> Result<Arc<dyn Transport>, ConfigError> {
    let source = source_transport(settings)?;
    match &settings.record_path {
        None => Ok(source),
        Some(path) => {
            let recording =
                RecordingTransport::create(SharedTransport(source), path).map_err(|error| {
                    ConfigError::new(
                        "QUORUM_RECORD_PATH",
                        format!("cannot open {} for writing: {error}", path.display()),
                    )
                })?;
            tracing::info!(path = %path.display(), "recording the venue session");
            Ok(Arc::new(recording))
        }
    }
}

/// A shared transport handed to a wrapper that wants to own one.
struct SharedTransport(Arc<dyn Transport>);

impl Transport for SharedTransport {
    fn request(&self, request: RestRequest) -> BoxFuture<'_, Result<RestResponse, TransportError>> {
        self.0.request(request)
    }

    fn connect(&self) -> BoxFuture<'_, Result<Box<dyn Connection>, TransportError>> {
        self.0.connect()
    }
}

fn source_transport(settings: &Settings) -> Result<Arc<dyn Transport>, ConfigError> {
    let venue = settings.venue;
    match &settings.source {
        Source::Sim { seed } => {
            let config = sim_config(venue, *seed, &settings.symbols);
            let sim = SimTransport::new(venue, config)
                .map_err(|error| ConfigError::new("QUORUM_SIM_SEED", error.to_string()))?;
            Ok(Arc::new(sim))
        }
        Source::Replay { path, speed } => {
            // QUORUM_REPLAY_SPEED is a speed; the player scales the recorded spacing.
            let time_scale = if *speed == 0.0 { 0.0 } else { 1.0 / speed };
            let replay = ReplayTransport::open(path, ReplayOptions { time_scale })
                .map_err(|error| ConfigError::new("QUORUM_REPLAY_PATH", error.to_string()))?;
            Ok(Arc::new(replay))
        }
        Source::Live => {
            let live = LiveTransport::new(settings.rest_url.clone(), settings.ws_url.clone())
                .map_err(|error| {
                    ConfigError::new(venue_variables(venue).rest_url, error.to_string())
                })?;
            Ok(Arc::new(live))
        }
    }
}

/// The simulated market lists the wanted symbols it can price; the runtime then skips
/// the others with a warning, as it would on a venue that does not list them.
fn sim_config(venue: Venue, seed: u64, wanted: &[Symbol]) -> SimConfig {
    let defaults = SimConfig::with_seed(seed);
    let model = FairPriceModel::new(seed, defaults.step_ms);
    let symbols: Vec<Symbol> = wanted
        .iter()
        .filter(|symbol| SimInstrument::new(venue, symbol, &model).is_ok())
        .cloned()
        .collect();
    if symbols.is_empty() {
        return defaults;
    }
    SimConfig {
        symbols,
        ..defaults
    }
}
