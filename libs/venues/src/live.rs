//! The live venue: REST over HTTPS (reqwest with rustls) and the market stream over a
//! WebSocket (tokio-tungstenite). Answers come back as the venue sent them; reading them
//! is the protocol's job.
use std::time::Duration;

use futures::future::BoxFuture;
use futures::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::{Connection, RestRequest, RestResponse, Transport, TransportError};

/// Timeouts of a live transport.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LiveTimeouts {
    /// TCP (and TLS) connect, for REST and for the WebSocket handshake.
    pub connect: Duration,
    /// A whole REST exchange, from sending the request to the end of the body.
    pub request: Duration,
}

impl Default for LiveTimeouts {
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(5),
            request: Duration::from_secs(10),
        }
    }
}

/// Reaches a venue's real endpoints.
#[derive(Debug, Clone)]
pub struct LiveTransport {
    /// REST base URL without a trailing slash, e.g. `https://api.binance.com`.
    pub rest_url: String,
    /// WebSocket URL of the market stream, e.g. `wss://stream.binance.com:9443/ws`.
    pub ws_url: String,
    timeouts: LiveTimeouts,
    client: reqwest::Client,
}

impl LiveTransport {
    /// A transport with the default timeouts.
    pub fn new(
        rest_url: impl Into<String>,
        ws_url: impl Into<String>,
    ) -> Result<Self, TransportError> {
        Self::with_timeouts(rest_url, ws_url, LiveTimeouts::default())
    }

    pub fn with_timeouts(
        rest_url: impl Into<String>,
        ws_url: impl Into<String>,
        timeouts: LiveTimeouts,
    ) -> Result<Self, TransportError> {
        let client = reqwest::Client::builder()
            .connect_timeout(timeouts.connect)
            .timeout(timeouts.request)
            .user_agent(concat!("quorum-venues/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|error| {
                TransportError::Unreachable(format!("cannot build the HTTP client: {error}"))
            })?;
        Ok(Self {
            rest_url: rest_url.into().trim_end_matches('/').to_string(),
            ws_url: ws_url.into(),
            timeouts,
            client,
        })
    }

    pub fn timeouts(&self) -> LiveTimeouts {
        self.timeouts
    }

    async fn send_request(&self, request: RestRequest) -> Result<RestResponse, TransportError> {
        let url = format!("{}{}", self.rest_url, request.path_and_query());
        let method = reqwest::Method::from_bytes(request.method.as_bytes()).map_err(|_| {
            TransportError::Unreachable(format!("'{}' is not an HTTP method", request.method))
        })?;
        let mut builder = self.client.request(method, &url);
        for (name, value) in &request.headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        if !request.body.is_empty() {
            builder = builder.body(request.body);
        }
        let response = builder
            .send()
            .await
            .map_err(|error| unreachable(&url, &error))?;
        let status = response.status().as_u16();
        let body = response
            .text()
            .await
            .map_err(|error| unreachable(&url, &error))?;
        Ok(RestResponse { status, body })
    }

    async fn open(&self) -> Result<Box<dyn Connection>, TransportError> {
        let handshake = tokio_tungstenite::connect_async(self.ws_url.as_str());
        let (stream, _response) = tokio::time::timeout(self.timeouts.connect, handshake)
            .await
            .map_err(|_| {
                TransportError::Unreachable(format!(
                    "{}: no WebSocket handshake within {:?}",
                    self.ws_url, self.timeouts.connect
                ))
            })?
            .map_err(|error| TransportError::Unreachable(format!("{}: {error}", self.ws_url)))?;
        Ok(Box::new(LiveConnection {
            url: self.ws_url.clone(),
            stream,
        }))
    }
}

impl Transport for LiveTransport {
    fn request(&self, request: RestRequest) -> BoxFuture<'_, Result<RestResponse, TransportError>> {
        Box::pin(self.send_request(request))
    }

    fn connect(&self) -> BoxFuture<'_, Result<Box<dyn Connection>, TransportError>> {
        Box::pin(self.open())
    }
}

/// One WebSocket connection to a live venue.
struct LiveConnection {
    url: String,
    stream: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

impl LiveConnection {
    async fn receive(&mut self) -> Result<String, TransportError> {
        loop {
            let Some(frame) = self.stream.next().await else {
                return Err(TransportError::Closed(format!(
                    "{}: the stream ended",
                    self.url
                )));
            };
            let message =
                frame.map_err(|error| TransportError::Closed(format!("{}: {error}", self.url)))?;
            match message {
                Message::Text(text) => return Ok(text.as_str().to_string()),
                // Some venues compress or frame text as binary; UTF-8 is passed on, the
                // rest cannot be read by any text parser and is only logged.
                Message::Binary(bytes) => match String::from_utf8(bytes.to_vec()) {
                    Ok(text) => return Ok(text),
                    Err(_) => tracing::warn!(
                        url = %self.url,
                        bytes = bytes.len(),
                        "skipped a binary WebSocket frame that is not UTF-8 text"
                    ),
                },
                Message::Close(frame) => {
                    // tungstenite queued the close reply; sending it ends the handshake
                    // cleanly. The connection is over whether or not that succeeds.
                    let _ = self.stream.flush().await;
                    let reason = frame.map_or_else(
                        || "no reason given".to_string(),
                        |frame| format!("code {}, {}", u16::from(frame.code), frame.reason),
                    );
                    return Err(TransportError::Closed(format!(
                        "{}: the venue closed the connection ({reason})",
                        self.url
                    )));
                }
                // tungstenite queues the pong for a ping and sends it on the next read.
                Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => {}
            }
        }
    }
}

impl Connection for LiveConnection {
    fn send(&mut self, text: String) -> BoxFuture<'_, Result<(), TransportError>> {
        Box::pin(async move {
            self.stream
                .send(Message::Text(text.into()))
                .await
                .map_err(|error| TransportError::Closed(format!("{}: {error}", self.url)))
        })
    }

    fn next(&mut self) -> BoxFuture<'_, Result<String, TransportError>> {
        Box::pin(self.receive())
    }
}

fn unreachable(url: &str, error: &reqwest::Error) -> TransportError {
    let what = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "cannot connect"
    } else {
        "request failed"
    };
    TransportError::Unreachable(format!("{url}: {what}: {error}"))
}
