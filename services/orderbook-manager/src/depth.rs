//! Depth statistics of a book: top of book, mid, spread, the quantity and notional
//! resting within bands around the mid, and the imbalance at the top.
use std::fmt;

use quorum_domain::{Decimal, Level};
use rust_decimal::prelude::ToPrimitive;

use crate::aggregate::Sides;

/// Bands used when a request names none, in basis points.
pub const DEFAULT_BANDS_BPS: [u32; 3] = [10, 50, 100];
/// The widest band: 100 % of the mid.
pub const MAX_BAND_BPS: u32 = 10_000;
/// Decimal places of the spread in basis points.
pub const SPREAD_BPS_PLACES: u32 = 6;

const BPS_PER_UNIT: Decimal = Decimal::from_parts(10_000, 0, 0, false, 0);

/// Liquidity within ±`bps` of the mid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Band {
    pub bps: u32,
    pub bid_quantity: Decimal,
    pub ask_quantity: Decimal,
    pub bid_notional: Decimal,
    pub ask_notional: Decimal,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DepthStats {
    pub best_bid: Level,
    pub best_ask: Level,
    pub mid: Decimal,
    /// Best ask minus best bid; negative when an aggregated book is crossed across venues.
    pub spread: Decimal,
    /// Spread over mid in basis points, rounded to [`SPREAD_BPS_PLACES`] places.
    pub spread_bps: Decimal,
    pub bands: Vec<Band>,
    /// (best bid quantity - best ask quantity) / their sum, in [-1, 1].
    pub top_imbalance: f64,
}

/// Why statistics cannot be computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DepthError {
    NoBids,
    NoAsks,
    Overflow,
}

impl fmt::Display for DepthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DepthError::NoBids => "the book has no bids",
            DepthError::NoAsks => "the book has no asks",
            DepthError::Overflow => "a notional does not fit an exact decimal",
        })
    }
}

/// Statistics of a book given best first (`bands_bps` each in 1..=10 000).
pub fn depth_stats(sides: &Sides, bands_bps: &[u32]) -> Result<DepthStats, DepthError> {
    let best_bid = *sides.bids.first().ok_or(DepthError::NoBids)?;
    let best_ask = *sides.asks.first().ok_or(DepthError::NoAsks)?;
    let total = best_bid.price.checked_add(best_ask.price);
    let mid = total.ok_or(DepthError::Overflow)? / Decimal::TWO;
    let spread = best_ask.price - best_bid.price;
    let spread_bps = spread
        .checked_mul(BPS_PER_UNIT)
        .and_then(|scaled| scaled.checked_div(mid))
        .ok_or(DepthError::Overflow)?
        .round_dp(SPREAD_BPS_PLACES);
    let bands = bands_bps
        .iter()
        .map(|&bps| band(sides, mid, bps))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(DepthStats {
        best_bid,
        best_ask,
        mid,
        spread,
        spread_bps,
        bands,
        top_imbalance: imbalance(best_bid.quantity, best_ask.quantity),
    })
}

fn band(sides: &Sides, mid: Decimal, bps: u32) -> Result<Band, DepthError> {
    let offset = mid
        .checked_mul(Decimal::from(bps))
        .ok_or(DepthError::Overflow)?
        / BPS_PER_UNIT;
    let floor = mid - offset;
    let ceiling = mid.checked_add(offset).ok_or(DepthError::Overflow)?;
    let (bid_quantity, bid_notional) = sum_while(&sides.bids, |level| level.price >= floor)?;
    let (ask_quantity, ask_notional) = sum_while(&sides.asks, |level| level.price <= ceiling)?;
    Ok(Band {
        bps,
        bid_quantity,
        ask_quantity,
        bid_notional,
        ask_notional,
    })
}

/// Quantity and notional of the levels (best first) until `inside` fails.
fn sum_while(
    levels: &[Level],
    inside: impl Fn(&Level) -> bool,
) -> Result<(Decimal, Decimal), DepthError> {
    let mut quantity = Decimal::ZERO;
    let mut notional = Decimal::ZERO;
    for level in levels.iter().take_while(|level| inside(level)) {
        quantity = quantity
            .checked_add(level.quantity)
            .ok_or(DepthError::Overflow)?;
        notional = level
            .price
            .checked_mul(level.quantity)
            .and_then(|value| notional.checked_add(value))
            .ok_or(DepthError::Overflow)?;
    }
    Ok((quantity, notional))
}

fn imbalance(bid_quantity: Decimal, ask_quantity: Decimal) -> f64 {
    let bid = bid_quantity.to_f64().unwrap_or(0.0);
    let ask = ask_quantity.to_f64().unwrap_or(0.0);
    let total = bid + ask;
    if total > 0.0 {
        (bid - ask) / total
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    fn sides(bids: &[(Decimal, Decimal)], asks: &[(Decimal, Decimal)]) -> Sides {
        let levels = |side: &[(Decimal, Decimal)]| -> Vec<Level> {
            side.iter().map(|&(p, q)| Level::new(p, q)).collect()
        };
        Sides {
            bids: levels(bids),
            asks: levels(asks),
        }
    }

    #[test]
    fn statistics_match_hand_computed_values() {
        // Mid 1000; 10 bps = ±1, 50 bps = ±5, 100 bps = ±10.
        let book = sides(
            &[
                (dec!(999.5), dec!(3)),
                (dec!(999), dec!(1)),
                (dec!(996), dec!(2)),
                (dec!(989), dec!(10)),
            ],
            &[
                (dec!(1000.5), dec!(1)),
                (dec!(1001), dec!(2)),
                (dec!(1004), dec!(4)),
                (dec!(1011), dec!(5)),
            ],
        );
        let stats = depth_stats(&book, &DEFAULT_BANDS_BPS).unwrap();
        assert_eq!(stats.mid, dec!(1000));
        assert_eq!(stats.spread, dec!(1));
        assert_eq!(stats.spread_bps, dec!(10));
        assert!((stats.top_imbalance - 0.5).abs() < 1e-12);
        let expected = [
            // ±1: bids >= 999, asks <= 1001.
            (10, dec!(4), dec!(3), dec!(3997.5), dec!(3002.5)),
            // ±5: bids >= 995, asks <= 1005.
            (50, dec!(6), dec!(7), dec!(5989.5), dec!(7018.5)),
            // ±10: bids >= 990, asks <= 1010 (989 and 1011 stay out).
            (100, dec!(6), dec!(7), dec!(5989.5), dec!(7018.5)),
        ];
        for (band, (bps, bid_q, ask_q, bid_n, ask_n)) in stats.bands.iter().zip(expected) {
            assert_eq!(band.bps, bps);
            assert_eq!(
                (
                    band.bid_quantity,
                    band.ask_quantity,
                    band.bid_notional,
                    band.ask_notional
                ),
                (bid_q, ask_q, bid_n, ask_n),
                "band {bps}"
            );
        }
    }

    #[test]
    fn the_widest_band_takes_every_bid_and_spread_bps_is_rounded() {
        let book = sides(
            &[(dec!(100), dec!(1)), (dec!(0.01), dec!(5))],
            &[(dec!(100.1), dec!(3))],
        );
        let stats = depth_stats(&book, &[MAX_BAND_BPS]).unwrap();
        // 0.1 / 100.05 * 10 000 = 9.99500249875...
        assert_eq!(stats.spread_bps, dec!(9.995002));
        assert_eq!(stats.bands[0].bid_quantity, dec!(6));
        assert_eq!(stats.bands[0].ask_quantity, dec!(3));
        assert!((stats.top_imbalance + 0.5).abs() < 1e-12);
    }

    #[test]
    fn one_sided_books_have_no_statistics() {
        let bids_only = sides(&[(dec!(1), dec!(1))], &[]);
        assert_eq!(depth_stats(&bids_only, &[10]), Err(DepthError::NoAsks));
        let asks_only = sides(&[], &[(dec!(1), dec!(1))]);
        assert_eq!(depth_stats(&asks_only, &[10]), Err(DepthError::NoBids));
    }

    #[test]
    fn a_crossed_aggregate_has_a_negative_spread() {
        let book = sides(&[(dec!(101), dec!(1))], &[(dec!(100), dec!(1))]);
        let stats = depth_stats(&book, &[]).unwrap();
        assert_eq!(stats.spread, dec!(-1));
        assert!(stats.spread_bps < Decimal::ZERO);
        assert_eq!(stats.top_imbalance, 0.0);
    }

    #[test]
    fn notional_overflow_is_an_error_not_a_panic() {
        let book = sides(
            &[(dec!(100000000000000000000), dec!(100000000000000000000))],
            &[(dec!(100000000000000000001), dec!(1))],
        );
        assert_eq!(depth_stats(&book, &[10]), Err(DepthError::Overflow));
    }
}
