//! A local fake venue over real HTTP and WebSocket on 127.0.0.1: REST answers from a
//! table (counting every request), and a scripted stream that can wait for the
//! connector's requests and messages before going on.
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::IntoResponse;
use futures::{SinkExt, StreamExt};
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::Message;

/// One step of the stream script.
#[derive(Debug, Clone)]
pub enum Step {
    /// Send a text frame.
    Send(String),
    /// Wait until REST `path` was requested `count` times.
    AwaitRequests { path: &'static str, count: usize },
    /// Wait until `count` received frames contain `text`.
    AwaitReceived { text: &'static str, count: usize },
    /// Close the connection (as a venue restart would).
    Close,
}

/// A REST request the fake venue received.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    /// Path and query.
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

#[derive(Default)]
struct State {
    /// Answers per path, used in order; the last one repeats.
    answers: HashMap<String, VecDeque<(u16, String)>>,
    requests: Vec<Seen>,
    /// Text frames the connector sent.
    received: Vec<String>,
    /// One script per connection, in order; later connections get none.
    scripts: VecDeque<Vec<Step>>,
    connections: usize,
}

/// A running fake venue.
pub struct FakeVenue {
    pub rest_url: String,
    pub ws_url: String,
    state: Arc<Mutex<State>>,
}

impl FakeVenue {
    /// Serves `answers` (path, status, body) on REST and `script` on the first
    /// WebSocket connection.
    pub async fn start(answers: Vec<(&str, u16, String)>, script: Vec<Step>) -> Self {
        Self::start_with_scripts(answers, vec![script]).await
    }

    /// Like [`FakeVenue::start`], with one script per connection.
    pub async fn start_with_scripts(
        answers: Vec<(&str, u16, String)>,
        scripts: Vec<Vec<Step>>,
    ) -> Self {
        let mut state = State {
            scripts: scripts.into(),
            ..State::default()
        };
        for (path, status, body) in answers {
            state
                .answers
                .entry(path.to_string())
                .or_default()
                .push_back((status, body));
        }
        let state = Arc::new(Mutex::new(state));
        let rest = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let ws = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let rest_url = format!("http://{}", rest.local_addr().unwrap());
        let ws_url = format!("ws://{}/stream", ws.local_addr().unwrap());
        let rest_state = state.clone();
        let router = Router::new().fallback(
            move |method: Method, uri: Uri, headers: HeaderMap, body: String| {
                let state = rest_state.clone();
                async move { answer(&state, &method, &uri, &headers, body) }
            },
        );
        tokio::spawn(async move {
            let _ = axum::serve(rest, router).await;
        });
        tokio::spawn(accept_streams(ws, state.clone()));
        Self {
            rest_url,
            ws_url,
            state,
        }
    }

    /// Requests made to `path` so far.
    pub fn requests_to(&self, path: &str) -> usize {
        let state = self.state.lock().unwrap();
        state
            .requests
            .iter()
            .filter(|request| request.target.split('?').next() == Some(path))
            .count()
    }

    /// Every request so far, "METHOD /path?query".
    pub fn requests(&self) -> Vec<String> {
        let state = self.state.lock().unwrap();
        state
            .requests
            .iter()
            .map(|request| format!("{} {}", request.method, request.target))
            .collect()
    }

    /// The last request to `path`.
    pub fn last_request_to(&self, path: &str) -> Option<Seen> {
        let state = self.state.lock().unwrap();
        state
            .requests
            .iter()
            .rev()
            .find(|request| request.target.split('?').next() == Some(path))
            .cloned()
    }

    /// Frames received that contain `text`.
    pub fn received_containing(&self, text: &str) -> usize {
        let state = self.state.lock().unwrap();
        state
            .received
            .iter()
            .filter(|frame| frame.contains(text))
            .count()
    }

    pub fn connections(&self) -> usize {
        self.state.lock().unwrap().connections
    }
}

fn answer(
    state: &Mutex<State>,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: String,
) -> axum::response::Response {
    let mut state = state.lock().unwrap();
    let target = uri
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_default();
    let headers = headers
        .iter()
        .map(|(name, value)| {
            let value = value.to_str().unwrap_or_default().to_string();
            (name.to_string(), value)
        })
        .collect();
    state.requests.push(Seen {
        method: method.to_string(),
        target,
        headers,
        body,
    });
    let (status, body) = match state.answers.get_mut(uri.path()) {
        Some(queue) if queue.len() > 1 => queue.pop_front().unwrap(),
        Some(queue) => queue.front().cloned().unwrap(),
        None => (404, r#"{"code":-1,"msg":"not found"}"#.to_string()),
    };
    (
        StatusCode::from_u16(status).unwrap(),
        [(header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response()
}

async fn accept_streams(listener: TcpListener, state: Arc<Mutex<State>>) {
    while let Ok((stream, _)) = listener.accept().await {
        let state = state.clone();
        tokio::spawn(async move {
            let Ok(socket) = tokio_tungstenite::accept_async(stream).await else {
                return;
            };
            let script = {
                let mut state = state.lock().unwrap();
                state.connections += 1;
                state.scripts.pop_front().unwrap_or_default()
            };
            let (mut sink, mut source) = socket.split();
            let reader_state = state.clone();
            let reader = tokio::spawn(async move {
                while let Some(Ok(frame)) = source.next().await {
                    if let Message::Text(text) = frame {
                        reader_state.lock().unwrap().received.push(text.to_string());
                    }
                }
            });
            for step in script {
                match step {
                    Step::Send(text) => {
                        if sink.send(Message::text(text)).await.is_err() {
                            return;
                        }
                    }
                    Step::AwaitRequests { path, count } => {
                        wait_until(&state, |state| {
                            state
                                .requests
                                .iter()
                                .filter(|request| request.target.split('?').next() == Some(path))
                                .count()
                                >= count
                        })
                        .await
                    }
                    Step::Close => {
                        let _ = sink.send(Message::Close(None)).await;
                        reader.abort();
                        return;
                    }
                    Step::AwaitReceived { text, count } => {
                        wait_until(&state, |state| {
                            state
                                .received
                                .iter()
                                .filter(|frame| frame.contains(text))
                                .count()
                                >= count
                        })
                        .await
                    }
                }
            }
            // Keep the connection open: closing it would make the connector reconnect.
            let _ = reader.await;
        });
    }
}

async fn wait_until(state: &Mutex<State>, done: impl Fn(&State) -> bool) {
    let started = Instant::now();
    while !done(&state.lock().unwrap()) {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the fake venue waited 20 s for the connector"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
