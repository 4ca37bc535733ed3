//! The simulated venue as a [`Transport`]: REST requests are answered from the venue's
//! current state, and each connection receives the venue's messages paced by the wall
//! clock, each one its step's time plus the venue's latency after it happened.
use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use futures::future::BoxFuture;
use quorum_domain::Venue;

use super::events::SimEvent;
use super::stream::SimStream;
use super::venue::SimVenue;
use super::{SimConfig, SimError};
use crate::{Connection, RestRequest, RestResponse, Transport, TransportError};

/// How long published events are kept for connections still reading them. A connection
/// further behind than this is closed, as a venue drops a client that cannot keep up.
const RETENTION_MS: i64 = 30_000;

/// One simulated venue, reachable like the live one. Clones share the venue.
#[derive(Debug, Clone)]
pub struct SimTransport {
    shared: Arc<Mutex<State>>,
    start_step: i64,
}

impl SimTransport {
    /// The venue, its books built at the current wall-clock step.
    pub fn new(venue: Venue, config: SimConfig) -> Result<Self, SimError> {
        let start_step = now_ms().div_euclid(config.step_ms.max(1));
        let venue = SimVenue::new(venue, config, start_step)?;
        Ok(Self {
            shared: Arc::new(Mutex::new(State {
                venue,
                log: VecDeque::new(),
                log_start: 0,
            })),
            start_step,
        })
    }

    /// The step the venue's books were built at: a [`SimVenue`] built at the same step
    /// with the same configuration and advanced step by step is this venue's replica.
    pub fn start_step(&self) -> i64 {
        self.start_step
    }

    /// Runs the venue up to now and reads its state, e.g. a book to compare with.
    pub fn inspect<T>(&self, read: impl FnOnce(&SimVenue) -> T) -> T {
        let mut state = lock(&self.shared);
        state.catch_up(now_ms());
        read(&state.venue)
    }
}

impl Transport for SimTransport {
    fn request(&self, request: RestRequest) -> BoxFuture<'_, Result<RestResponse, TransportError>> {
        let answer = {
            let mut state = lock(&self.shared);
            state.catch_up(now_ms());
            state.venue.respond(&request)
        };
        Box::pin(async move { Ok(answer) })
    }

    fn connect(&self) -> BoxFuture<'_, Result<Box<dyn Connection>, TransportError>> {
        let connection = {
            let mut state = lock(&self.shared);
            state.catch_up(now_ms());
            SimConnection {
                shared: self.shared.clone(),
                cursor: state.log_end(),
                stream: state.venue.open_stream(),
                outbox: VecDeque::new(),
            }
        };
        Box::pin(async move { Ok(Box::new(connection) as Box<dyn Connection>) })
    }
}

#[derive(Debug)]
struct State {
    venue: SimVenue,
    /// Events published, oldest first, with the time each reaches a client.
    log: VecDeque<(SimEvent, i64)>,
    /// Absolute index of the first event in `log`.
    log_start: u64,
}

impl State {
    fn catch_up(&mut self, now_ms: i64) {
        let step = self.venue.model().step_at(now_ms);
        let latency = self.venue.profile().delivery_latency_ms;
        for event in self.venue.advance_to(step) {
            let arrives_at = event.event_ms() + latency;
            self.log.push_back((event, arrives_at));
        }
        while self
            .log
            .front()
            .is_some_and(|(event, _)| event.event_ms() < now_ms - RETENTION_MS)
        {
            self.log.pop_front();
            self.log_start += 1;
        }
    }

    fn log_end(&self) -> u64 {
        self.log_start + self.log.len() as u64
    }
}

struct SimConnection {
    shared: Arc<Mutex<State>>,
    /// Absolute index of the next event this connection looks at.
    cursor: u64,
    stream: SimStream,
    /// Messages ready to hand out (answers, snapshots, encoded events).
    outbox: VecDeque<String>,
}

impl SimConnection {
    async fn receive(&mut self) -> Result<String, TransportError> {
        loop {
            if let Some(message) = self.outbox.pop_front() {
                return Ok(message);
            }
            let wait_ms = self.collect()?;
            tokio::time::sleep(Duration::from_millis(wait_ms.clamp(1, 1_000) as u64)).await;
        }
    }

    /// Moves the events that have reached the client into the outbox; returns how long
    /// to wait when none has.
    fn collect(&mut self) -> Result<i64, TransportError> {
        let now = now_ms();
        let mut guard = lock(&self.shared);
        guard.catch_up(now);
        let State {
            venue,
            log,
            log_start,
        } = &mut *guard;
        if self.cursor < *log_start {
            return Err(TransportError::Closed(
                "the simulated venue dropped the connection: it was read more than 30 s behind"
                    .to_string(),
            ));
        }
        while let Some((event, arrives_at)) = usize::try_from(self.cursor - *log_start)
            .ok()
            .and_then(|index| log.get(index))
        {
            if *arrives_at > now {
                return Ok(arrives_at - now);
            }
            self.cursor += 1;
            self.outbox.extend(venue.encode(&mut self.stream, event));
            if !self.outbox.is_empty() {
                return Ok(0);
            }
        }
        let step_ms = venue.config().step_ms;
        Ok((venue.step() + 1) * step_ms - now)
    }
}

impl Connection for SimConnection {
    fn send(&mut self, text: String) -> BoxFuture<'_, Result<(), TransportError>> {
        let replies = {
            let mut state = lock(&self.shared);
            state.catch_up(now_ms());
            state.venue.receive(&mut self.stream, &text)
        };
        self.outbox.extend(replies);
        Box::pin(async { Ok(()) })
    }

    fn next(&mut self) -> BoxFuture<'_, Result<String, TransportError>> {
        Box::pin(self.receive())
    }
}

fn lock(shared: &Mutex<State>) -> MutexGuard<'_, State> {
    // The state stays consistent between statements; a panic elsewhere does not spoil it.
    shared.lock().unwrap_or_else(|poison| poison.into_inner())
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}
