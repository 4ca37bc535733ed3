//! The market runtime of one venue: loads the instruments, keeps a stream connection
//! open (reconnecting with backoff and jitter), feeds every message through the venue's
//! parser and book sync, and turns what changes into bus events, stream events, tickers
//! and paper fills.
mod books;
mod session;
mod snapshots;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use quorum_domain::{Instrument, Symbol, Venue};
use quorum_kit::CancellationToken;
use quorum_venues::backoff::Backoff;
use quorum_venues::{Connection, TransportError};
use tokio::sync::mpsc;

use crate::config::SYMBOLS_VARIABLE;
use crate::publisher::ConnectorMetrics;
use crate::state::{Command, Shared, Tracked, lock};

use books::Tops;
pub use books::snapshot_update;
use snapshots::Pacer;

/// How the runtime is set up.
#[derive(Debug, Clone)]
pub struct RuntimeSettings {
    /// QUORUM_SYMBOLS, in order.
    pub symbols: Vec<Symbol>,
    pub book_snapshot_interval: Duration,
    /// Least time between two REST requests to the venue (its request weights).
    pub rest_pacing: Duration,
    /// A stream silent this long is treated as lost (a half-open connection never
    /// closes by itself); `None` for sources that may pause, such as a recording.
    pub silence_limit: Option<Duration>,
}

/// How long a live venue stream may stay silent: every venue sends book updates or
/// heartbeats far more often.
pub const LIVE_SILENCE_LIMIT: Duration = Duration::from_secs(60);

/// Minimum spacing of REST snapshot requests that keeps well inside each venue's
/// public request budget (Binance weighs a 1000-level depth request at 50 of 6000 a
/// minute; the others count requests).
pub fn venue_rest_pacing(venue: Venue) -> Duration {
    match venue {
        Venue::Binance => Duration::from_millis(1000),
        Venue::Gateio => Duration::from_millis(200),
        Venue::Okx | Venue::Coinbase => Duration::from_millis(100),
    }
}

/// Levels asked for in a REST snapshot, within each venue's maximum.
pub fn snapshot_depth(venue: Venue) -> u32 {
    match venue {
        Venue::Binance => 1000,
        Venue::Okx => 400,
        Venue::Gateio | Venue::Coinbase => 100,
    }
}

/// The runtime task's own state.
pub struct MarketRuntime {
    shared: Arc<Shared>,
    metrics: ConnectorMetrics,
    settings: RuntimeSettings,
    commands: mpsc::Receiver<Command>,
    shutdown: CancellationToken,
    tops: Tops,
    pacer: Arc<Pacer>,
    /// Books reset while disconnected, whose REST snapshot is fetched on reconnect.
    snapshot_wanted: BTreeSet<Symbol>,
}

/// How a connection ended.
enum SessionEnd {
    Shutdown,
    /// A recording has nothing left to play.
    Finished,
    Lost(TransportError),
}

impl MarketRuntime {
    pub fn new(
        shared: Arc<Shared>,
        metrics: ConnectorMetrics,
        settings: RuntimeSettings,
        commands: mpsc::Receiver<Command>,
        shutdown: CancellationToken,
    ) -> Self {
        let pacer = Arc::new(Pacer::new(settings.rest_pacing));
        Self {
            shared,
            metrics,
            settings,
            commands,
            shutdown,
            tops: Tops::default(),
            pacer,
            snapshot_wanted: BTreeSet::new(),
        }
    }

    /// Runs until shutdown (or until the instruments show none of the symbols exist).
    pub async fn run(mut self) {
        if !self.load_instruments().await {
            return;
        }
        let mut backoff = Backoff::new(Duration::from_millis(250), Duration::from_secs(30));
        loop {
            let shutdown = self.shutdown.clone();
            let connected = tokio::select! {
                () = shutdown.cancelled() => return,
                connected = self.shared.transport.connect() => connected,
            };
            let end = match connected {
                Ok(connection) => {
                    let end = self.session(connection, &mut backoff).await;
                    if let SessionEnd::Lost(_) = end {
                        self.metrics.reconnects.inc();
                        self.reset_all_books();
                    }
                    end
                }
                Err(TransportError::EndOfRecording) => SessionEnd::Finished,
                Err(error) => SessionEnd::Lost(error),
            };
            match end {
                SessionEnd::Shutdown => return,
                SessionEnd::Finished => {
                    tracing::info!("the recording has no stream left to play");
                    self.idle(None).await;
                    return;
                }
                SessionEnd::Lost(error) => {
                    let delay = backoff.next_delay();
                    tracing::warn!(
                        %error,
                        venue = %self.shared.venue,
                        retry_in_ms = delay.as_millis() as u64,
                        "venue stream unavailable; reconnecting"
                    );
                    if !self.idle(Some(delay)).await {
                        return;
                    }
                }
            }
        }
    }

    /// Fetches the venue's instruments (retrying with backoff) and keeps those of
    /// QUORUM_SYMBOLS. False when the runtime cannot go on.
    async fn load_instruments(&mut self) -> bool {
        let venue = self.shared.venue;
        let mut backoff = Backoff::new(Duration::from_millis(250), Duration::from_secs(30));
        let listed = loop {
            let request = self.shared.protocol.instruments_request();
            let shutdown = self.shutdown.clone();
            let answer = tokio::select! {
                () = shutdown.cancelled() => return false,
                answer = self.shared.transport.request(request) => answer,
            };
            let problem = match answer {
                Ok(response) if (200..300).contains(&response.status) => {
                    match self.shared.protocol.parse_instruments(&response.body) {
                        Ok(listed) => break listed,
                        Err(error) => error.to_string(),
                    }
                }
                Ok(response) => format!("HTTP {}: {}", response.status, excerpt(&response.body)),
                Err(TransportError::EndOfRecording) => {
                    self.fail(format!("the recording holds no {venue} instrument list"));
                    return false;
                }
                Err(error) => error.to_string(),
            };
            let delay = backoff.next_delay();
            tracing::warn!(%venue, %problem, retry_in_ms = delay.as_millis() as u64, "instrument list not available yet");
            if !self.idle(Some(delay)).await {
                return false;
            }
        };
        let instruments = choose(venue, &self.settings.symbols, listed);
        if instruments.is_empty() {
            let wanted: Vec<&str> = self.settings.symbols.iter().map(Symbol::as_str).collect();
            self.fail(format!(
                "none of {SYMBOLS_VARIABLE} ({}) is listed by {venue}; set it to symbols the venue trades",
                wanted.join(",")
            ));
            return false;
        }
        tracing::info!(%venue, symbols = ?instruments.iter().map(|i| i.symbol.as_str()).collect::<Vec<_>>(), "instruments loaded");
        let tracked = Tracked::new(venue, self.shared.protocol.sync_rule(), instruments);
        if self.shared.tracked.set(tracked).is_err() {
            tracing::error!("instruments were loaded twice");
        }
        true
    }

    fn fail(&self, reason: String) {
        tracing::error!(venue = %self.shared.venue, %reason, "market runtime stopped");
        *lock(&self.shared.failure) = Some(reason);
    }

    /// Waits `delay` (forever when `None`) while still answering commands. False on
    /// shutdown.
    async fn idle(&mut self, delay: Option<Duration>) -> bool {
        let sleep = async {
            match delay {
                Some(delay) => tokio::time::sleep(delay).await,
                None => std::future::pending().await,
            }
        };
        tokio::pin!(sleep);
        loop {
            let shutdown = self.shutdown.clone();
            tokio::select! {
                () = shutdown.cancelled() => return false,
                () = &mut sleep => return true,
                Some(command) = self.commands.recv() => self.on_command_offline(command),
            }
        }
    }

    /// A command while no stream is open: resets happen now, snapshots on reconnect.
    fn on_command_offline(&mut self, command: Command) {
        let Command::Resync { symbol, reply } = command;
        let shared = self.shared.clone();
        let Some(sync) = shared
            .tracked
            .get()
            .and_then(|tracked| tracked.books.get(&symbol))
        else {
            return;
        };
        let mut follow = books::Follow::default();
        self.apply(&symbol, sync, |sync| sync.reset(), &mut follow);
        self.snapshot_wanted.extend(follow.snapshots);
        let _ = reply.send(lock(sync).resyncs());
    }

    /// The stream is gone: no book can be trusted until it is back.
    fn reset_all_books(&mut self) {
        let shared = self.shared.clone();
        let Some(tracked) = shared.tracked.get() else {
            return;
        };
        let mut follow = books::Follow::default();
        for (symbol, sync) in &tracked.books {
            self.apply(symbol, sync, |sync| sync.reset(), &mut follow);
        }
        // Stream snapshots come with the new subscription; REST ones are fetched then.
        self.snapshot_wanted.extend(follow.snapshots);
    }
}

/// The venue's instruments for the wanted symbols, in their order; the others are
/// skipped with a warning.
fn choose(venue: Venue, wanted: &[Symbol], listed: Vec<Instrument>) -> Vec<Instrument> {
    let index = quorum_venues::InstrumentIndex::new(listed);
    wanted
        .iter()
        .filter_map(|symbol| {
            let found = index.by_symbol(symbol).cloned();
            if found.is_none() {
                tracing::warn!(%venue, %symbol, "{SYMBOLS_VARIABLE} names a symbol the venue does not list; skipped");
            }
            found
        })
        .collect()
}

/// The start of a venue's answer, for logs.
fn excerpt(body: &str) -> String {
    body.chars().take(200).collect()
}

/// Sends every message of a subscription.
async fn send_all(
    connection: &mut dyn Connection,
    messages: Vec<String>,
) -> Result<(), TransportError> {
    for message in messages {
        connection.send(message).await?;
    }
    Ok(())
}
