//! One connection to the venue's stream: subscribe, then read messages, snapshots,
//! commands and timers on one loop until the connection ends.
use std::collections::BTreeSet;
use std::time::Duration;

use quorum_domain::{Instrument, Symbol, Venue};
use quorum_venues::backoff::Backoff;
use quorum_venues::{Connection, ConnectionSequence, ParseError, StreamEvent, TransportError};
use tokio::sync::mpsc;
use tokio::time::{Instant, Interval, MissedTickBehavior};

use super::books::Follow;
use super::snapshots::{Fetched, SnapshotFetcher};
use super::{MarketRuntime, SessionEnd, send_all};
use crate::state::{Command, Tracked, lock, now_ms};

/// OKX closes a connection that has been silent for 30 s unless the client pings.
const OKX_PING_EVERY: Duration = Duration::from_secs(20);

/// What woke the loop.
enum Input {
    Shutdown,
    Message(Result<String, TransportError>),
    Snapshot(Fetched),
    Command(Command),
    Ping,
    PublishSnapshots,
    CheckSilence,
}

impl MarketRuntime {
    pub(super) async fn session(
        &mut self,
        mut connection: Box<dyn Connection>,
        backoff: &mut Backoff,
    ) -> SessionEnd {
        let shared = self.shared.clone();
        let Some(tracked) = shared.tracked.get() else {
            return SessionEnd::Shutdown;
        };
        let cancel = self.shutdown.child_token();
        let _end_fetches = cancel.clone().drop_guard();
        let (results, mut snapshot_results) = mpsc::channel(64);
        let mut fetcher = SnapshotFetcher::new(
            shared.clone(),
            self.metrics.clone(),
            self.pacer.clone(),
            results,
            cancel,
        );
        if let Err(error) = self
            .subscribe(connection.as_mut(), &tracked.instruments)
            .await
        {
            return SessionEnd::Lost(error);
        }
        let mut follow = Follow {
            snapshots: std::mem::take(&mut self.snapshot_wanted),
            ..Follow::default()
        };
        let mut sequence = ConnectionSequence::new();
        let mut ping = ping_interval(shared.venue);
        let every = self.settings.book_snapshot_interval;
        let mut snapshot_timer = tokio::time::interval_at(Instant::now() + every, every);
        snapshot_timer.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let mut heard_from_venue = false;
        let mut last_heard = Instant::now();
        let mut silence_check = self.settings.silence_limit.map(|limit| {
            let every = limit / 4;
            let mut interval = tokio::time::interval_at(Instant::now() + every, every);
            interval.set_missed_tick_behavior(MissedTickBehavior::Delay);
            interval
        });
        // A recording played to its end: the books keep what they have and pending
        // snapshots and commands are still handled.
        let mut played_out = false;
        loop {
            if let Err(error) = self
                .follow_up(connection.as_mut(), tracked, &mut fetcher, &mut follow)
                .await
            {
                return SessionEnd::Lost(error);
            }
            let shutdown = self.shutdown.clone();
            let input = tokio::select! {
                () = shutdown.cancelled() => Input::Shutdown,
                received = connection.next(), if !played_out => Input::Message(received),
                Some(fetched) = snapshot_results.recv() => Input::Snapshot(fetched),
                Some(command) = self.commands.recv() => Input::Command(command),
                () = tick(&mut ping) => Input::Ping,
                _ = snapshot_timer.tick() => Input::PublishSnapshots,
                () = tick(&mut silence_check) => Input::CheckSilence,
            };
            match input {
                Input::Shutdown => return SessionEnd::Shutdown,
                Input::Message(Ok(text)) => {
                    last_heard = Instant::now();
                    if !heard_from_venue {
                        heard_from_venue = true;
                        backoff.reset();
                    }
                    self.on_text(tracked, &text, &mut sequence, &mut follow);
                }
                Input::Message(Err(TransportError::EndOfRecording)) => {
                    tracing::info!(
                        "the recording was played to its end; books keep their last state"
                    );
                    played_out = true;
                }
                Input::Message(Err(error)) => return SessionEnd::Lost(error),
                Input::Snapshot(fetched) => {
                    fetcher.done(&fetched.symbol);
                    if let Some(sync) = tracked.books.get(&fetched.symbol) {
                        let now = now_ms();
                        let message = fetched.message;
                        self.apply(
                            &fetched.symbol,
                            sync,
                            |sync| sync.on_snapshot(message, now),
                            &mut follow,
                        );
                    }
                }
                Input::Command(Command::Resync { symbol, reply }) => {
                    if let Some(sync) = tracked.books.get(&symbol) {
                        self.apply(&symbol, sync, |sync| sync.reset(), &mut follow);
                        let _ = reply.send(lock(sync).resyncs());
                    }
                }
                Input::Ping => follow.replies.push("ping".into()),
                Input::PublishSnapshots => self.publish_snapshots(tracked),
                Input::CheckSilence => {
                    let silent = last_heard.elapsed();
                    if !played_out
                        && self
                            .settings
                            .silence_limit
                            .is_some_and(|limit| silent > limit)
                    {
                        let seconds = silent.as_secs();
                        return SessionEnd::Lost(TransportError::Closed(format!(
                            "no message from the venue for {seconds} s"
                        )));
                    }
                }
            }
        }
    }

    /// Reads one stream message into the books, trades and follow-ups.
    fn on_text(
        &mut self,
        tracked: &Tracked,
        text: &str,
        sequence: &mut ConnectionSequence,
        follow: &mut Follow,
    ) {
        self.metrics.stream_messages.inc();
        let venue = self.shared.venue;
        let parsed = match self.shared.protocol.parse_message(text, &tracked.index) {
            Ok(parsed) => parsed,
            Err(ParseError::Venue { code, message }) => {
                tracing::warn!(%venue, %code, %message, "the venue reported an error on the stream");
                return;
            }
            Err(ParseError::Format(problem)) => {
                tracing::warn!(%venue, %problem, "stream message not understood; skipped");
                return;
            }
        };
        if let Some(reply) = parsed.reply {
            follow.replies.push(reply);
        }
        if let Some(number) = parsed.connection_sequence
            && sequence.observe(number)
        {
            tracing::warn!(%venue, sequence = number, "stream messages were lost; resyncing every book");
            for (symbol, sync) in &tracked.books {
                self.apply(symbol, sync, |sync| sync.reset(), follow);
            }
        }
        for event in parsed.events {
            match event {
                StreamEvent::Book(message) => {
                    let symbol = message.symbol.clone();
                    if let Some(sync) = tracked.books.get(&symbol) {
                        let now = now_ms();
                        self.apply(&symbol, sync, |sync| sync.on_stream(message, now), follow);
                    }
                }
                StreamEvent::Trade(trade) => {
                    if tracked.books.contains_key(&trade.symbol) {
                        self.on_trade(trade);
                    }
                }
                // Tickers are derived from the synced book the same way on every venue.
                StreamEvent::Ticker(_) => {}
            }
        }
    }

    /// Sends replies, starts snapshot fetches and resubscribes, as the books asked.
    async fn follow_up(
        &mut self,
        connection: &mut dyn Connection,
        tracked: &Tracked,
        fetcher: &mut SnapshotFetcher,
        follow: &mut Follow,
    ) -> Result<(), TransportError> {
        for reply in std::mem::take(&mut follow.replies) {
            connection.send(reply).await?;
        }
        let mut resubscribe = std::mem::take(&mut follow.resubscribe);
        for symbol in std::mem::take(&mut follow.snapshots) {
            let fetching = tracked
                .index
                .by_symbol(&symbol)
                .is_some_and(|instrument| fetcher.request(instrument));
            if !fetching {
                resubscribe.insert(symbol);
            }
        }
        if !resubscribe.is_empty() {
            let instruments = instruments_of(tracked, &resubscribe);
            self.subscribe(connection, &instruments).await?;
        }
        Ok(())
    }

    async fn subscribe(
        &self,
        connection: &mut dyn Connection,
        instruments: &[Instrument],
    ) -> Result<(), TransportError> {
        let messages = self
            .shared
            .protocol
            .subscribe_messages(instruments, self.shared.credentials.as_ref(), now_ms())
            .map_err(|error| {
                TransportError::Closed(format!("cannot build the subscription: {error}"))
            })?;
        send_all(connection, messages).await
    }
}

fn instruments_of(tracked: &Tracked, symbols: &BTreeSet<Symbol>) -> Vec<Instrument> {
    symbols
        .iter()
        .filter_map(|symbol| tracked.index.by_symbol(symbol).cloned())
        .collect()
}

fn ping_interval(venue: Venue) -> Option<Interval> {
    (venue == Venue::Okx).then(|| {
        let mut interval =
            tokio::time::interval_at(Instant::now() + OKX_PING_EVERY, OKX_PING_EVERY);
        interval.set_missed_tick_behavior(MissedTickBehavior::Delay);
        interval
    })
}

async fn tick(interval: &mut Option<Interval>) {
    match interval {
        Some(interval) => {
            interval.tick().await;
        }
        None => std::future::pending().await,
    }
}
