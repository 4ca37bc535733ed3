//! Candle series and contexts for the tests.
use quorum_domain::{Candle, Decimal};
use quorum_strategies::Context;
use rust_decimal::prelude::FromPrimitive;

pub const INTERVAL_MS: i64 = 5_000;
pub const START_MS: i64 = 1_700_000_000_000;

pub fn decimal(value: f64) -> Decimal {
    Decimal::from_f64(value).unwrap().round_dp(10)
}

/// A candle at `index` from a close, the previous close and how far the range and the
/// volume reach; prices are rounded to 10 decimals and stay consistent.
pub fn candle(index: usize, open: f64, close: f64, reach: f64, volume: f64) -> Candle {
    let open = decimal(open);
    let close = decimal(close);
    let reach = decimal(reach);
    Candle {
        open_time_ms: START_MS + index as i64 * INTERVAL_MS,
        open,
        high: open.max(close) + reach,
        low: (open.min(close) - reach).max(open.min(close) / Decimal::TWO),
        close,
        volume: decimal(volume),
        quote_volume: decimal(volume) * close,
        trade_count: 1,
    }
}

/// A deterministic wandering series of `len` candles around `level`.
pub fn wandering(len: usize, level: f64, seed: u64) -> Vec<Candle> {
    let mut state = seed;
    let mut next = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((state >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
    };
    let mut close = level;
    (0..len)
        .map(|index| {
            let open = close;
            close = (close * (1.0 + 0.01 * next() + 0.002 * (index as f64 / 9.0).sin()))
                .max(level * 0.01);
            let reach = close * 0.003 * (1.0 + next());
            let volume = 10.0 * (1.5 + next()) * if index % 17 == 0 { 4.0 } else { 1.0 };
            candle(index, open, close, reach, volume)
        })
        .collect()
}

pub fn context() -> Context {
    Context {
        symbol: "ETH-USDT".into(),
        interval_ms: INTERVAL_MS,
        pair_symbol: None,
    }
}

pub fn pair_context() -> Context {
    Context {
        pair_symbol: Some("BTC-USDT".into()),
        ..context()
    }
}
