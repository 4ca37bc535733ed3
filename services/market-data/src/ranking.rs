//! Top movers: markets with trades in the window, ranked by absolute change percent or
//! by quote volume, largest first (ties in symbol order).
use std::cmp::Reverse;

use quorum_domain::Decimal;

use crate::statistics::Summary;

/// Markets returned when the request gives no limit.
pub const DEFAULT_LIMIT: usize = 10;
/// The most markets one request may ask for.
pub const MAX_LIMIT: usize = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ranking {
    /// Largest absolute change percent first.
    Change,
    /// Largest quote volume first. Quote volumes of markets with different quote assets
    /// are in different units; filter by quote asset for a like-for-like list.
    Volume,
}

/// The first `limit` markets of `summaries` by `ranking`; markets with no trade in
/// the window are left out.
pub fn top_movers(mut summaries: Vec<Summary>, ranking: Ranking, limit: usize) -> Vec<Summary> {
    summaries.retain(|summary| summary.trade_count() > 0);
    summaries.sort_by_cached_key(|summary| {
        let size = match ranking {
            Ranking::Change => summary
                .change_percent()
                .map_or(Decimal::ZERO, |change| change.abs()),
            Ranking::Volume => summary.quote_volume(),
        };
        (Reverse(size), summary.symbol.clone(), summary.venue)
    });
    summaries.truncate(limit);
    summaries
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::window::{PricePoint, WindowStats};
    use rust_decimal::dec;

    fn summary(symbol: &str, open: Decimal, close: Decimal, quote_volume: Decimal) -> Summary {
        let point = |price| PricePoint { price, at_ms: 1 };
        Summary {
            symbol: symbol.parse().unwrap(),
            venue: None,
            stats: Some(WindowStats {
                open: point(open),
                close: point(close),
                high: open.max(close),
                low: open.min(close),
                base_volume: dec!(1),
                quote_volume,
                trade_count: 1,
            }),
            window_start_ms: 0,
            updated_ms: 1,
        }
    }

    fn symbols(list: &[Summary]) -> Vec<&str> {
        list.iter().map(|summary| summary.symbol.as_str()).collect()
    }

    fn markets() -> Vec<Summary> {
        let mut quiet = summary("XRP-USDT", dec!(1), dec!(1), dec!(0));
        quiet.stats = None;
        vec![
            summary("BTC-USDT", dec!(100), dec!(102), dec!(9000)), // +2 %
            summary("ETH-USDT", dec!(100), dec!(95), dec!(5000)),  // -5 %
            summary("SOL-USDT", dec!(100), dec!(103), dec!(9000)), // +3 %
            summary("ADA-USDT", dec!(100), dec!(97), dec!(100)),   // -3 %
            quiet,
        ]
    }

    #[test]
    fn change_ranks_by_absolute_percent_with_ties_in_symbol_order() {
        let ranked = top_movers(markets(), Ranking::Change, 10);
        assert_eq!(
            symbols(&ranked),
            ["ETH-USDT", "ADA-USDT", "SOL-USDT", "BTC-USDT"]
        );
    }

    #[test]
    fn volume_ranks_by_quote_volume() {
        let ranked = top_movers(markets(), Ranking::Volume, 10);
        assert_eq!(
            symbols(&ranked),
            ["BTC-USDT", "SOL-USDT", "ETH-USDT", "ADA-USDT"]
        );
    }

    #[test]
    fn the_limit_cuts_the_list() {
        let ranked = top_movers(markets(), Ranking::Change, 2);
        assert_eq!(symbols(&ranked), ["ETH-USDT", "ADA-USDT"]);
    }
}
