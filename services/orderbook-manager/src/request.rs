//! Checking request fields at the edge, and the gRPC status of every read failure.
use quorum_domain::Symbol;
use quorum_domain::convert::{self, FieldProblem};
use quorum_kit::errors::{FieldErrors, invalid_field};
use tonic::Status;

use crate::books::{ReadError, Target};
use crate::depth::{DEFAULT_BANDS_BPS, DepthError, MAX_BAND_BPS};

/// Levels per side when a request asks for 0.
pub const DEFAULT_DEPTH: usize = 20;
/// Most levels per side a request may ask for.
pub const MAX_DEPTH: u32 = 1000;
/// Most bands one GetDepthStats may ask for.
pub const MAX_BANDS: usize = 16;

/// The book a request names: its symbol and venue (or the aggregate).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookRequest {
    pub symbol: Symbol,
    pub target: Target,
}

/// Venue, symbol and depth of GetBook and StreamBook.
pub fn book_request(venue: i32, symbol: &str, depth: u32) -> Result<(BookRequest, usize), Status> {
    let mut errors = FieldErrors::new();
    let book = book_fields(&mut errors, venue, symbol);
    errors.check(
        depth <= MAX_DEPTH,
        "depth",
        format!("must be at most {MAX_DEPTH} levels per side (0 means {DEFAULT_DEPTH})"),
    );
    errors.into_result()?;
    let depth = if depth == 0 {
        DEFAULT_DEPTH
    } else {
        depth as usize
    };
    book.map(|book| (book, depth))
        .ok_or_else(|| invalid_field("symbol", "is required, e.g. BTC-USDT"))
}

/// Venue, symbol and bands of GetDepthStats; no bands means the defaults.
pub fn depth_request(
    venue: i32,
    symbol: &str,
    bands_bps: &[u32],
) -> Result<(BookRequest, Vec<u32>), Status> {
    let mut errors = FieldErrors::new();
    let book = book_fields(&mut errors, venue, symbol);
    errors.check(
        bands_bps.len() <= MAX_BANDS,
        "bands_bps",
        format!("at most {MAX_BANDS} bands"),
    );
    for (index, &bps) in bands_bps.iter().enumerate() {
        errors.check(
            (1..=MAX_BAND_BPS).contains(&bps),
            &format!("bands_bps[{index}]"),
            format!("must be between 1 and {MAX_BAND_BPS} basis points"),
        );
    }
    errors.into_result()?;
    let bands = if bands_bps.is_empty() {
        DEFAULT_BANDS_BPS.to_vec()
    } else {
        bands_bps.to_vec()
    };
    book.map(|book| (book, bands))
        .ok_or_else(|| invalid_field("symbol", "is required, e.g. BTC-USDT"))
}

fn book_fields(errors: &mut FieldErrors, venue: i32, symbol: &str) -> Option<BookRequest> {
    let target = convert::parse_venue_filter("venue", venue)
        .map(|venue| venue.map_or(Target::Aggregate, Target::Venue))
        .map_err(|problem| add(errors, problem))
        .ok();
    let symbol = convert::parse_symbol("symbol", symbol)
        .map_err(|problem| add(errors, problem))
        .ok();
    Some(BookRequest {
        symbol: symbol?,
        target: target?,
    })
}

fn add(errors: &mut FieldErrors, problem: FieldProblem) {
    errors.add(&problem.field, problem.problem);
}

/// The status of a read that found nothing to serve.
pub fn read_status(book: &BookRequest, error: &ReadError) -> Status {
    let symbol = &book.symbol;
    let name = match book.target {
        Target::Venue(venue) => format!("the {venue} book of {symbol}"),
        Target::Aggregate => format!("the aggregated book of {symbol}"),
    };
    match error {
        ReadError::UnknownSymbol => Status::not_found(format!(
            "no venue has published a book of {symbol}; check the symbol and that a venue connector tracks it"
        )),
        ReadError::UnknownBook => Status::not_found(format!(
            "{name} has not been published; check that the venue's connector tracks {symbol}"
        )),
        ReadError::NotSynced(reason) => Status::unavailable(format!(
            "{name} is not synced ({reason}); its connector was asked to resync, retry in a few seconds"
        )),
        ReadError::NoneSynced => Status::unavailable(format!(
            "no venue book of {symbol} is synced; their connectors were asked to resync, retry in a few seconds"
        )),
        ReadError::Overflow => Status::out_of_range(format!(
            "{name} holds sums that do not fit an exact decimal"
        )),
    }
}

/// The status of a book that has no statistics.
pub fn depth_status(book: &BookRequest, error: DepthError) -> Status {
    match error {
        DepthError::NoBids | DepthError::NoAsks => Status::failed_precondition(format!(
            "{} of {}: {error}; depth statistics need both sides, retry when the book has them",
            target_name(book.target),
            book.symbol
        )),
        DepthError::Overflow => Status::out_of_range(format!(
            "{} of {}: {error}",
            target_name(book.target),
            book.symbol
        )),
    }
}

fn target_name(target: Target) -> String {
    match target {
        Target::Venue(venue) => format!("the {venue} book"),
        Target::Aggregate => "the aggregated book".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quorum_domain::Venue;
    use quorum_proto::market::v1 as market;
    use tonic::Code;
    use tonic_types::StatusExt;

    fn fields(status: &Status) -> Vec<String> {
        status
            .get_error_details()
            .bad_request()
            .map(|bad| {
                bad.field_violations
                    .iter()
                    .map(|v| v.field.clone())
                    .collect()
            })
            .unwrap_or_default()
    }

    #[test]
    fn depth_defaults_to_twenty_and_venue_unspecified_is_the_aggregate() {
        let (book, depth) = book_request(0, "btc-usdt", 0).unwrap();
        assert_eq!(book.target, Target::Aggregate);
        assert_eq!(book.symbol.as_str(), "BTC-USDT");
        assert_eq!(depth, 20);
        let (book, depth) = book_request(market::Venue::Okx as i32, "ETH-BTC", 1000).unwrap();
        assert_eq!(book.target, Target::Venue(Venue::Okx));
        assert_eq!(depth, 1000);
    }

    #[test]
    fn every_bad_field_is_named() {
        let status = book_request(99, "BTCUSDT", 1001).unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument);
        assert_eq!(fields(&status), ["venue", "symbol", "depth"]);
        let status = book_request(0, "", 1).unwrap_err();
        assert_eq!(fields(&status), ["symbol"]);
    }

    #[test]
    fn bands_default_and_are_bounded() {
        let (_, bands) = depth_request(0, "BTC-USDT", &[]).unwrap();
        assert_eq!(bands, vec![10, 50, 100]);
        let (_, bands) = depth_request(0, "BTC-USDT", &[25, 10_000]).unwrap();
        assert_eq!(bands, vec![25, 10_000]);
        let status = depth_request(0, "BTC-USDT", &[10, 0, 10_001]).unwrap_err();
        assert_eq!(fields(&status), ["bands_bps[1]", "bands_bps[2]"]);
        let status = depth_request(0, "BTC-USDT", &[1; 17]).unwrap_err();
        assert_eq!(fields(&status), ["bands_bps"]);
    }

    #[test]
    fn read_failures_map_to_not_found_and_unavailable() {
        let (book, _) = book_request(1, "BTC-USDT", 0).unwrap();
        assert_eq!(
            read_status(&book, &ReadError::UnknownSymbol).code(),
            Code::NotFound
        );
        assert_eq!(
            read_status(&book, &ReadError::UnknownBook).code(),
            Code::NotFound
        );
        let gap = ReadError::NotSynced(crate::sequencing::Unsynced::Gap {
            expected: 3,
            received: 9,
        });
        let status = read_status(&book, &gap);
        assert_eq!(status.code(), Code::Unavailable);
        assert!(
            status.message().contains("expected 3, received 9"),
            "{}",
            status.message()
        );
        assert_eq!(
            depth_status(&book, DepthError::NoAsks).code(),
            Code::FailedPrecondition
        );
    }
}
