//! Checks that a service's admin port answers `GET /metrics` with HTTP 200, using a
//! plain HTTP/1.1 request over TCP.
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The longest status line read before giving up on the answer.
const MAX_STATUS_LINE: usize = 1024;

/// `Ok` when `http://<admin_addr>/metrics` answers 200 within `timeout`.
pub async fn check(admin_addr: &str, timeout: Duration) -> Result<(), String> {
    let status_line = tokio::time::timeout(timeout, fetch_status_line(admin_addr))
        .await
        .map_err(|_| {
            format!(
                "{admin_addr} did not answer within {} ms",
                timeout.as_millis()
            )
        })?
        .map_err(|error| format!("{admin_addr}: {error}"))?;
    match status_code(&status_line) {
        Some(200) => Ok(()),
        Some(code) => Err(format!("GET /metrics on {admin_addr} answered HTTP {code}")),
        None => Err(format!("{admin_addr} did not answer HTTP")),
    }
}

async fn fetch_status_line(admin_addr: &str) -> std::io::Result<String> {
    let mut stream = TcpStream::connect(admin_addr).await?;
    let request =
        format!("GET /metrics HTTP/1.1\r\nHost: {admin_addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await?;
    let mut received = Vec::new();
    let mut buffer = [0u8; 256];
    while received.len() < MAX_STATUS_LINE && !received.windows(2).any(|pair| pair == b"\r\n") {
        let read = stream.read(&mut buffer).await?;
        if read == 0 {
            break;
        }
        received.extend_from_slice(&buffer[..read]);
    }
    let text = String::from_utf8_lossy(&received);
    Ok(text.lines().next().unwrap_or_default().to_string())
}

/// The code of an HTTP status line such as `HTTP/1.1 200 OK`.
fn status_code(line: &str) -> Option<u16> {
    let mut parts = line.split_whitespace();
    let version = parts.next()?;
    if !version.starts_with("HTTP/") {
        return None;
    }
    parts.next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_lines_parse() {
        assert_eq!(status_code("HTTP/1.1 200 OK"), Some(200));
        assert_eq!(status_code("HTTP/1.0 503 Service Unavailable"), Some(503));
        assert_eq!(status_code("SSH-2.0-OpenSSH"), None);
        assert_eq!(status_code("HTTP/1.1 abc"), None);
        assert_eq!(status_code(""), None);
    }
}
