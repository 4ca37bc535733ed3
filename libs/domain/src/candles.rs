//! The event of a candle interval that has closed, as carried on the `md.candles` topic.
use serde::{Deserialize, Serialize};

use crate::{Candle, Symbol, Venue};

/// One venue's candle of one symbol over one interval, final once published.
///
/// Published at most once per (venue, symbol, interval, `candle.open_time_ms`) by its
/// producer; the bus delivers at least once, so consumers deduplicate on that key.
/// Intervals without trades have no event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CandleClosed {
    pub venue: Venue,
    pub symbol: Symbol,
    /// The interval's name, as GetCandles takes it: "1s", "5s", "1m", "1h", ...
    pub interval: String,
    pub candle: Candle,
    /// The end of the interval (exclusive): `candle.open_time_ms` plus its length.
    pub closed_at_ms: i64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    fn event() -> CandleClosed {
        CandleClosed {
            venue: Venue::Binance,
            symbol: "BTC-USDT".parse().unwrap(),
            interval: "5s".into(),
            candle: Candle {
                open_time_ms: 1_700_006_400_000,
                open: dec!(42000.1),
                high: dec!(42010),
                low: dec!(41990.5),
                close: dec!(42001.25),
                volume: dec!(1.5),
                quote_volume: dec!(63001.35),
                trade_count: 3,
            },
            closed_at_ms: 1_700_006_405_000,
        }
    }

    #[test]
    fn json_shape_is_flat_names_and_decimal_strings() {
        let value = serde_json::to_value(event()).unwrap();
        let expected = serde_json::json!({
            "venue": "binance",
            "symbol": "BTC-USDT",
            "interval": "5s",
            "candle": {
                "open_time_ms": 1_700_006_400_000_i64,
                "open": "42000.1",
                "high": "42010",
                "low": "41990.5",
                "close": "42001.25",
                "volume": "1.5",
                "quote_volume": "63001.35",
                "trade_count": 3
            },
            "closed_at_ms": 1_700_006_405_000_i64
        });
        assert_eq!(value, expected);
    }

    #[test]
    fn json_round_trips_and_bad_symbols_are_refused() {
        let text = serde_json::to_string(&event()).unwrap();
        assert_eq!(
            serde_json::from_str::<CandleClosed>(&text).unwrap(),
            event()
        );
        let bad = text.replace("BTC-USDT", "BTCUSDT");
        assert!(serde_json::from_str::<CandleClosed>(&bad).is_err());
    }
}
