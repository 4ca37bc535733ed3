//! ListDecisions: its filters, checked, and opaque page tokens over the keyset
//! (decided_at, decision_id), newest first.
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use quorum_consensus::Verdict;
use quorum_kit::errors::FieldErrors;
use quorum_proto::ai::v1 as ai;
use tonic::Status;
use uuid::Uuid;

use crate::convert;
use crate::validate::valid_name;

pub const DEFAULT_PAGE_SIZE: u32 = 50;
pub const MAX_PAGE_SIZE: u32 = 500;
const TOKEN_VERSION: &str = "d1";

/// Where a page ends: the last decision's time (microseconds) and id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageKey {
    pub decided_at_micros: i64,
    pub decision_id: Uuid,
}

/// A checked ListDecisions request.
#[derive(Debug, Clone, PartialEq)]
pub struct DecisionFilter {
    pub symbol: Option<String>,
    pub approved: Option<bool>,
    pub verdict: Option<Verdict>,
    pub voter: Option<String>,
    /// [from, to) in Unix milliseconds; `None` is unbounded.
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
    pub page_size: u32,
    pub after: Option<PageKey>,
}

/// Checks the filters and the page request.
pub fn filter(request: &ai::ListDecisionsRequest) -> Result<DecisionFilter, Status> {
    let mut errors = FieldErrors::new();
    let symbol = request.symbol.trim();
    let symbol = (!symbol.is_empty()).then(|| symbol.to_ascii_uppercase());
    let verdict = match request.verdict {
        0 => None,
        number => {
            let verdict = convert::verdict(number);
            errors.check(
                verdict.is_some(),
                "verdict",
                format!("{number} is not a verdict"),
            );
            verdict
        }
    };
    let voter = request.voter.trim();
    let voter = (!voter.is_empty()).then(|| voter.to_string());
    if let Some(voter) = &voter {
        errors.check(
            valid_name(voter),
            "voter",
            format!("'{voter}' is not a voter name"),
        );
    }
    let range = request.range.unwrap_or_default();
    errors.check(
        range.from_unix_ms >= 0,
        "range.from_unix_ms",
        "must be >= 0",
    );
    errors.check(
        range.to_unix_ms == 0 || range.to_unix_ms > range.from_unix_ms,
        "range.to_unix_ms",
        "must be after range.from_unix_ms (0 means no end)",
    );
    let page = request.page.clone().unwrap_or_default();
    errors.check(
        page.page_size <= MAX_PAGE_SIZE,
        "page.page_size",
        format!("at most {MAX_PAGE_SIZE}"),
    );
    let after = if page.page_token.is_empty() {
        None
    } else {
        let key = decode_token(&page.page_token);
        errors.check(
            key.is_some(),
            "page.page_token",
            "is not a token from a previous ListDecisions response",
        );
        key
    };
    errors.into_result()?;
    Ok(DecisionFilter {
        symbol,
        approved: request.approved,
        verdict,
        voter,
        from_ms: (range.from_unix_ms > 0).then_some(range.from_unix_ms),
        to_ms: (range.to_unix_ms > 0).then_some(range.to_unix_ms),
        page_size: if page.page_size == 0 {
            DEFAULT_PAGE_SIZE
        } else {
            page.page_size
        },
        after,
    })
}

/// The token that continues a listing after `key`.
pub fn encode_token(key: &PageKey) -> String {
    B64.encode(format!(
        "{TOKEN_VERSION}:{}:{}",
        key.decided_at_micros, key.decision_id
    ))
}

/// The key a token continues after; `None` when it is not one of ours.
pub fn decode_token(token: &str) -> Option<PageKey> {
    let text = String::from_utf8(B64.decode(token.trim()).ok()?).ok()?;
    let mut parts = text.split(':');
    if parts.next()? != TOKEN_VERSION {
        return None;
    }
    let decided_at_micros = parts.next()?.parse().ok()?;
    let decision_id = parts.next()?.parse().ok()?;
    if parts.next().is_some() {
        return None;
    }
    Some(PageKey {
        decided_at_micros,
        decision_id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use quorum_proto::common::v1::{PageRequest, TimeRange};

    #[test]
    fn tokens_round_trip_and_strangers_are_refused() {
        let key = PageKey {
            decided_at_micros: 1_700_000_000_123_456,
            decision_id: Uuid::now_v7(),
        };
        assert_eq!(decode_token(&encode_token(&key)), Some(key));
        assert_eq!(decode_token("not base64!"), None);
        assert_eq!(decode_token(&B64.encode("d2:1:x")), None);
        assert_eq!(
            decode_token(&B64.encode(format!("d1:1:{}:extra", key.decision_id))),
            None
        );
    }

    #[test]
    fn defaults_and_bounds() {
        let plain = filter(&ai::ListDecisionsRequest::default()).unwrap();
        assert_eq!(plain.page_size, DEFAULT_PAGE_SIZE);
        assert_eq!(plain.symbol, None);
        assert_eq!(plain.from_ms, None);
        let request = ai::ListDecisionsRequest {
            symbol: " btc-usdt ".into(),
            approved: Some(true),
            verdict: ai::Verdict::Stalemate.into(),
            voter: "momentum-trader".into(),
            range: Some(TimeRange {
                from_unix_ms: 10,
                to_unix_ms: 20,
            }),
            page: Some(PageRequest {
                page_size: 500,
                page_token: String::new(),
            }),
        };
        let checked = filter(&request).unwrap();
        assert_eq!(checked.symbol.as_deref(), Some("BTC-USDT"));
        assert_eq!(checked.verdict, Some(Verdict::Stalemate));
        assert_eq!((checked.from_ms, checked.to_ms), (Some(10), Some(20)));
        assert_eq!(checked.page_size, 500);
    }

    #[test]
    fn bad_fields_are_named() {
        let request = ai::ListDecisionsRequest {
            verdict: 42,
            voter: "Bad Name".into(),
            range: Some(TimeRange {
                from_unix_ms: 20,
                to_unix_ms: 10,
            }),
            page: Some(PageRequest {
                page_size: 501,
                page_token: "garbage".into(),
            }),
            ..Default::default()
        };
        let status = filter(&request).unwrap_err();
        for field in [
            "verdict",
            "voter",
            "range.to_unix_ms",
            "page.page_size",
            "page.page_token",
        ] {
            assert!(
                status.message().contains(field),
                "{field}: {}",
                status.message()
            );
        }
    }
}
