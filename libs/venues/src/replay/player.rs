//! Plays a recorded session back as a [`Transport`]: REST requests are answered from the
//! recorded responses and the WebSocket messages come out in their recorded order and
//! spacing, so the connector runs its usual parser and book sync on them.
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::future::BoxFuture;
use tokio::time::Instant;

use super::format::{Entry, Record, ReplayError, RestExchange, read_records};
use crate::{Connection, RestRequest, RestResponse, Transport, TransportError};

/// The longest wait between two messages, whatever the recording and time scale say.
const MAX_DELAY: Duration = Duration::from_secs(365 * 86_400);

/// How a recording is played.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReplayOptions {
    /// Multiplies the recorded spacing of messages: 1 plays in real time, 0.5 twice as
    /// fast, 0 as fast as the reader takes them.
    pub time_scale: f64,
}

impl Default for ReplayOptions {
    fn default() -> Self {
        Self { time_scale: 1.0 }
    }
}

/// A recorded session played back. Clones share the play position.
#[derive(Debug, Clone)]
pub struct ReplayTransport {
    inner: Arc<Shared>,
}

impl ReplayTransport {
    /// Reads a recording file; a line that is not a record is an error naming the line.
    pub fn open(path: impl AsRef<Path>, options: ReplayOptions) -> Result<Self, ReplayError> {
        let path = path.as_ref();
        let shown = path.display().to_string();
        let file = std::fs::File::open(path).map_err(|error| ReplayError::Io {
            path: shown.clone(),
            reason: error.to_string(),
        })?;
        let records = read_records(std::io::BufReader::new(file), &shown)?;
        Self::from_records(records, options)
    }

    /// Plays records already in memory.
    pub fn from_records(records: Vec<Record>, options: ReplayOptions) -> Result<Self, ReplayError> {
        if !options.time_scale.is_finite() || options.time_scale < 0.0 {
            return Err(ReplayError::Options(format!(
                "the replay time scale must be a number >= 0 (1 = real time, 0 = as fast as \
                 possible), not {}",
                options.time_scale
            )));
        }
        Ok(Self {
            inner: Arc::new(Shared {
                records,
                time_scale: options.time_scale,
                position: Mutex::new(0),
            }),
        })
    }

    /// Number of records in the recording.
    pub fn len(&self) -> usize {
        self.inner.records.len()
    }

    pub fn is_empty(&self) -> bool {
        self.inner.records.is_empty()
    }

    /// Whether every WebSocket message has been played.
    pub fn finished(&self) -> bool {
        self.inner.next_ws(self.inner.position()).is_none()
    }
}

impl Transport for ReplayTransport {
    fn request(&self, request: RestRequest) -> BoxFuture<'_, Result<RestResponse, TransportError>> {
        let answer = self.inner.answer(&request);
        Box::pin(async move { Ok(answer) })
    }

    fn connect(&self) -> BoxFuture<'_, Result<Box<dyn Connection>, TransportError>> {
        let inner = self.inner.clone();
        Box::pin(async move {
            if inner.next_ws(inner.position()).is_none() {
                return Err(TransportError::EndOfRecording);
            }
            Ok(Box::new(ReplayConnection {
                shared: inner,
                anchor: None,
            }) as Box<dyn Connection>)
        })
    }
}

#[derive(Debug)]
struct Shared {
    records: Vec<Record>,
    time_scale: f64,
    /// Index of the next record to play; records before it count as played.
    position: Mutex<usize>,
}

impl Shared {
    fn position(&self) -> usize {
        // A poisoned lock only means a reader panicked; the index itself is intact.
        *self
            .position
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
    }

    fn next_ws(&self, from: usize) -> Option<usize> {
        (from..self.records.len())
            .find(|&index| matches!(self.records[index].entry, Entry::Ws { .. }))
    }

    /// The recorded answer to a request: the one recorded right at the play position
    /// (before the next message), else the nearest before it, else the first after it.
    fn answer(&self, request: &RestRequest) -> RestResponse {
        let position = self.position();
        let matching: Vec<(usize, &RestExchange)> = self
            .records
            .iter()
            .enumerate()
            .filter_map(|(index, record)| match &record.entry {
                Entry::Rest(exchange) if same_request(exchange, request) => Some((index, exchange)),
                _ => None,
            })
            .collect();
        let next_message = self.next_ws(position).unwrap_or(self.records.len());
        let here = matching
            .iter()
            .find(|(index, _)| (position..next_message).contains(index));
        let before = matching.iter().rev().find(|(index, _)| *index < position);
        let after = matching.iter().find(|(index, _)| *index >= position);
        match here.or(before).or(after) {
            Some((_, exchange)) => RestResponse {
                status: exchange.status,
                body: exchange.body.clone(),
            },
            None => RestResponse {
                status: 404,
                body: format!(
                    "the recording has no response to {} {}",
                    request.method,
                    request.path_and_query()
                ),
            },
        }
    }
}

/// Compares method, path and query; query parameters in any order.
fn same_request(exchange: &RestExchange, request: &RestRequest) -> bool {
    exchange.method.eq_ignore_ascii_case(request.method)
        && exchange.path == request.path
        && sorted_parameters(&exchange.query) == sorted_parameters(&request.query)
}

fn sorted_parameters(query: &str) -> Vec<&str> {
    let mut parameters: Vec<&str> = query.split('&').filter(|part| !part.is_empty()).collect();
    parameters.sort_unstable();
    parameters
}

struct ReplayConnection {
    shared: Arc<Shared>,
    /// When this connection played its first message, and that message's recorded time:
    /// later messages keep their recorded distance from it, scaled.
    anchor: Option<(Instant, i64)>,
}

impl ReplayConnection {
    async fn play_next(&mut self) -> Result<String, TransportError> {
        loop {
            let position = self.shared.position();
            let Some(index) = self.shared.next_ws(position) else {
                return Err(TransportError::EndOfRecording);
            };
            let record = &self.shared.records[index];
            let (anchor_instant, anchor_ms) = *self
                .anchor
                .get_or_insert((Instant::now(), record.received_at_ms));
            let recorded_gap_ms = record.received_at_ms.saturating_sub(anchor_ms).max(0);
            let scaled_seconds = recorded_gap_ms as f64 / 1000.0 * self.shared.time_scale;
            // A gap scaled beyond a year is a recording or a speed no one waits for.
            let delay = Duration::try_from_secs_f64(scaled_seconds)
                .unwrap_or(MAX_DELAY)
                .min(MAX_DELAY);
            tokio::time::sleep_until(anchor_instant + delay).await;
            let mut current = self
                .shared
                .position
                .lock()
                .unwrap_or_else(|poison| poison.into_inner());
            // Another connection of the same transport may have played it meanwhile.
            if *current != position {
                continue;
            }
            *current = index + 1;
            if let Entry::Ws { message } = &record.entry {
                return Ok(message.clone());
            }
        }
    }
}

impl Connection for ReplayConnection {
    /// Subscriptions and pongs go nowhere: the recording already holds the answers.
    fn send(&mut self, _text: String) -> BoxFuture<'_, Result<(), TransportError>> {
        Box::pin(async { Ok(()) })
    }

    fn next(&mut self) -> BoxFuture<'_, Result<String, TransportError>> {
        Box::pin(self.play_next())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rest(received_at_ms: i64, query: &str, body: &str) -> Record {
        Record::rest(
            received_at_ms,
            RestExchange {
                method: "GET".into(),
                path: "/api/v3/depth".into(),
                query: query.into(),
                status: 200,
                body: body.into(),
            },
        )
    }

    fn session() -> ReplayTransport {
        ReplayTransport::from_records(
            vec![
                Record::ws(1_000, "m1"),
                rest(1_010, "symbol=BTCUSDT&limit=100", "first"),
                Record::ws(1_020, "m2"),
                Record::ws(1_030, "m3"),
                rest(1_040, "symbol=BTCUSDT&limit=100", "second"),
                Record::ws(1_050, "m4"),
            ],
            ReplayOptions { time_scale: 0.0 },
        )
        .unwrap()
    }

    #[tokio::test]
    async fn rest_answers_follow_the_play_position() {
        let replay = session();
        let request = RestRequest::get("/api/v3/depth", "limit=100&symbol=BTCUSDT");
        // Before anything was played: the first recorded answer.
        assert_eq!(replay.request(request.clone()).await.unwrap().body, "first");
        let mut connection = replay.connect().await.unwrap();
        assert_eq!(connection.next().await.unwrap(), "m1");
        // Recorded right here, before the next message.
        assert_eq!(replay.request(request.clone()).await.unwrap().body, "first");
        assert_eq!(connection.next().await.unwrap(), "m2");
        // Between m2 and m3 nothing was recorded: the nearest before.
        assert_eq!(replay.request(request.clone()).await.unwrap().body, "first");
        assert_eq!(connection.next().await.unwrap(), "m3");
        assert_eq!(
            replay.request(request.clone()).await.unwrap().body,
            "second"
        );
        assert_eq!(connection.next().await.unwrap(), "m4");
        assert_eq!(replay.request(request).await.unwrap().body, "second");
        assert_eq!(
            connection.next().await.unwrap_err(),
            TransportError::EndOfRecording
        );
        assert!(replay.finished());
        assert_eq!(
            replay.connect().await.err(),
            Some(TransportError::EndOfRecording)
        );
    }

    #[tokio::test]
    async fn unrecorded_requests_get_a_404_naming_them() {
        let replay = session();
        let answer = replay
            .request(RestRequest::get(
                "/api/v3/depth",
                "symbol=ETHUSDT&limit=100",
            ))
            .await
            .unwrap();
        assert_eq!(answer.status, 404);
        assert!(answer.body.contains("symbol=ETHUSDT"), "{}", answer.body);
    }

    #[tokio::test(start_paused = true)]
    async fn messages_keep_their_recorded_spacing_scaled() {
        let replay = ReplayTransport::from_records(
            vec![
                Record::ws(10_000, "a"),
                Record::ws(10_400, "b"),
                Record::ws(11_000, "c"),
            ],
            ReplayOptions { time_scale: 0.5 },
        )
        .unwrap();
        let mut connection = replay.connect().await.unwrap();
        let start = Instant::now();
        assert_eq!(connection.next().await.unwrap(), "a");
        assert_eq!(start.elapsed(), Duration::ZERO);
        assert_eq!(connection.next().await.unwrap(), "b");
        assert_eq!(start.elapsed(), Duration::from_millis(200));
        assert_eq!(connection.next().await.unwrap(), "c");
        assert_eq!(start.elapsed(), Duration::from_millis(500));
    }

    #[test]
    fn a_negative_or_endless_time_scale_is_refused() {
        for time_scale in [-1.0, f64::NAN, f64::INFINITY] {
            let refused = ReplayTransport::from_records(Vec::new(), ReplayOptions { time_scale });
            assert!(
                matches!(refused, Err(ReplayError::Options(_))),
                "{time_scale}"
            );
        }
    }
}
