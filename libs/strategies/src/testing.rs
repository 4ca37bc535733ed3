//! Hand-made candle series for the unit tests.
use quorum_domain::{Candle, Decimal};
use rust_decimal::prelude::FromPrimitive;

use crate::strategy::Context;

/// One minute.
pub const INTERVAL_MS: i64 = 60_000;
/// Open time of the first candle.
pub const START_MS: i64 = 1_700_000_040_000;

pub fn decimal(value: f64) -> Decimal {
    Decimal::from_f64(value).unwrap().round_dp(8)
}

/// The candle at position `index` with these prices and volume.
pub fn candle(index: usize, open: f64, high: f64, low: f64, close: f64, volume: f64) -> Candle {
    Candle {
        open_time_ms: START_MS + index as i64 * INTERVAL_MS,
        open: decimal(open),
        high: decimal(high),
        low: decimal(low),
        close: decimal(close),
        volume: decimal(volume),
        quote_volume: decimal(volume * close),
        trade_count: 10,
    }
}

/// Candles through `closes`: each opens at the previous close, its range reaches 0.1 %
/// beyond open and close, volume 10.
pub fn series(closes: &[f64]) -> Vec<Candle> {
    let mut previous = closes.first().copied().unwrap_or(100.0);
    closes
        .iter()
        .enumerate()
        .map(|(index, close)| {
            let open = previous;
            previous = *close;
            let high = open.max(*close) * 1.001;
            let low = open.min(*close) * 0.999;
            candle(index, open, high, low, *close, 10.0)
        })
        .collect()
}

/// Uniform noise in [-1, 1) from a fixed seed (a 64-bit LCG), the same on every machine.
pub struct Noise(u64);

impl Noise {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
    }
}

pub fn context() -> Context {
    Context {
        symbol: "BTC-USDT".into(),
        interval_ms: INTERVAL_MS,
        pair_symbol: None,
    }
}

pub fn changes(entries: &[(&str, f64)]) -> std::collections::BTreeMap<String, f64> {
    entries
        .iter()
        .map(|(name, value)| (name.to_string(), *value))
        .collect()
}

/// Whether any reason contains `text`.
pub fn says(signal: &crate::Signal, text: &str) -> bool {
    signal.reasons.iter().any(|reason| reason.contains(text))
}
