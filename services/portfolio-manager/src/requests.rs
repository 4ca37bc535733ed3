//! Request fields shared by the RPCs, checked at the edge: every problem is collected
//! and named, then answered as one INVALID_ARGUMENT.
use quorum_domain::Venue;
use quorum_domain::convert::{FieldProblem, parse_venue, parse_venue_filter};
use quorum_kit::errors::FieldErrors;
use quorum_proto::common::v1::{PageRequest, TimeRange};

use crate::equity::{PointKey, decode_page_token};

/// The last millisecond of the year 9999: the end of an open range.
pub const MAX_TIME_MS: i64 = 253_402_300_799_999;
/// Points per page when the request does not say.
pub const DEFAULT_PAGE_SIZE: u32 = 100;
/// Most points one page may hold.
pub const MAX_PAGE_SIZE: u32 = 1000;

/// A required account name.
pub fn account(errors: &mut FieldErrors, text: &str) -> Option<String> {
    quorum_ledger::account_name("account", text)
        .map_err(|error| errors.add("account", problem_of(&error)))
        .ok()
}

/// A venue where unset means every venue.
pub fn venue_filter(errors: &mut FieldErrors, value: i32) -> Option<Option<Venue>> {
    collect(errors, parse_venue_filter("venue", value))
}

/// A venue that must be named.
pub fn venue(errors: &mut FieldErrors, value: i32) -> Option<Venue> {
    collect(errors, parse_venue("venue", value))
}

/// `[from, to)`: unset is everything, an unset end is open.
pub fn range(errors: &mut FieldErrors, range: Option<&TimeRange>) -> Option<(i64, i64)> {
    let range = range.cloned().unwrap_or_default();
    let to_ms = if range.to_unix_ms == 0 {
        MAX_TIME_MS
    } else {
        range.to_unix_ms
    };
    let from_ok = (0..=MAX_TIME_MS).contains(&range.from_unix_ms);
    let to_ok = (0..=MAX_TIME_MS).contains(&to_ms);
    errors.check(
        from_ok,
        "range.from_unix_ms",
        format!("must be a Unix time in milliseconds between 0 and {MAX_TIME_MS}"),
    );
    errors.check(
        to_ok,
        "range.to_unix_ms",
        format!("must be a Unix time in milliseconds between 0 and {MAX_TIME_MS} (0: no end)"),
    );
    if from_ok && to_ok && range.from_unix_ms > to_ms {
        errors.add("range.from_unix_ms", "must not be after range.to_unix_ms");
        return None;
    }
    (from_ok && to_ok).then_some((range.from_unix_ms, to_ms))
}

/// Page size and where to continue: `Some((size, None))` for a first page.
pub fn page(
    errors: &mut FieldErrors,
    page: Option<&PageRequest>,
) -> Option<(u32, Option<PointKey>)> {
    let page = page.cloned().unwrap_or_default();
    let size = match page.page_size {
        0 => DEFAULT_PAGE_SIZE,
        size if size > MAX_PAGE_SIZE => {
            errors.add("page.page_size", format!("must be at most {MAX_PAGE_SIZE}"));
            return None;
        }
        size => size,
    };
    if page.page_token.is_empty() {
        return Some((size, None));
    }
    match decode_page_token(&page.page_token) {
        Some(key) => Some((size, Some(key))),
        None => {
            errors.add(
                "page.page_token",
                "is not a token from a previous reply; start again without one",
            );
            None
        }
    }
}

/// What a ledger error says is wrong, without the field name it starts with.
pub fn problem_of(error: &quorum_ledger::LedgerError) -> String {
    match error {
        quorum_ledger::LedgerError::Invalid { problem, .. } => problem.clone(),
        other => other.to_string(),
    }
}

fn collect<T>(errors: &mut FieldErrors, parsed: Result<T, FieldProblem>) -> Option<T> {
    parsed
        .map_err(|problem| errors.add(&problem.field, problem.problem))
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::equity::encode_page_token;

    fn fields(errors: FieldErrors) -> String {
        errors.into_result().unwrap_err().message().to_string()
    }

    #[test]
    fn accounts_are_required_and_trimmed() {
        let mut errors = FieldErrors::new();
        assert_eq!(account(&mut errors, " alice "), Some("alice".into()));
        assert!(errors.is_empty());
        assert_eq!(account(&mut errors, ""), None);
        assert!(fields(errors).starts_with("account: "));
    }

    #[test]
    fn ranges_default_to_everything_and_must_be_ordered() {
        let mut errors = FieldErrors::new();
        assert_eq!(range(&mut errors, None), Some((0, MAX_TIME_MS)));
        let bad = TimeRange {
            from_unix_ms: 10,
            to_unix_ms: 5,
        };
        assert_eq!(range(&mut errors, Some(&bad)), None);
        assert!(fields(errors).contains("range.from_unix_ms"));
        let mut errors = FieldErrors::new();
        let negative = TimeRange {
            from_unix_ms: -1,
            to_unix_ms: 0,
        };
        assert_eq!(range(&mut errors, Some(&negative)), None);
    }

    #[test]
    fn pages_have_a_default_a_limit_and_our_tokens_only() {
        let mut errors = FieldErrors::new();
        assert_eq!(page(&mut errors, None), Some((DEFAULT_PAGE_SIZE, None)));
        let key = PointKey { at_ms: 5, id: 9 };
        let next = PageRequest {
            page_size: 10,
            page_token: encode_page_token(key),
        };
        assert_eq!(page(&mut errors, Some(&next)), Some((10, Some(key))));
        assert!(errors.is_empty());
        let too_big = PageRequest {
            page_size: MAX_PAGE_SIZE + 1,
            page_token: String::new(),
        };
        assert_eq!(page(&mut errors, Some(&too_big)), None);
        assert!(fields(errors).contains("page.page_size"));
        let mut errors = FieldErrors::new();
        let forged = PageRequest {
            page_size: 1,
            page_token: "forged".into(),
        };
        assert_eq!(page(&mut errors, Some(&forged)), None);
        assert!(fields(errors).contains("page.page_token"));
    }
}
