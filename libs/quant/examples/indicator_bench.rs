//! Benchmark P3, Rust half: times the batch form of each indicator over the same
//! 1,000,000 synthetic bars the TA-Lib half reads, and writes the bars, the outputs and
//! the timings to a directory for `fixtures/talib_bench.py`, which times TA-Lib, checks
//! the values and prints the table (`scripts/bench.sh p3` runs both). With `--timings`
//! it reads the bars already there and only writes new timings: the TA-Lib half calls it
//! between its own rounds, so that both sides see the same load on a shared machine.
//!
//! `cargo run --release -p quorum-quant --example indicator_bench -- <directory> [--timings]`
use std::error::Error;
use std::fs::File;
use std::hint::black_box;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use quorum_quant::indicators::{
    IndicatorError, adx, atr, bollinger, ema, macd, obv, roc, rsi, sma, stddev, wma,
};

/// Bars in the series.
const BARS: usize = 1_000_000;
/// Timed runs per indicator and call; the fastest counts (the machine is shared and noisy).
const RUNS: usize = 7;

/// The generated series, one column per field.
struct Series {
    open: Vec<f64>,
    high: Vec<f64>,
    low: Vec<f64>,
    close: Vec<f64>,
    volume: Vec<f64>,
}

type Outputs = Vec<Vec<f64>>;

/// One indicator's batch call over the series.
type Run<'a> = Box<dyn Fn() -> Result<Outputs, IndicatorError> + 'a>;

fn main() -> Result<(), Box<dyn Error>> {
    let directory = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .ok_or("usage: indicator_bench <directory for bars, outputs and timings>")?;
    let timings_only = std::env::args()
        .nth(2)
        .is_some_and(|flag| flag == "--timings");
    std::fs::create_dir_all(&directory)?;
    let series = if timings_only {
        Series::read(&directory.join("bars.f64"))?
    } else {
        let series = Series::generate(BARS, 0x00C0_FFEE);
        write_columns(
            &directory.join("bars.f64"),
            &[
                &series.open,
                &series.high,
                &series.low,
                &series.close,
                &series.volume,
            ],
        )?;
        series
    };
    let (high, low, close, volume) = (&series.high, &series.low, &series.close, &series.volume);
    let one = |values: Vec<f64>| vec![values];
    let benchmarks: Vec<(&str, Run<'_>)> = vec![
        ("EMA20", Box::new(|| ema(close, 20).map(one))),
        ("RSI14", Box::new(|| rsi(close, 14).map(one))),
        ("ATR14", Box::new(|| atr(high, low, close, 14).map(one))),
        (
            "BBANDS(20,2)",
            Box::new(|| {
                bollinger(close, 20, 2.0, 2.0)
                    .map(|bands| vec![bands.upper, bands.middle, bands.lower])
            }),
        ),
        (
            "MACD(12,26,9)",
            Box::new(|| {
                macd(close, 12, 26, 9).map(|lines| vec![lines.macd, lines.signal, lines.histogram])
            }),
        ),
        ("ADX14", Box::new(|| adx(high, low, close, 14).map(one))),
        ("SMA20", Box::new(|| sma(close, 20).map(one))),
        ("WMA20", Box::new(|| wma(close, 20).map(one))),
        ("ROC10", Box::new(|| roc(close, 10).map(one))),
        ("STDDEV20", Box::new(|| stddev(close, 20, 1.0).map(one))),
        ("OBV", Box::new(|| obv(close, volume).map(one))),
    ];
    let mut timings = BufWriter::new(File::create(directory.join("rust_timings.tsv"))?);
    let only = std::env::var("INDICATOR_BENCH_ONLY").ok();
    for (name, run) in &benchmarks {
        if only.as_deref().is_some_and(|only| only != *name) {
            continue;
        }
        let mut fastest = Duration::MAX;
        let mut outputs = Outputs::new();
        for _ in 0..RUNS {
            let started = Instant::now();
            let result = black_box(run()?);
            fastest = fastest.min(started.elapsed());
            // The previous run's outputs are freed here, outside the timed region.
            outputs = result;
        }
        if !timings_only {
            let columns: Vec<&[f64]> = outputs.iter().map(Vec::as_slice).collect();
            write_columns(
                &directory.join(format!("{}.f64", file_name(name))),
                &columns,
            )?;
        }
        writeln!(timings, "{name}\t{}", fastest.as_secs_f64())?;
    }
    timings.flush()?;
    Ok(())
}

/// The file name the Python half derives the same way: letters and digits only.
fn file_name(name: &str) -> String {
    name.chars().filter(char::is_ascii_alphanumeric).collect()
}

/// Columns one after the other as little-endian f64.
fn write_columns(path: &Path, columns: &[&[f64]]) -> Result<(), Box<dyn Error>> {
    let mut file = BufWriter::new(File::create(path)?);
    for column in columns {
        for value in column.iter() {
            file.write_all(&value.to_le_bytes())?;
        }
    }
    file.flush()?;
    Ok(())
}

impl Series {
    /// The five columns `main` wrote, one after the other.
    fn read(path: &Path) -> Result<Self, Box<dyn Error>> {
        let bytes = std::fs::read(path)?;
        let values: Vec<f64> = bytes
            .chunks_exact(8)
            .map(|chunk| {
                let mut word = [0u8; 8];
                word.copy_from_slice(chunk);
                f64::from_le_bytes(word)
            })
            .collect();
        let len = values.len() / 5;
        let column = |index: usize| values[index * len..(index + 1) * len].to_vec();
        Ok(Series {
            open: column(0),
            high: column(1),
            low: column(2),
            close: column(3),
            volume: column(4),
        })
    }

    /// One-minute bars: a geometric random walk of closes (0.1% per bar), opens near the
    /// previous close, highs and lows a little outside both, log-normal volumes.
    fn generate(len: usize, seed: u64) -> Self {
        let mut random = Random(seed);
        let mut series = Series {
            open: Vec::with_capacity(len),
            high: Vec::with_capacity(len),
            low: Vec::with_capacity(len),
            close: Vec::with_capacity(len),
            volume: Vec::with_capacity(len),
        };
        let mut close = 100.0_f64;
        for _ in 0..len {
            let open = close * (1.0 + 0.0002 * random.normal());
            close = open * (0.001 * random.normal()).exp();
            let high = open.max(close) * (1.0 + 0.0008 * random.normal().abs());
            let low = open.min(close) * (1.0 - 0.0008 * random.normal().abs());
            series.open.push(open);
            series.high.push(high);
            series.low.push(low);
            series.close.push(close);
            series
                .volume
                .push((8.0 + 0.6 * random.normal()).exp().round());
        }
        series
    }
}

/// splitmix64 with Box-Muller normals: deterministic and without dependencies.
struct Random(u64);

impl Random {
    fn next_unit(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut mixed = self.0;
        mixed = (mixed ^ (mixed >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        mixed = (mixed ^ (mixed >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        mixed ^= mixed >> 31;
        ((mixed >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }

    fn normal(&mut self) -> f64 {
        let radius = (-2.0 * self.next_unit().ln()).sqrt();
        radius * (std::f64::consts::TAU * self.next_unit()).cos()
    }
}
