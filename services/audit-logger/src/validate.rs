//! Checking what callers send at the edge, and turning it into the chain's own types.
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use quorum_kit::errors::FieldErrors;
use quorum_proto::audit::v1 as pb;
use tonic::Status;

use crate::chain::{Event, Outcome, canonical_json};

pub const MAX_EVENT_ID_CHARS: usize = 128;
pub const MAX_TEXT_CHARS: usize = 1024;
pub const MAX_DETAILS_BYTES: usize = 64 * 1024;
pub const DEFAULT_PAGE_SIZE: u32 = 100;
pub const MAX_PAGE_SIZE: u32 = 1000;
pub const DEFAULT_CHECKPOINT_LIMIT: u32 = 20;
pub const MAX_CHECKPOINT_LIMIT: u32 = 1000;

/// A checked query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryFilter {
    pub actor: Option<String>,
    pub action: Option<String>,
    pub resource: Option<String>,
    pub outcome: Option<Outcome>,
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
    pub after_sequence: u64,
    pub page_size: u32,
}

/// Checks an appended event. `now_ms` replaces an unset occurred_at.
pub fn event(event: Option<&pb::AuditEvent>, now_ms: i64) -> Result<Event, Status> {
    let Some(event) = event else {
        return Err(quorum_kit::errors::invalid_field("event", "is required"));
    };
    let mut errors = FieldErrors::new();
    let outcome = match pb::Outcome::try_from(event.outcome) {
        Ok(pb::Outcome::Success) => Some(Outcome::Success),
        Ok(pb::Outcome::Failure) => Some(Outcome::Failure),
        Ok(pb::Outcome::Denied) => Some(Outcome::Denied),
        Ok(pb::Outcome::Unspecified) | Err(_) => None,
    };
    errors.check(
        outcome.is_some(),
        "event.outcome",
        "must be SUCCESS, FAILURE or DENIED",
    );
    let details = details(&event.details_json, &mut errors);
    let checked = Event {
        event_id: event.event_id.clone(),
        actor: event.actor.clone(),
        action: event.action.clone(),
        resource: event.resource.clone(),
        outcome: outcome.unwrap_or(Outcome::Failure),
        occurred_at_ms: if event.occurred_at_unix_ms == 0 {
            now_ms
        } else {
            event.occurred_at_unix_ms
        },
        source_service: event.source_service.clone(),
        source_address: event.source_address.clone(),
        details_json: details.unwrap_or_default(),
    };
    check_fields(&checked, "event.", &mut errors);
    errors.into_result()?;
    Ok(checked)
}

/// Turns a bus event into a chain event; `Err` names what is wrong.
pub fn bus_event(event: &quorum_bus::events::AuditEvent, now_ms: i64) -> Result<Event, String> {
    use quorum_bus::events::AuditOutcome;
    let details_json = match &event.details {
        serde_json::Value::Null => String::new(),
        object @ serde_json::Value::Object(_) => canonical_json(object),
        // Details are free-form for producers; keep them rather than drop the event.
        other => canonical_json(&serde_json::json!({ "value": other })),
    };
    let checked = Event {
        event_id: event.event_id.clone(),
        actor: event.actor.clone(),
        action: event.action.clone(),
        resource: event.resource.clone(),
        outcome: match event.outcome {
            AuditOutcome::Success => Outcome::Success,
            AuditOutcome::Failure => Outcome::Failure,
            AuditOutcome::Denied => Outcome::Denied,
        },
        occurred_at_ms: if event.occurred_at_ms == 0 {
            now_ms
        } else {
            event.occurred_at_ms
        },
        source_service: event.source_service.clone(),
        source_address: event.source_address.clone(),
        details_json,
    };
    let mut errors = FieldErrors::new();
    check_fields(&checked, "", &mut errors);
    match errors.into_result() {
        Ok(()) => Ok(checked),
        Err(status) => Err(status.message().to_string()),
    }
}

/// Checks a query request.
pub fn query(request: &pb::QueryRequest) -> Result<QueryFilter, Status> {
    let mut errors = FieldErrors::new();
    let outcome = match pb::Outcome::try_from(request.outcome) {
        Ok(pb::Outcome::Unspecified) => None,
        Ok(pb::Outcome::Success) => Some(Outcome::Success),
        Ok(pb::Outcome::Failure) => Some(Outcome::Failure),
        Ok(pb::Outcome::Denied) => Some(Outcome::Denied),
        Err(_) => {
            errors.add("outcome", "is not a known outcome");
            None
        }
    };
    errors.check(
        request.from_unix_ms >= 0,
        "from_unix_ms",
        "must not be negative",
    );
    errors.check(
        request.to_unix_ms >= 0,
        "to_unix_ms",
        "must not be negative",
    );
    if request.from_unix_ms > 0 && request.to_unix_ms > 0 {
        errors.check(
            request.from_unix_ms <= request.to_unix_ms,
            "from_unix_ms",
            "must not be after to_unix_ms",
        );
    }
    errors.check(
        request.page_size <= MAX_PAGE_SIZE,
        "page_size",
        format!("must be at most {MAX_PAGE_SIZE}"),
    );
    let after_sequence = match decode_page_token(&request.page_token) {
        Some(after) => after,
        None => {
            errors.add(
                "page_token",
                "is not a token from a previous reply; start again without one",
            );
            0
        }
    };
    errors.into_result()?;
    let text = |value: &str| (!value.is_empty()).then(|| value.to_string());
    Ok(QueryFilter {
        actor: text(&request.actor),
        action: text(&request.action),
        resource: text(&request.resource),
        outcome,
        from_ms: (request.from_unix_ms > 0).then_some(request.from_unix_ms),
        to_ms: (request.to_unix_ms > 0).then_some(request.to_unix_ms),
        after_sequence,
        page_size: if request.page_size == 0 {
            DEFAULT_PAGE_SIZE
        } else {
            request.page_size
        },
    })
}

/// Checks a verification range; 0 means open. Returns (from, to) as given.
pub fn verify_range(request: &pb::VerifyChainRequest) -> Result<(u64, u64), Status> {
    let mut errors = FieldErrors::new();
    let both = request.from_sequence > 0 && request.to_sequence > 0;
    errors.check(
        !both || request.from_sequence <= request.to_sequence,
        "from_sequence",
        "must not be after to_sequence",
    );
    errors.into_result()?;
    Ok((request.from_sequence, request.to_sequence))
}

/// Checks a checkpoint listing limit and applies the default.
pub fn checkpoint_limit(limit: u32) -> Result<u32, Status> {
    let mut errors = FieldErrors::new();
    errors.check(
        limit <= MAX_CHECKPOINT_LIMIT,
        "limit",
        format!("must be at most {MAX_CHECKPOINT_LIMIT}"),
    );
    errors.into_result()?;
    Ok(if limit == 0 {
        DEFAULT_CHECKPOINT_LIMIT
    } else {
        limit
    })
}

/// The token that continues a listing after `sequence`.
pub fn encode_page_token(sequence: u64) -> String {
    B64.encode(format!("after:{sequence}"))
}

/// The sequence a token continues after; empty means from the start, `None` is bad.
pub fn decode_page_token(token: &str) -> Option<u64> {
    if token.is_empty() {
        return Some(0);
    }
    let bytes = B64.decode(token).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let sequence: u64 = text.strip_prefix("after:")?.parse().ok()?;
    (sequence <= i64::MAX as u64).then_some(sequence)
}

fn details(text: &str, errors: &mut FieldErrors) -> Option<String> {
    if text.trim().is_empty() {
        return Some(String::new());
    }
    if text.len() > MAX_DETAILS_BYTES {
        errors.add(
            "event.details_json",
            format!("must be at most {MAX_DETAILS_BYTES} bytes"),
        );
        return None;
    }
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(value @ serde_json::Value::Object(_)) => Some(canonical_json(&value)),
        Ok(_) => {
            errors.add("event.details_json", "must be a JSON object, or empty");
            None
        }
        Err(error) => {
            errors.add("event.details_json", format!("is not valid JSON: {error}"));
            None
        }
    }
}

fn check_fields(event: &Event, prefix: &str, errors: &mut FieldErrors) {
    let name = |field: &str| format!("{prefix}{field}");
    let event_id_chars = event.event_id.chars().count();
    errors.check(event_id_chars > 0, &name("event_id"), "must not be empty");
    errors.check(
        event_id_chars <= MAX_EVENT_ID_CHARS,
        &name("event_id"),
        format!("must be at most {MAX_EVENT_ID_CHARS} characters"),
    );
    errors.check(
        !event.actor.trim().is_empty(),
        &name("actor"),
        "must not be empty",
    );
    errors.check(
        !event.action.trim().is_empty(),
        &name("action"),
        "must not be empty",
    );
    errors.check(
        event.occurred_at_ms >= 0,
        &name("occurred_at_unix_ms"),
        "must not be negative",
    );
    let texts = [
        ("actor", &event.actor),
        ("action", &event.action),
        ("resource", &event.resource),
        ("source_service", &event.source_service),
        ("source_address", &event.source_address),
    ];
    for (field, value) in texts {
        errors.check(
            value.chars().count() <= MAX_TEXT_CHARS,
            &name(field),
            format!("must be at most {MAX_TEXT_CHARS} characters"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> pb::AuditEvent {
        pb::AuditEvent {
            event_id: "e1".into(),
            actor: "alice".into(),
            action: "auth.login".into(),
            outcome: pb::Outcome::Success as i32,
            details_json: r#"{ "b": 1, "a": 2 }"#.into(),
            ..Default::default()
        }
    }

    fn violations(status: &Status) -> String {
        status.message().to_string()
    }

    #[test]
    fn good_event_is_normalised() {
        let event = event(Some(&good()), 42).unwrap();
        assert_eq!(event.occurred_at_ms, 42);
        assert_eq!(event.details_json, r#"{"a":2,"b":1}"#);
        assert_eq!(event.outcome, Outcome::Success);
    }

    #[test]
    fn bad_event_names_every_field() {
        let bad = pb::AuditEvent {
            event_id: "x".repeat(129),
            details_json: "[1]".into(),
            ..Default::default()
        };
        let status = event(Some(&bad), 1).unwrap_err();
        let message = violations(&status);
        for field in [
            "event.event_id",
            "event.actor",
            "event.action",
            "event.outcome",
            "event.details_json",
        ] {
            assert!(message.contains(field), "{field} missing from {message}");
        }
        assert!(event(None, 1).is_err());
    }

    #[test]
    fn details_must_parse() {
        let mut bad = good();
        bad.details_json = "{nope".into();
        assert!(violations(&event(Some(&bad), 1).unwrap_err()).contains("details_json"));
    }

    #[test]
    fn page_tokens_round_trip_and_garbage_is_refused() {
        assert_eq!(decode_page_token(&encode_page_token(17)), Some(17));
        assert_eq!(decode_page_token(""), Some(0));
        assert_eq!(decode_page_token("!!"), None);
        assert_eq!(decode_page_token(&B64.encode("after:x")), None);
    }

    #[test]
    fn query_limits() {
        let request = pb::QueryRequest {
            page_size: 1001,
            ..Default::default()
        };
        assert!(query(&request).is_err());
        let request = pb::QueryRequest {
            from_unix_ms: 5,
            to_unix_ms: 4,
            ..Default::default()
        };
        assert!(query(&request).is_err());
        let filter = query(&pb::QueryRequest::default()).unwrap();
        assert_eq!(filter.page_size, DEFAULT_PAGE_SIZE);
        assert_eq!(filter.from_ms, None);
    }

    #[test]
    fn verify_range_and_limits() {
        let request = pb::VerifyChainRequest {
            from_sequence: 5,
            to_sequence: 2,
        };
        assert!(verify_range(&request).is_err());
        let request = pb::VerifyChainRequest {
            from_sequence: 5,
            to_sequence: 0,
        };
        assert_eq!(verify_range(&request).unwrap(), (5, 0));
        assert_eq!(checkpoint_limit(0).unwrap(), DEFAULT_CHECKPOINT_LIMIT);
        assert!(checkpoint_limit(1001).is_err());
    }

    #[test]
    fn bus_event_details_are_kept() {
        let bus = quorum_bus::events::AuditEvent {
            event_id: "e".into(),
            actor: "a".into(),
            action: "x.y".into(),
            resource: String::new(),
            outcome: quorum_bus::events::AuditOutcome::Denied,
            occurred_at_ms: 0,
            source_service: "s".into(),
            source_address: String::new(),
            details: serde_json::json!([1]),
        };
        let event = bus_event(&bus, 9).unwrap();
        assert_eq!(event.details_json, r#"{"value":[1]}"#);
        assert_eq!(event.occurred_at_ms, 9);
        let empty = quorum_bus::events::AuditEvent {
            event_id: String::new(),
            ..bus
        };
        assert!(bus_event(&empty, 9).unwrap_err().contains("event_id"));
    }
}
