//! One-pass reading of a Gate.io stream message. The venue sends `channel` and `event`
//! before `result`, so the result is read straight into the type they imply instead of
//! being scanned once to find its type and again to read it.
use std::borrow::Cow;
use std::fmt;

use serde::Deserialize;
use serde::de::{Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::value::RawValue;

use super::market::{BOOK_CHANNEL, TRADES_CHANNEL};
use super::wire::{OrderBookUpdate, StreamError, TradeResult};

/// Every WebSocket message: `{time, time_ms, channel, event, result, error}`.
#[derive(Debug)]
pub(super) struct StreamEnvelope<'a> {
    pub channel: Option<Cow<'a, str>>,
    pub event: Option<Cow<'a, str>>,
    pub result: Option<Payload<'a>>,
    pub error: Option<StreamError<'a>>,
}

#[derive(Debug)]
pub(super) enum Payload<'a> {
    Book(OrderBookUpdate<'a>),
    Trade(TradeResult<'a>),
    /// An ack, a pong, or a channel Quorum does not read.
    Ignored,
    /// A result that came before its channel and event: read once they are known.
    Unread(&'a RawValue),
}

impl<'de> Deserialize<'de> for StreamEnvelope<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(EnvelopeVisitor)
    }
}

#[derive(Deserialize)]
#[serde(field_identifier, rename_all = "lowercase")]
enum Key {
    Channel,
    Event,
    Result,
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
        formatter.write_str("a Gate.io stream message object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut envelope = StreamEnvelope {
            channel: None,
            event: None,
            result: None,
            error: None,
        };
        while let Some(key) = map.next_key::<Key>()? {
            match key {
                Key::Channel => envelope.channel = Some(map.next_value::<Text>()?.0),
                Key::Event => envelope.event = Some(map.next_value::<Text>()?.0),
                Key::Result => {
                    let channel = envelope.channel.as_deref();
                    envelope.result = Some(match (channel, envelope.event.as_deref()) {
                        (Some(BOOK_CHANNEL), Some("update")) => Payload::Book(map.next_value()?),
                        (Some(TRADES_CHANNEL), Some("update")) => Payload::Trade(map.next_value()?),
                        (Some(_), Some(_)) => {
                            map.next_value::<IgnoredAny>()?;
                            Payload::Ignored
                        }
                        _ => Payload::Unread(map.next_value()?),
                    })
                }
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
    fn reads_the_result_as_channel_and_event_say_in_either_key_order() {
        let book = r#"{"time":1,"channel":"spot.order_book_update","event":"update","result":{"t":1,"s":"BTC_USDT","U":2,"u":3,"b":[],"a":[]}}"#;
        let envelope: StreamEnvelope = serde_json::from_str(book).unwrap();
        assert!(matches!(envelope.result, Some(Payload::Book(ref update)) if update.last_id == 3));

        let ack = r#"{"channel":"spot.trades","event":"subscribe","result":{"status":"success"}}"#;
        let envelope: StreamEnvelope = serde_json::from_str(ack).unwrap();
        assert!(matches!(envelope.result, Some(Payload::Ignored)));

        let reversed = r#"{"result":{"id":1},"channel":"spot.trades","event":"update"}"#;
        let envelope: StreamEnvelope = serde_json::from_str(reversed).unwrap();
        assert!(matches!(envelope.result, Some(Payload::Unread(_))));
        assert_eq!(envelope.channel.as_deref(), Some("spot.trades"));
    }
}
