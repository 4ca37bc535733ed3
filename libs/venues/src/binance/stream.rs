//! One-pass reading of a Binance stream message. The combined stream names its stream
//! before its data, so the data is read straight into the event type the name implies
//! instead of being scanned once to find its type and again to read it.
use std::borrow::Cow;
use std::fmt;

use serde::Deserialize;
use serde::de::{Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::value::RawValue;

use super::wire::{DepthUpdate, ErrorBody, TradeEvent};

/// A WebSocket message: a combined-stream push (`stream`, `data`), a raw push (fields
/// at the top, `e` naming the event), or an answer to a request (`result` or `error`).
#[derive(Debug)]
pub(super) struct StreamEnvelope<'a> {
    pub payload: Option<Payload<'a>>,
    /// `e` at the top level: a raw (not combined) stream push.
    pub event_type: Option<Cow<'a, str>>,
    pub error: Option<ErrorBody<'a>>,
}

#[derive(Debug)]
pub(super) enum Payload<'a> {
    Depth(DepthUpdate<'a>),
    Trade(TradeEvent<'a>),
    /// A stream Quorum does not read.
    Ignored,
    /// Data that came before its stream's name: read by its `e` afterwards.
    Unread(&'a RawValue),
}

/// Just the event type of a push.
#[derive(Debug, Deserialize)]
pub(super) struct EventHead<'a> {
    #[serde(borrow)]
    pub e: Option<Cow<'a, str>>,
}

impl<'de> Deserialize<'de> for StreamEnvelope<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(EnvelopeVisitor)
    }
}

#[derive(Debug, Clone, Copy)]
enum StreamKind {
    Depth,
    Trade,
    Other,
}

impl StreamKind {
    /// `btcusdt@depth@100ms` and `btcusdt@depth` are the diff depth stream (not
    /// `@depth5`, the partial book); `btcusdt@trade` is trades.
    fn of(stream: &str) -> Self {
        match stream.split('@').nth(1) {
            Some("depth") => StreamKind::Depth,
            Some("trade") => StreamKind::Trade,
            _ => StreamKind::Other,
        }
    }
}

#[derive(Deserialize)]
#[serde(field_identifier)]
enum Key {
    #[serde(rename = "stream")]
    Stream,
    #[serde(rename = "data")]
    Data,
    #[serde(rename = "e")]
    EventType,
    #[serde(rename = "error")]
    Error,
    #[serde(other)]
    Other,
}

/// A string, borrowed from the message unless it has escapes.
#[derive(Deserialize)]
struct Text<'a>(#[serde(borrow)] Cow<'a, str>);

struct EnvelopeVisitor;

impl<'de> Visitor<'de> for EnvelopeVisitor {
    type Value = StreamEnvelope<'de>;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("a Binance stream message object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut stream = None;
        let mut envelope = StreamEnvelope {
            payload: None,
            event_type: None,
            error: None,
        };
        while let Some(key) = map.next_key::<Key>()? {
            match key {
                Key::Stream => stream = Some(StreamKind::of(&map.next_value::<Text>()?.0)),
                Key::Data => {
                    envelope.payload = Some(match stream {
                        Some(StreamKind::Depth) => Payload::Depth(map.next_value()?),
                        Some(StreamKind::Trade) => Payload::Trade(map.next_value()?),
                        Some(StreamKind::Other) => {
                            map.next_value::<IgnoredAny>()?;
                            Payload::Ignored
                        }
                        None => Payload::Unread(map.next_value()?),
                    })
                }
                Key::EventType => envelope.event_type = Some(map.next_value::<Text>()?.0),
                Key::Error => envelope.error = map.next_value()?,
                Key::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(envelope)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_data_as_its_stream_says_in_either_key_order() {
        let depth = r#"{"stream":"btcusdt@depth@100ms","data":{"e":"depthUpdate","E":1,"s":"BTCUSDT","U":2,"u":3,"b":[],"a":[["1","2"]]}}"#;
        let envelope: StreamEnvelope = serde_json::from_str(depth).unwrap();
        assert!(
            matches!(envelope.payload, Some(Payload::Depth(ref update)) if update.last_id == 3)
        );

        let reversed = r#"{"data":{"e":"trade"},"stream":"btcusdt@trade"}"#;
        let envelope: StreamEnvelope = serde_json::from_str(reversed).unwrap();
        assert!(matches!(envelope.payload, Some(Payload::Unread(_))));

        let partial =
            r#"{"stream":"btcusdt@depth5","data":{"lastUpdateId":1,"bids":[],"asks":[]}}"#;
        let envelope: StreamEnvelope = serde_json::from_str(partial).unwrap();
        assert!(matches!(envelope.payload, Some(Payload::Ignored)));

        let raw = r#"{"e":"trade","s":"BTCUSDT"}"#;
        let envelope: StreamEnvelope = serde_json::from_str(raw).unwrap();
        assert_eq!(envelope.event_type.as_deref(), Some("trade"));
        assert!(envelope.payload.is_none());
    }
}
