//! From each venue's latest top of book to one consolidated quote: which venues count
//! (stale, one-sided, crossed and outlier venues do not) and the prices over those that do.
use std::collections::BTreeMap;

use quorum_domain::{Decimal, Level, Symbol, Venue};

use crate::outlier::{OutlierRule, flag_outliers};
use crate::quote::{Exclusion, Quote, VenuePrice, VenueQuote};

/// What price-feed knows of one venue for one symbol.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VenueState {
    pub bid: Option<Level>,
    pub ask: Option<Level>,
    pub last: Option<LastTrade>,
    /// The venue's time of its latest ticker; older tickers are ignored.
    pub event_ms: i64,
    /// Our time of receiving the latest ticker; staleness counts from here, so a venue
    /// whose clock runs behind is not stale for it.
    pub received_ms: i64,
}

/// A venue's latest trade price and the venue's time of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LastTrade {
    pub price: Decimal,
    pub at_ms: i64,
}

/// When venues are left out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    /// A venue with no ticker for longer than this is stale.
    pub stale_after_ms: i64,
    pub outlier: OutlierRule,
}

/// The consolidated quote of `symbol` at `now_ms`.
///
/// Exclusions are decided in this order: stale, one-sided, crossed, then the outlier
/// test over the mids of the venues still in.
pub fn consolidate(
    symbol: &Symbol,
    venues: &BTreeMap<Venue, VenueState>,
    rules: &Rules,
    now_ms: i64,
) -> Quote {
    let mut quotes: Vec<VenueQuote> = venues
        .iter()
        .map(|(venue, state)| VenueQuote {
            venue: *venue,
            bid: state.bid,
            ask: state.ask,
            last: state.last.map(|last| last.price),
            updated_ms: state.received_ms,
            exclusion: book_exclusion(state, rules, now_ms),
        })
        .collect();
    let candidates: Vec<(usize, Decimal)> = quotes
        .iter()
        .enumerate()
        .filter(|(_, quote)| quote.exclusion == Exclusion::None)
        .filter_map(|(index, quote)| Some((index, mid(quote.bid?, quote.ask?))))
        .collect();
    let mids: Vec<Decimal> = candidates.iter().map(|(_, mid)| *mid).collect();
    for ((index, _), outlier) in candidates.iter().zip(flag_outliers(&mids, &rules.outlier)) {
        if let (true, Some(quote)) = (outlier, quotes.get_mut(*index)) {
            quote.exclusion = Exclusion::Outlier;
        }
    }
    aggregate(symbol, venues, quotes)
}

fn book_exclusion(state: &VenueState, rules: &Rules, now_ms: i64) -> Exclusion {
    if now_ms.saturating_sub(state.received_ms) > rules.stale_after_ms {
        return Exclusion::Stale;
    }
    match (state.bid, state.ask) {
        (Some(bid), Some(ask)) if bid.price >= ask.price => Exclusion::Crossed,
        (Some(_), Some(_)) => Exclusion::None,
        _ => Exclusion::OneSided,
    }
}

fn mid(bid: Level, ask: Level) -> Decimal {
    ((bid.price + ask.price) / Decimal::TWO).normalize()
}

/// The consolidated prices over the venues whose exclusion is `None`.
fn aggregate(
    symbol: &Symbol,
    venues: &BTreeMap<Venue, VenueState>,
    quotes: Vec<VenueQuote>,
) -> Quote {
    let mut best_bid: Option<(Venue, Level)> = None;
    let mut best_ask: Option<(Venue, Level)> = None;
    let mut books: Vec<(Decimal, Decimal)> = Vec::new();
    let mut last: Option<(Venue, LastTrade)> = None;
    for quote in quotes.iter().filter(|q| q.exclusion == Exclusion::None) {
        let (Some(bid), Some(ask)) = (quote.bid, quote.ask) else {
            continue;
        };
        // Ties go to the larger quantity, then to the venue listed first.
        if best_bid.is_none_or(|(_, best)| (bid.price, bid.quantity) > (best.price, best.quantity))
        {
            best_bid = Some((quote.venue, bid));
        }
        if best_ask.is_none_or(|(_, best)| {
            ask.price < best.price || (ask.price == best.price && ask.quantity > best.quantity)
        }) {
            best_ask = Some((quote.venue, ask));
        }
        books.push((mid(bid, ask), bid.quantity + ask.quantity));
        let trade = venues.get(&quote.venue).and_then(|state| state.last);
        if let Some(trade) = trade
            && last.is_none_or(|(_, newest)| trade.at_ms > newest.at_ms)
        {
            last = Some((quote.venue, trade));
        }
    }
    Quote {
        symbol: symbol.clone(),
        best_bid: best_bid.map(|(venue, level)| VenuePrice {
            venue,
            price: level.price,
        }),
        best_ask: best_ask.map(|(venue, level)| VenuePrice {
            venue,
            price: level.price,
        }),
        mid: match (best_bid, best_ask) {
            (Some((_, bid)), Some((_, ask))) => Some(mid(bid, ask)),
            _ => None,
        },
        weighted_mid: weighted_mid(&books),
        last: last.map(|(venue, trade)| VenuePrice {
            venue,
            price: trade.price,
        }),
        updated_ms: quotes
            .iter()
            .map(|quote| quote.updated_ms)
            .max()
            .unwrap_or(0),
        venues: quotes,
    }
}

/// Mean of mids weighted by quantity; the plain mean when every book is empty of
/// quantity; `None` without books or when a product would overflow.
fn weighted_mid(books: &[(Decimal, Decimal)]) -> Option<Decimal> {
    let mut weighted_sum = Decimal::ZERO;
    let mut total_weight = Decimal::ZERO;
    for (mid, weight) in books {
        weighted_sum = weighted_sum.checked_add(mid.checked_mul(*weight)?)?;
        total_weight = total_weight.checked_add(*weight)?;
    }
    if total_weight.is_zero() {
        let count = Decimal::from(books.len());
        let sum = books
            .iter()
            .try_fold(Decimal::ZERO, |sum, (mid, _)| sum.checked_add(*mid))?;
        return sum.checked_div(count).map(|mean| mean.normalize());
    }
    weighted_sum
        .checked_div(total_weight)
        .map(|mean| mean.normalize())
}

#[cfg(test)]
mod tests;
