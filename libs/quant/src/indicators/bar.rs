//! The plain OHLCV bar the bar-based indicators read.

/// One bar of prices and traded volume, in `f64` (indicators are analytics, not money).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Bar {
    pub open: f64,
    pub high: f64,
    pub low: f64,
    pub close: f64,
    pub volume: f64,
}

impl Bar {
    /// The typical price `(high + low + close) / 3`, the price VWAP weighs by volume.
    pub fn typical_price(&self) -> f64 {
        (self.high + self.low + self.close) / 3.0
    }
}
