//! The edge between exact-decimal candles and the `f64` bars the indicators read: each
//! candle is checked (positive prices, high and low around open and close, volume not
//! negative, one interval after the previous) and converted.
use quorum_domain::{Candle, Decimal};
use quorum_quant::indicators::Bar;
use rust_decimal::prelude::ToPrimitive;

/// Which of the two input series a problem is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeriesName {
    /// The candles of the symbol (`candles`).
    Main,
    /// The second symbol's candles in pairs mode (`pair_candles`).
    Pair,
}

impl SeriesName {
    pub fn field(self) -> &'static str {
        match self {
            SeriesName::Main => "candles",
            SeriesName::Pair => "pair_candles",
        }
    }
}

/// A candle the strategy cannot use, named by series, position and field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {problem}", self.path())]
pub struct InputError {
    pub series: SeriesName,
    /// Position in the series as given (for a runner: candles pushed before this one).
    pub index: usize,
    /// The candle field at fault ("high", "open_time_unix_ms"), or empty for the series.
    pub field: &'static str,
    pub problem: String,
}

impl InputError {
    pub fn new(
        series: SeriesName,
        index: usize,
        field: &'static str,
        problem: impl Into<String>,
    ) -> Self {
        Self {
            series,
            index,
            field,
            problem: problem.into(),
        }
    }

    /// The request field, e.g. `candles[3].high` or `pair_candles`.
    pub fn path(&self) -> String {
        if self.field.is_empty() {
            self.series.field().to_string()
        } else {
            format!("{}[{}].{}", self.series.field(), self.index, self.field)
        }
    }
}

/// Checks one candle's own values (not its time) and converts it to a bar.
pub fn to_bar(candle: &Candle, series: SeriesName, index: usize) -> Result<Bar, InputError> {
    let problem = |field: &'static str, text: String| InputError::new(series, index, field, text);
    let number = |field: &'static str, value: Decimal| -> Result<f64, InputError> {
        value
            .to_f64()
            .filter(|number| number.is_finite())
            .ok_or_else(|| problem(field, format!("{value} is not representable")))
    };
    for (field, value) in [
        ("open", candle.open),
        ("high", candle.high),
        ("low", candle.low),
        ("close", candle.close),
    ] {
        if value <= Decimal::ZERO {
            return Err(problem(field, format!("{value} must be greater than zero")));
        }
    }
    if candle.high < candle.low {
        return Err(problem(
            "high",
            format!("{} is below low {}", candle.high, candle.low),
        ));
    }
    for (name, value) in [("open", candle.open), ("close", candle.close)] {
        if value > candle.high {
            return Err(problem(
                "high",
                format!("{} is below {name} {value}", candle.high),
            ));
        }
        if value < candle.low {
            return Err(problem(
                "low",
                format!("{} is above {name} {value}", candle.low),
            ));
        }
    }
    if candle.volume < Decimal::ZERO {
        return Err(problem(
            "volume",
            format!("{} must not be negative", candle.volume),
        ));
    }
    Ok(Bar {
        open: number("open", candle.open)?,
        high: number("high", candle.high)?,
        low: number("low", candle.low)?,
        close: number("close", candle.close)?,
        volume: number("volume", candle.volume)?,
    })
}

/// Checks that a candle opens exactly one interval after the previous one.
pub fn check_spacing(
    previous_open_ms: Option<i64>,
    open_ms: i64,
    interval_ms: i64,
    series: SeriesName,
    index: usize,
) -> Result<(), InputError> {
    let Some(previous) = previous_open_ms else {
        return Ok(());
    };
    if interval_ms <= 0 {
        return Err(InputError::new(
            series,
            index,
            "open_time_unix_ms",
            format!("the interval must be positive, got {interval_ms} ms"),
        ));
    }
    let expected = previous.saturating_add(interval_ms);
    if open_ms == expected {
        return Ok(());
    }
    let step = open_ms.saturating_sub(previous);
    let problem = if open_ms <= previous {
        format!(
            "{open_ms} is not after the previous candle's {previous}: candles go oldest first, \
             each once"
        )
    } else if open_ms > expected && step % interval_ms == 0 {
        let missing = step / interval_ms - 1;
        format!(
            "{open_ms} leaves a gap of {missing} interval(s) after {previous}: expected \
             {expected}; give intervals without trades a flat candle"
        )
    } else {
        format!(
            "{open_ms} is not one interval ({interval_ms} ms) after {previous}: expected {expected}"
        )
    };
    Err(InputError::new(series, index, "open_time_unix_ms", problem))
}

/// Every problem in a whole series: each candle's values and its spacing, in order.
pub fn check_series(candles: &[Candle], interval_ms: i64, series: SeriesName) -> Vec<InputError> {
    let mut problems = Vec::new();
    let mut previous = None;
    for (index, candle) in candles.iter().enumerate() {
        if let Err(problem) = to_bar(candle, series, index) {
            problems.push(problem);
        }
        if let Err(problem) =
            check_spacing(previous, candle.open_time_ms, interval_ms, series, index)
        {
            problems.push(problem);
        }
        previous = Some(candle.open_time_ms);
    }
    problems
}

/// The candle of an interval without trades: the previous close as every price, no
/// volume. trade-history publishes no candle for such intervals.
pub fn flat_candle(previous: &Candle, open_time_ms: i64) -> Candle {
    Candle {
        open_time_ms,
        open: previous.close,
        high: previous.close,
        low: previous.close,
        close: previous.close,
        volume: Decimal::ZERO,
        quote_volume: Decimal::ZERO,
        trade_count: 0,
    }
}

/// `candles` with every missing interval filled by a [`flat_candle`], when at most
/// `max_missing` intervals are missing in all; `None` when more are, or when the series
/// is out of order or off the interval grid.
pub fn fill_gaps(candles: &[Candle], interval_ms: i64, max_missing: usize) -> Option<Vec<Candle>> {
    if interval_ms <= 0 {
        return None;
    }
    let mut filled: Vec<Candle> = Vec::with_capacity(candles.len());
    let mut missing = 0usize;
    for candle in candles {
        if let Some(last) = filled.last().cloned() {
            let step = candle.open_time_ms.checked_sub(last.open_time_ms)?;
            if step <= 0 || step % interval_ms != 0 {
                return None;
            }
            let gaps = usize::try_from(step / interval_ms - 1).ok()?;
            missing = missing.checked_add(gaps)?;
            if missing > max_missing {
                return None;
            }
            for slot in 1..=gaps as i64 {
                filled.push(flat_candle(&last, last.open_time_ms + slot * interval_ms));
            }
        }
        filled.push(candle.clone());
    }
    Some(filled)
}

#[cfg(test)]
mod tests;
