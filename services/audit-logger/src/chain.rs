//! The hash chain: record contents, their canonical byte encoding, and the SHA-256 link.
//!
//! The encoding is documented in the service README so anyone can re-verify a chain
//! without this code. Changing it breaks every stored chain: don't.
use sha2::{Digest, Sha256};

/// `prev_hash` of the first record.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Tag that opens every encoding, so hashes of this format can't collide with others.
pub const ENCODING_TAG: &str = "quorum.audit.v1";

/// How an audited action ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Success,
    Failure,
    Denied,
}

impl Outcome {
    /// The name stored in the database and hashed.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::Failure => "failure",
            Self::Denied => "denied",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "success" => Some(Self::Success),
            "failure" => Some(Self::Failure),
            "denied" => Some(Self::Denied),
            _ => None,
        }
    }
}

/// What a caller reports, after validation and normalisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub event_id: String,
    pub actor: String,
    pub action: String,
    pub resource: String,
    pub outcome: Outcome,
    pub occurred_at_ms: i64,
    pub source_service: String,
    pub source_address: String,
    /// Canonical JSON of an object (see [`canonical_json`]), or empty for none.
    pub details_json: String,
}

/// A stored link of the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub sequence: u64,
    pub event: Event,
    pub recorded_at_ms: i64,
    pub prev_hash: String,
    pub hash: String,
}

impl Record {
    /// Builds the record that follows `prev_hash` at `sequence`, computing its hash.
    pub fn seal(sequence: u64, event: Event, recorded_at_ms: i64, prev_hash: String) -> Self {
        let hash = record_hash(sequence, &event, recorded_at_ms, &prev_hash);
        Self {
            sequence,
            event,
            recorded_at_ms,
            prev_hash,
            hash,
        }
    }

    /// The hash the record's content should have.
    pub fn recomputed_hash(&self) -> String {
        record_hash(
            self.sequence,
            &self.event,
            self.recorded_at_ms,
            &self.prev_hash,
        )
    }
}

/// Lowercase hex SHA-256 of [`canonical_bytes`].
pub fn record_hash(sequence: u64, event: &Event, recorded_at_ms: i64, prev_hash: &str) -> String {
    hex::encode(Sha256::digest(canonical_bytes(
        sequence,
        event,
        recorded_at_ms,
        prev_hash,
    )))
}

/// The bytes that are hashed: every field as an 8-byte big-endian length followed by its
/// bytes. Strings are UTF-8; integers are 8 bytes big-endian (two's complement for
/// signed ones). Fields in order: the tag `quorum.audit.v1`, sequence, event_id, actor,
/// action, resource, outcome name, occurred_at_ms, source_service, source_address,
/// details_json (canonical), recorded_at_ms, prev_hash.
pub fn canonical_bytes(
    sequence: u64,
    event: &Event,
    recorded_at_ms: i64,
    prev_hash: &str,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(256 + event.details_json.len());
    field(&mut out, ENCODING_TAG.as_bytes());
    field(&mut out, &sequence.to_be_bytes());
    field(&mut out, event.event_id.as_bytes());
    field(&mut out, event.actor.as_bytes());
    field(&mut out, event.action.as_bytes());
    field(&mut out, event.resource.as_bytes());
    field(&mut out, event.outcome.as_str().as_bytes());
    field(&mut out, &event.occurred_at_ms.to_be_bytes());
    field(&mut out, event.source_service.as_bytes());
    field(&mut out, event.source_address.as_bytes());
    field(&mut out, event.details_json.as_bytes());
    field(&mut out, &recorded_at_ms.to_be_bytes());
    field(&mut out, prev_hash.as_bytes());
    out
}

/// JSON with object keys sorted (by their UTF-8 bytes), no insignificant whitespace,
/// and strings and numbers written as serde_json writes them.
pub fn canonical_json(value: &serde_json::Value) -> String {
    let mut out = String::new();
    write_canonical(value, &mut out);
    out
}

fn write_canonical(value: &serde_json::Value, out: &mut String) {
    match value {
        serde_json::Value::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by(|left, right| left.0.as_bytes().cmp(right.0.as_bytes()));
            out.push('{');
            for (index, (key, item)) in entries.into_iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                out.push_str(&serde_json::Value::String(key.clone()).to_string());
                out.push(':');
                write_canonical(item, out);
            }
            out.push('}');
        }
        serde_json::Value::Array(items) => {
            out.push('[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

fn field(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&(bytes.len() as u64).to_be_bytes());
    out.extend_from_slice(bytes);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event() -> Event {
        Event {
            event_id: "e1".into(),
            actor: "alice".into(),
            action: "auth.login".into(),
            resource: "user:alice".into(),
            outcome: Outcome::Success,
            occurred_at_ms: 1_700_000_000_000,
            source_service: "auth-manager".into(),
            source_address: "10.0.0.1".into(),
            details_json: r#"{"a":1}"#.into(),
        }
    }

    #[test]
    fn hash_is_lowercase_hex_sha256_and_stable() {
        let hash = record_hash(1, &event(), 5, GENESIS_HASH);
        assert_eq!(hash.len(), 64);
        assert!(
            hash.chars()
                .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
        );
        assert_eq!(hash, record_hash(1, &event(), 5, GENESIS_HASH));
    }

    /// Computed by the Python snippet in the README, independently of this code. If this
    /// changes, every stored chain stops verifying.
    #[test]
    fn hash_matches_the_reference_vector() {
        assert_eq!(
            record_hash(1, &event(), 5, GENESIS_HASH),
            "2e161918e509501601a184e776f15bff47b3bff58e425295a1a40ba135251fa0"
        );
    }

    #[test]
    fn encoding_matches_the_documented_layout() {
        let bytes = canonical_bytes(1, &event(), 5, GENESIS_HASH);
        assert_eq!(&bytes[..8], &(ENCODING_TAG.len() as u64).to_be_bytes());
        assert_eq!(&bytes[8..8 + ENCODING_TAG.len()], ENCODING_TAG.as_bytes());
        let sequence_at = 8 + ENCODING_TAG.len();
        assert_eq!(&bytes[sequence_at..sequence_at + 8], &8u64.to_be_bytes());
        assert_eq!(
            &bytes[sequence_at + 8..sequence_at + 16],
            &1u64.to_be_bytes()
        );
        assert!(bytes.ends_with(GENESIS_HASH.as_bytes()));
    }

    #[test]
    fn moving_a_boundary_between_fields_changes_the_hash() {
        let mut left = event();
        left.actor = "ab".into();
        left.action = "c".into();
        let mut right = event();
        right.actor = "a".into();
        right.action = "bc".into();
        assert_ne!(
            record_hash(1, &left, 5, GENESIS_HASH),
            record_hash(1, &right, 5, GENESIS_HASH)
        );
    }

    #[test]
    fn every_field_is_covered() {
        let base = Record::seal(3, event(), 5, GENESIS_HASH.into());
        let mut changed = Vec::new();
        let mut record = base.clone();
        record.sequence = 4;
        changed.push(record);
        let edits: Vec<fn(&mut Event)> = vec![
            |e| e.event_id.push('x'),
            |e| e.actor.push('x'),
            |e| e.action.push('x'),
            |e| e.resource.push('x'),
            |e| e.outcome = Outcome::Denied,
            |e| e.occurred_at_ms += 1,
            |e| e.source_service.push('x'),
            |e| e.source_address.push('x'),
            |e| e.details_json = "{}".into(),
        ];
        for edit in edits {
            let mut record = base.clone();
            edit(&mut record.event);
            changed.push(record);
        }
        let mut record = base.clone();
        record.recorded_at_ms += 1;
        changed.push(record);
        let mut record = base.clone();
        record.prev_hash = "1".repeat(64);
        changed.push(record);
        for record in changed {
            assert_ne!(record.recomputed_hash(), base.hash, "{record:?}");
        }
        assert_eq!(base.recomputed_hash(), base.hash);
    }

    #[test]
    fn canonical_json_sorts_keys_recursively_and_drops_whitespace() {
        let value: serde_json::Value =
            serde_json::from_str(r#"{ "b": [1, {"z": "é", "a": null}], "a": true, "c": 1.5 }"#)
                .unwrap();
        assert_eq!(
            canonical_json(&value),
            r#"{"a":true,"b":[1,{"a":null,"z":"é"}],"c":1.5}"#
        );
    }

    #[test]
    fn outcome_names_round_trip() {
        for outcome in [Outcome::Success, Outcome::Failure, Outcome::Denied] {
            assert_eq!(Outcome::parse(outcome.as_str()), Some(outcome));
        }
        assert_eq!(Outcome::parse("unknown"), None);
    }
}
