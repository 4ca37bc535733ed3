//! Loading the TA-Lib fixtures and comparing series to them.
use std::collections::BTreeMap;
use std::path::PathBuf;

use quorum_quant::indicators::Bar;
use serde::Deserialize;

/// The synthetic OHLCV series every fixture was computed on.
#[derive(Debug, Deserialize)]
pub struct Bars {
    pub open: Vec<f64>,
    pub high: Vec<f64>,
    pub low: Vec<f64>,
    pub close: Vec<f64>,
    pub volume: Vec<f64>,
}

impl Bars {
    pub fn bars(&self) -> Vec<Bar> {
        (0..self.close.len())
            .map(|index| Bar {
                open: self.open[index],
                high: self.high[index],
                low: self.low[index],
                close: self.close[index],
                volume: self.volume[index],
            })
            .collect()
    }
}

/// One indicator's TA-Lib outputs for each parameter set.
#[derive(Debug, Deserialize)]
pub struct Fixture {
    pub cases: Vec<Case>,
}

#[derive(Debug, Deserialize)]
pub struct Case {
    pub params: BTreeMap<String, f64>,
    /// Output name to values, `None` where TA-Lib has no value (warm-up).
    pub outputs: BTreeMap<String, Vec<Option<f64>>>,
}

impl Case {
    pub fn period(&self, name: &str) -> usize {
        self.param(name) as usize
    }

    pub fn param(&self, name: &str) -> f64 {
        *self
            .params
            .get(name)
            .unwrap_or_else(|| panic!("fixture case without parameter {name}"))
    }

    pub fn output(&self, name: &str) -> &[Option<f64>] {
        self.outputs
            .get(name)
            .unwrap_or_else(|| panic!("fixture case without output {name}"))
    }
}

fn directory() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

fn read<T: for<'de> Deserialize<'de>>(name: &str) -> T {
    let path = directory().join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|error| {
        panic!(
            "cannot read {}: {error}; regenerate with libs/quant/fixtures/make_talib_fixtures.py",
            path.display()
        )
    });
    serde_json::from_str(&text).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

pub fn bars() -> Bars {
    read("bars")
}

pub fn fixture(name: &str) -> Fixture {
    let fixture: Fixture = read(name);
    assert!(!fixture.cases.is_empty(), "{name}.json has no cases");
    fixture
}

/// Equal within 1e-9 relative, or 1e-9 absolute for values below 1 in size.
pub fn close_enough(actual: f64, expected: f64) -> bool {
    (actual - expected).abs() <= 1e-9 * expected.abs().max(1.0)
}

/// Every position equal to TA-Lib's, NaN exactly where TA-Lib has no value.
pub fn assert_matches_talib(label: &str, actual: &[f64], expected: &[Option<f64>]) {
    assert_eq!(actual.len(), expected.len(), "{label}: length");
    for (index, (actual, expected)) in actual.iter().zip(expected).enumerate() {
        match expected {
            None => assert!(
                actual.is_nan(),
                "{label}[{index}]: {actual}, TA-Lib has none"
            ),
            Some(expected) => assert!(
                close_enough(*actual, *expected),
                "{label}[{index}]: {actual}, TA-Lib {expected}"
            ),
        }
    }
}

/// Streaming outputs laid out like a batch output: NaN where `update` said `None`.
pub fn collect<T>(
    inputs: impl IntoIterator<Item = T>,
    update: impl FnMut(T) -> Option<f64>,
) -> Vec<f64> {
    inputs
        .into_iter()
        .map(update)
        .map(|value| value.unwrap_or(f64::NAN))
        .collect()
}

/// Streaming and batch agree: NaN at the same positions, values equal within 1e-12
/// relative (bit for bit where both run the same arithmetic).
pub fn assert_same(label: &str, streaming: &[f64], batch: &[f64]) {
    assert_eq!(streaming.len(), batch.len(), "{label}: length");
    for (index, (streamed, batched)) in streaming.iter().zip(batch).enumerate() {
        assert_eq!(
            streamed.is_nan(),
            batched.is_nan(),
            "{label}[{index}]: {streamed} vs {batched}"
        );
        if !batched.is_nan() {
            assert!(
                (streamed - batched).abs() <= 1e-12 * batched.abs().max(1.0),
                "{label}[{index}]: streaming {streamed}, batch {batched}"
            );
        }
    }
}
