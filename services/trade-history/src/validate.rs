//! Checking query requests at the edge: symbol, venue filter, time range, page size and
//! page token, candle interval and how many candles a range spans.
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use quorum_domain::convert::{FieldProblem, parse_symbol, parse_venue_filter};
use quorum_domain::{Symbol, Venue};
use quorum_kit::errors::FieldErrors;
use quorum_proto::common::v1::{PageRequest, TimeRange};
use quorum_proto::marketdata::v1 as pb;
use tonic::Status;

use crate::interval::Interval;
use crate::store::MAX_TIME_MS;

pub const DEFAULT_PAGE_SIZE: u32 = 500;
pub const MAX_PAGE_SIZE: u32 = 5000;
/// Candles one GetCandles call may return.
pub const MAX_CANDLES: i64 = 10_000;

/// The key of a trade in query order: where a page ends and the next one starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TradeKey {
    pub traded_at_ms: i64,
    pub venue: Venue,
    pub trade_id: String,
}

/// A checked QueryTrades request. `to_ms` is resolved ("0 means now").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TradeQuery {
    pub symbol: Symbol,
    pub venue: Option<Venue>,
    pub from_ms: i64,
    pub to_ms: i64,
    pub page_size: u32,
    /// Continue after this trade; `None` starts at `from_ms`.
    pub after: Option<TradeKey>,
}

/// A checked GetCandles request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CandleQuery {
    pub symbol: Symbol,
    pub venue: Option<Venue>,
    pub interval: Interval,
    pub from_ms: i64,
    pub to_ms: i64,
}

/// Checks a QueryTrades request; `now_ms` stands in for an unset end of range.
pub fn trade_query(request: &pb::QueryTradesRequest, now_ms: i64) -> Result<TradeQuery, Status> {
    let mut errors = FieldErrors::new();
    let symbol = collect(&mut errors, parse_symbol("symbol", &request.symbol));
    let venue = collect(&mut errors, parse_venue_filter("venue", request.venue));
    let range = range(&mut errors, request.range.as_ref(), now_ms);
    let page = request.page.clone().unwrap_or_default();
    errors.check(
        page.page_size <= MAX_PAGE_SIZE,
        "page.page_size",
        format!("must be at most {MAX_PAGE_SIZE} (0 means {DEFAULT_PAGE_SIZE})"),
    );
    let after = page_key(&mut errors, &page);
    errors.into_result()?;
    match (symbol, venue, range, after) {
        (Some(symbol), Some(venue), Some((from_ms, to_ms)), Some(after)) => Ok(TradeQuery {
            symbol,
            venue,
            from_ms,
            to_ms,
            page_size: page_size(&page),
            after,
        }),
        _ => Err(Status::invalid_argument("the request is not valid")),
    }
}

/// Checks a GetCandles request; `now_ms` stands in for an unset end of range.
pub fn candle_query(request: &pb::GetCandlesRequest, now_ms: i64) -> Result<CandleQuery, Status> {
    let mut errors = FieldErrors::new();
    let symbol = collect(&mut errors, parse_symbol("symbol", &request.symbol));
    let venue = collect(&mut errors, parse_venue_filter("venue", request.venue));
    let interval = Interval::parse(&request.interval);
    errors.check(
        interval.is_some(),
        "interval",
        format!(
            "'{}' is not supported: use one of {}",
            request.interval,
            Interval::NAMES.join(", ")
        ),
    );
    let range = range(&mut errors, request.range.as_ref(), now_ms);
    if let (Some(interval), Some((from_ms, to_ms))) = (interval, range) {
        let candles = interval.buckets_between(from_ms, to_ms);
        errors.check(
            candles <= MAX_CANDLES,
            "range",
            format!(
                "spans {candles} {} candles; at most {MAX_CANDLES} per call: narrow the range \
                 or use a longer interval",
                interval.name()
            ),
        );
    }
    errors.into_result()?;
    match (symbol, venue, interval, range) {
        (Some(symbol), Some(venue), Some(interval), Some((from_ms, to_ms))) => Ok(CandleQuery {
            symbol,
            venue,
            interval,
            from_ms,
            to_ms,
        }),
        _ => Err(Status::invalid_argument("the request is not valid")),
    }
}

/// The token that continues a listing after `key`.
pub fn encode_page_token(key: &TradeKey) -> String {
    B64.encode(format!(
        "{}:{}:{}",
        key.traded_at_ms,
        key.venue.as_str(),
        key.trade_id
    ))
}

/// The key a token continues after; `None` when it is not one of ours.
pub fn decode_page_token(token: &str) -> Option<TradeKey> {
    let bytes = B64.decode(token).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    // The trade id comes last and may itself contain ':'.
    let mut parts = text.splitn(3, ':');
    let traded_at_ms: i64 = parts.next()?.parse().ok()?;
    let venue: Venue = parts.next()?.parse().ok()?;
    let trade_id = parts.next()?.to_string();
    let valid = (0..=MAX_TIME_MS).contains(&traded_at_ms) && !trade_id.is_empty();
    valid.then_some(TradeKey {
        traded_at_ms,
        venue,
        trade_id,
    })
}

fn collect<T>(errors: &mut FieldErrors, parsed: Result<T, FieldProblem>) -> Option<T> {
    parsed
        .map_err(|problem| errors.add(&problem.field, problem.problem))
        .ok()
}

/// `[from, to)` with 0 as "now" for the end; `None` after adding what is wrong.
fn range(errors: &mut FieldErrors, range: Option<&TimeRange>, now_ms: i64) -> Option<(i64, i64)> {
    let range = range.cloned().unwrap_or_default();
    let in_bounds = |value: i64| (0..=MAX_TIME_MS).contains(&value);
    errors.check(
        in_bounds(range.from_unix_ms),
        "range.from_unix_ms",
        format!("must be a Unix time in milliseconds between 0 and {MAX_TIME_MS}"),
    );
    errors.check(
        in_bounds(range.to_unix_ms),
        "range.to_unix_ms",
        format!("must be a Unix time in milliseconds between 0 and {MAX_TIME_MS} (0 means now)"),
    );
    let to_ms = if range.to_unix_ms == 0 {
        now_ms
    } else {
        range.to_unix_ms
    };
    if in_bounds(range.from_unix_ms) && in_bounds(range.to_unix_ms) {
        errors.check(
            range.from_unix_ms <= to_ms,
            "range.from_unix_ms",
            "must not be after range.to_unix_ms (an unset end means now)",
        );
    }
    let valid =
        in_bounds(range.from_unix_ms) && in_bounds(range.to_unix_ms) && range.from_unix_ms <= to_ms;
    valid.then_some((range.from_unix_ms, to_ms))
}

/// `Some(None)` for the first page, `Some(Some(key))` to continue, `None` when bad.
fn page_key(errors: &mut FieldErrors, page: &PageRequest) -> Option<Option<TradeKey>> {
    if page.page_token.is_empty() {
        return Some(None);
    }
    match decode_page_token(&page.page_token) {
        Some(key) => Some(Some(key)),
        None => {
            errors.add(
                "page.page_token",
                "is not a token from a previous reply; start again without one",
            );
            None
        }
    }
}

fn page_size(page: &PageRequest) -> u32 {
    if page.page_size == 0 {
        DEFAULT_PAGE_SIZE
    } else {
        page.page_size
    }
}

#[cfg(test)]
#[path = "validate_tests.rs"]
mod tests;
