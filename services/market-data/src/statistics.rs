//! A market's summary from its window statistics: change percent and VWAP, and the
//! all-venue summary merged from the venues' windows.
use quorum_domain::{Decimal, Symbol, Venue};

use crate::window::WindowStats;

/// The statistics of one market over the window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub symbol: Symbol,
    /// `None` for all venues together.
    pub venue: Option<Venue>,
    /// `None` when no trade is left in the window.
    pub stats: Option<WindowStats>,
    /// Start of the window's first minute (Unix ms).
    pub window_start_ms: i64,
    /// Time of the newest trade taken in (Unix ms).
    pub updated_ms: i64,
}

impl Summary {
    /// (last - open) / open * 100.
    pub fn change_percent(&self) -> Option<Decimal> {
        let stats = self.stats.as_ref()?;
        let open = stats.open.price;
        (stats.close.price - open)
            .checked_mul(Decimal::ONE_HUNDRED)?
            .checked_div(open)
            .map(|change| change.normalize())
    }

    /// Volume-weighted average price: quote volume / base volume.
    pub fn vwap(&self) -> Option<Decimal> {
        let stats = self.stats.as_ref()?;
        stats
            .quote_volume
            .checked_div(stats.base_volume)
            .map(|vwap| vwap.normalize())
    }

    pub fn trade_count(&self) -> u64 {
        self.stats.as_ref().map_or(0, |stats| stats.trade_count)
    }

    pub fn quote_volume(&self) -> Decimal {
        self.stats
            .as_ref()
            .map_or(Decimal::ZERO, |stats| stats.quote_volume)
    }
}

/// The statistics of several venues' windows (taken at the same time) as one market:
/// the earliest open, the latest close, the extremes, and summed volumes.
pub fn merge<'a>(parts: impl IntoIterator<Item = &'a WindowStats>) -> Option<WindowStats> {
    let mut parts = parts.into_iter();
    let mut merged = parts.next()?.clone();
    for part in parts {
        if part.open.at_ms < merged.open.at_ms {
            merged.open = part.open;
        }
        if part.close.at_ms > merged.close.at_ms {
            merged.close = part.close;
        }
        merged.high = merged.high.max(part.high);
        merged.low = merged.low.min(part.low);
        // Each venue's sums fit a decimal; their total could only exceed one for absurd
        // volumes, and then saturating is the honest answer.
        merged.base_volume = merged.base_volume.saturating_add(part.base_volume);
        merged.quote_volume = merged.quote_volume.saturating_add(part.quote_volume);
        merged.trade_count = merged.trade_count.saturating_add(part.trade_count);
    }
    Some(merged)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::window::PricePoint;
    use rust_decimal::dec;

    fn stats(
        open: (Decimal, i64),
        close: (Decimal, i64),
        high: Decimal,
        low: Decimal,
    ) -> WindowStats {
        WindowStats {
            open: PricePoint {
                price: open.0,
                at_ms: open.1,
            },
            close: PricePoint {
                price: close.0,
                at_ms: close.1,
            },
            high,
            low,
            base_volume: dec!(2),
            quote_volume: dec!(210),
            trade_count: 2,
        }
    }

    fn summary(stats: Option<WindowStats>) -> Summary {
        Summary {
            symbol: "BTC-USDT".parse().unwrap(),
            venue: None,
            stats,
            window_start_ms: 0,
            updated_ms: 0,
        }
    }

    #[test]
    fn change_and_vwap_by_hand() {
        let value = summary(Some(stats(
            (dec!(100), 1),
            (dec!(110), 2),
            dec!(110),
            dec!(100),
        )));
        assert_eq!(value.change_percent(), Some(dec!(10)));
        assert_eq!(value.vwap(), Some(dec!(105)));
        let falling = summary(Some(stats(
            (dec!(80), 1),
            (dec!(60), 2),
            dec!(80),
            dec!(60),
        )));
        assert_eq!(falling.change_percent(), Some(dec!(-25)));
    }

    #[test]
    fn an_empty_window_has_no_prices() {
        let value = summary(None);
        assert_eq!(value.change_percent(), None);
        assert_eq!(value.vwap(), None);
        assert_eq!(value.trade_count(), 0);
        assert_eq!(value.quote_volume(), dec!(0));
    }

    #[test]
    fn venues_merge_into_one_market() {
        let binance = stats((dec!(100), 10), (dec!(104), 50), dec!(106), dec!(99));
        let okx = stats((dec!(101), 5), (dec!(103), 40), dec!(105), dec!(98));
        let merged = merge([&binance, &okx]).unwrap();
        assert_eq!(merged.open.price, dec!(101), "okx traded first");
        assert_eq!(merged.close.price, dec!(104), "binance traded last");
        assert_eq!((merged.high, merged.low), (dec!(106), dec!(98)));
        assert_eq!(merged.base_volume, dec!(4));
        assert_eq!(merged.quote_volume, dec!(420));
        assert_eq!(merged.trade_count, 4);
        assert_eq!(merge(Vec::<&WindowStats>::new()), None);
    }
}
