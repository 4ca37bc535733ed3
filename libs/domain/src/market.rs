//! Market data as every venue's messages normalize to it.
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::{Symbol, Venue};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    Buy,
    Sell,
}

impl Side {
    pub fn opposite(self) -> Side {
        match self {
            Side::Buy => Side::Sell,
            Side::Sell => Side::Buy,
        }
    }
}

/// One price level; in a delta, quantity 0 removes the level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Level {
    pub price: Decimal,
    pub quantity: Decimal,
}

impl Level {
    pub fn new(price: Decimal, quantity: Decimal) -> Self {
        Self { price, quantity }
    }
}

/// A market trade; (venue, symbol, trade_id) is unique.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trade {
    pub venue: Venue,
    pub symbol: Symbol,
    pub trade_id: String,
    pub price: Decimal,
    pub quantity: Decimal,
    /// Side of the aggressor.
    pub taker_side: Side,
    pub traded_at_ms: i64,
}

/// A book snapshot or delta as a connector publishes it. `sequence` counts the updates
/// the connector published for (venue, symbol) and restarts at each snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookUpdate {
    pub venue: Venue,
    pub symbol: Symbol,
    pub sequence: u64,
    pub snapshot: bool,
    /// Best first.
    pub bids: Vec<Level>,
    /// Best first.
    pub asks: Vec<Level>,
    pub event_ms: i64,
}

/// Top of book and last trade price of one venue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ticker {
    pub venue: Venue,
    pub symbol: Symbol,
    pub best_bid: Option<Level>,
    pub best_ask: Option<Level>,
    pub last_price: Option<Decimal>,
    pub event_ms: i64,
}

/// A tradable instrument with the venue's rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Instrument {
    pub venue: Venue,
    pub symbol: Symbol,
    pub venue_symbol: String,
    pub tick_size: Decimal,
    pub lot_size: Decimal,
    pub min_notional: Decimal,
}

impl Instrument {
    /// Whether `price` is a positive multiple of the tick size.
    pub fn on_tick(&self, price: Decimal) -> bool {
        price > Decimal::ZERO && is_multiple(price, self.tick_size)
    }

    /// Whether `quantity` is a positive multiple of the lot size.
    pub fn on_lot(&self, quantity: Decimal) -> bool {
        quantity > Decimal::ZERO && is_multiple(quantity, self.lot_size)
    }
}

fn is_multiple(value: Decimal, step: Decimal) -> bool {
    step <= Decimal::ZERO || (value % step).is_zero()
}

/// An OHLCV bar over [open_time_ms, open_time_ms + interval).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Candle {
    pub open_time_ms: i64,
    pub open: Decimal,
    pub high: Decimal,
    pub low: Decimal,
    pub close: Decimal,
    pub volume: Decimal,
    pub quote_volume: Decimal,
    pub trade_count: u64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    #[test]
    fn ticks_and_lots() {
        let instrument = Instrument {
            venue: Venue::Binance,
            symbol: "BTC-USDT".parse().unwrap(),
            venue_symbol: "BTCUSDT".into(),
            tick_size: dec!(0.01),
            lot_size: dec!(0.00001),
            min_notional: dec!(5),
        };
        assert!(instrument.on_tick(dec!(42150.25)));
        assert!(!instrument.on_tick(dec!(42150.255)));
        assert!(!instrument.on_tick(dec!(0)));
        assert!(instrument.on_lot(dec!(0.5)));
        assert!(!instrument.on_lot(dec!(0.000001)));
        assert!(!instrument.on_lot(dec!(-1)));
    }

    #[test]
    fn trade_json_carries_decimals_as_strings() {
        let trade = Trade {
            venue: Venue::Okx,
            symbol: "BTC-USDT".parse().unwrap(),
            trade_id: "130639474".into(),
            price: dec!(42219.9),
            quantity: dec!(0.12060306),
            taker_side: Side::Buy,
            traded_at_ms: 1_629_386_781_174,
        };
        let text = serde_json::to_string(&trade).unwrap();
        assert!(text.contains(r#""price":"42219.9""#), "{text}");
        assert!(text.contains(r#""venue":"okx""#), "{text}");
        assert_eq!(serde_json::from_str::<Trade>(&text).unwrap(), trade);
    }
}
