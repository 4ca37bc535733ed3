//! The recording format: JSON Lines, one venue message or REST exchange per line, kept
//! verbatim with the time it was received (see docs/replay.md).
use std::io::BufRead;

use serde::{Deserialize, Serialize};

/// One line of a recording.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// Wall-clock time the message was received, in Unix milliseconds.
    pub received_at_ms: i64,
    #[serde(flatten)]
    pub entry: Entry,
}

/// What a line holds, told apart by its `kind` field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Entry {
    /// A WebSocket text message, verbatim as the venue sent it.
    Ws { message: String },
    /// A REST request and the venue's answer, verbatim.
    Rest(RestExchange),
}

/// A recorded REST request (without its headers, which may carry keys) and its answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RestExchange {
    pub method: String,
    pub path: String,
    /// URL-encoded query without the leading '?', possibly empty.
    #[serde(default)]
    pub query: String,
    pub status: u16,
    pub body: String,
}

/// A recording that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReplayError {
    #[error("cannot read the recording {path}: {reason}")]
    Io { path: String, reason: String },
    #[error(
        "line {line} of the recording is not a record ({reason}); each line must be a JSON \
         object like {{\"received_at_ms\":1700000000123,\"kind\":\"ws\",\"message\":\"...\"}}"
    )]
    Line { line: usize, reason: String },
    #[error("{0}")]
    Options(String),
}

impl Record {
    pub fn ws(received_at_ms: i64, message: impl Into<String>) -> Self {
        Self {
            received_at_ms,
            entry: Entry::Ws {
                message: message.into(),
            },
        }
    }

    pub fn rest(received_at_ms: i64, exchange: RestExchange) -> Self {
        Self {
            received_at_ms,
            entry: Entry::Rest(exchange),
        }
    }

    /// The record as one line of JSON, without the line break.
    pub fn to_line(&self) -> String {
        // A struct of strings and integers always serializes; the fallback keeps this
        // total without a panic path.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// Reads every record of a recording; blank lines are skipped. Line numbers start at 1.
pub fn read_records(reader: impl BufRead, path: &str) -> Result<Vec<Record>, ReplayError> {
    let mut records = Vec::new();
    for (index, line) in reader.lines().enumerate() {
        let line_number = index + 1;
        let line = line.map_err(|error| ReplayError::Io {
            path: path.to_string(),
            reason: format!("line {line_number}: {error}"),
        })?;
        if line.trim().is_empty() {
            continue;
        }
        records.push(parse_line(&line, line_number)?);
    }
    Ok(records)
}

/// Reads one line; the error names the line.
pub fn parse_line(line: &str, line_number: usize) -> Result<Record, ReplayError> {
    serde_json::from_str(line).map_err(|error| ReplayError::Line {
        line: line_number,
        reason: error.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_have_the_documented_shape() {
        let ws = Record::ws(1_700_000_000_123, r#"{"e":"trade"}"#);
        assert_eq!(
            ws.to_line(),
            r#"{"received_at_ms":1700000000123,"kind":"ws","message":"{\"e\":\"trade\"}"}"#
        );
        let rest = Record::rest(
            5,
            RestExchange {
                method: "GET".into(),
                path: "/api/v3/depth".into(),
                query: "symbol=BTCUSDT&limit=1000".into(),
                status: 200,
                body: "{}".into(),
            },
        );
        assert_eq!(
            rest.to_line(),
            r#"{"received_at_ms":5,"kind":"rest","method":"GET","path":"/api/v3/depth","query":"symbol=BTCUSDT&limit=1000","status":200,"body":"{}"}"#
        );
        for record in [ws, rest] {
            assert_eq!(parse_line(&record.to_line(), 1).unwrap(), record);
        }
    }

    #[test]
    fn bad_lines_are_named_by_number() {
        let text = "{\"received_at_ms\":1,\"kind\":\"ws\",\"message\":\"a\"}\n\n\
                    {\"received_at_ms\":2,\"kind\":\"telegram\",\"message\":\"b\"}\n";
        let error = read_records(text.as_bytes(), "session.jsonl").unwrap_err();
        match &error {
            ReplayError::Line { line, reason } => {
                assert_eq!(*line, 3);
                assert!(reason.contains("telegram"), "{reason}");
            }
            other => panic!("unexpected error {other:?}"),
        }
        assert!(error.to_string().starts_with("line 3 of the recording"));
    }

    #[test]
    fn missing_fields_and_broken_json_are_errors() {
        for (text, line) in [
            ("{\"kind\":\"ws\",\"message\":\"a\"}", 1),
            (
                "{\"received_at_ms\":1,\"kind\":\"rest\",\"method\":\"GET\"}",
                1,
            ),
            ("not json", 1),
            (
                "{\"received_at_ms\":1,\"kind\":\"ws\",\"message\":\"a\"}\n{\"received_at",
                2,
            ),
        ] {
            match read_records(text.as_bytes(), "x") {
                Err(ReplayError::Line { line: found, .. }) => assert_eq!(found, line, "{text}"),
                other => panic!("{text}: {other:?}"),
            }
        }
    }

    #[test]
    fn a_rest_line_without_query_reads_as_empty_query() {
        let record = parse_line(
            r#"{"received_at_ms":1,"kind":"rest","method":"GET","path":"/p","status":404,"body":""}"#,
            1,
        )
        .unwrap();
        match record.entry {
            Entry::Rest(exchange) => assert_eq!(exchange.query, ""),
            other => panic!("{other:?}"),
        }
    }
}
