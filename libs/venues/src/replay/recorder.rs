//! Records a session: wraps any [`Transport`] and appends every REST exchange and every
//! received WebSocket message to a JSON Lines file that [`super::ReplayTransport`] plays.
use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use futures::future::BoxFuture;

use super::format::{Record, RestExchange};
use crate::{Connection, RestRequest, RestResponse, Transport, TransportError};

/// A transport that records what passes through it. Request headers are not recorded
/// (they may carry API keys); bodies and queries are, so record market data sessions.
pub struct RecordingTransport<T: Transport> {
    inner: T,
    writer: Arc<RecordWriter>,
}

impl<T: Transport> RecordingTransport<T> {
    /// Appends to `path`, creating it when missing.
    pub fn create(inner: T, path: impl AsRef<Path>) -> std::io::Result<Self> {
        let path = path.as_ref().to_path_buf();
        let file = OpenOptions::new().create(true).append(true).open(&path)?;
        Ok(Self {
            inner,
            writer: Arc::new(RecordWriter {
                path,
                file: Mutex::new(BufWriter::new(file)),
            }),
        })
    }

    pub fn path(&self) -> &Path {
        &self.writer.path
    }

    pub fn inner(&self) -> &T {
        &self.inner
    }

    /// Writes out anything buffered; every record is flushed already, so this only
    /// reports a late failure.
    pub fn flush(&self) -> std::io::Result<()> {
        self.writer.flush()
    }

    async fn record_request(&self, request: RestRequest) -> Result<RestResponse, TransportError> {
        let method = request.method.to_string();
        let path = request.path.clone();
        let query = request.query.clone();
        let response = self.inner.request(request).await?;
        self.writer.append(&Record::rest(
            now_ms(),
            RestExchange {
                method,
                path,
                query,
                status: response.status,
                body: response.body.clone(),
            },
        ))?;
        Ok(response)
    }

    async fn record_connection(&self) -> Result<Box<dyn Connection>, TransportError> {
        let connection = self.inner.connect().await?;
        Ok(Box::new(RecordingConnection {
            inner: connection,
            writer: self.writer.clone(),
        }))
    }
}

impl<T: Transport> Transport for RecordingTransport<T> {
    fn request(&self, request: RestRequest) -> BoxFuture<'_, Result<RestResponse, TransportError>> {
        Box::pin(self.record_request(request))
    }

    fn connect(&self) -> BoxFuture<'_, Result<Box<dyn Connection>, TransportError>> {
        Box::pin(self.record_connection())
    }
}

struct RecordingConnection {
    inner: Box<dyn Connection>,
    writer: Arc<RecordWriter>,
}

impl RecordingConnection {
    async fn receive(&mut self) -> Result<String, TransportError> {
        let message = self.inner.next().await?;
        self.writer
            .append(&Record::ws(now_ms(), message.as_str()))?;
        Ok(message)
    }
}

impl Connection for RecordingConnection {
    fn send(&mut self, text: String) -> BoxFuture<'_, Result<(), TransportError>> {
        self.inner.send(text)
    }

    fn next(&mut self) -> BoxFuture<'_, Result<String, TransportError>> {
        Box::pin(self.receive())
    }
}

struct RecordWriter {
    path: PathBuf,
    file: Mutex<BufWriter<File>>,
}

impl RecordWriter {
    /// Writes one line and flushes it, so a crash loses nothing already returned to the
    /// caller. A failure ends the session: a recording with holes would replay wrongly.
    fn append(&self, record: &Record) -> Result<(), TransportError> {
        let mut line = record.to_line();
        line.push('\n');
        let mut file = self
            .file
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        file.write_all(line.as_bytes())
            .and_then(|()| file.flush())
            .map_err(|error| {
                TransportError::Closed(format!(
                    "cannot write the recording {}: {error}",
                    self.path.display()
                ))
            })
    }

    fn flush(&self) -> std::io::Result<()> {
        self.file
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
            .flush()
    }
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}
