//! An Evaluate request checked field by field, and the strategy run on it. Candles must
//! be closed, oldest first and exactly one interval apart: a gap, a repeat or a candle
//! whose high is below its low is INVALID_ARGUMENT naming it (`candles[3].high`). Fewer
//! candles than the warm-up is not an error: the signal is FLAT and says how many more
//! are needed.
use quorum_domain::convert::{parse_symbol, parse_venue_filter};
use quorum_domain::{Candle, Symbol};
use quorum_kit::errors::{FieldErrors, invalid_field};
use quorum_proto::trading::v1 as trading;
use quorum_strategies::series::{SeriesName, check_series};
use quorum_strategies::{Context, EvaluateError, Params, Signal, Strategy, evaluate};
use tonic::Status;

use crate::convert::{parse_candles, parse_interval};
use quorum_domain::Interval;

/// The most candles one Evaluate call may carry per series.
pub const MAX_CANDLES: usize = 10_000;

/// A checked Evaluate request.
#[derive(Debug, Clone)]
pub struct EvaluateInput {
    pub symbol: Symbol,
    pub interval: Interval,
    pub candles: Vec<Candle>,
    /// Pairs mode: the second symbol and its candles.
    pub pair: Option<(Symbol, Vec<Candle>)>,
}

impl EvaluateInput {
    /// Checks every field of `request`; all problems come back in one INVALID_ARGUMENT.
    pub fn parse(
        request: &trading::EvaluateRequest,
        strategy: &dyn Strategy,
    ) -> Result<Self, Status> {
        let mut errors = FieldErrors::new();
        let symbol = parse_symbol("symbol", &request.symbol)
            .map_err(|problem| errors.add(&problem.field, problem.problem))
            .ok();
        if let Err(problem) = parse_venue_filter("venue", request.venue) {
            errors.add(&problem.field, problem.problem);
        }
        let interval = parse_interval(&request.interval)
            .map_err(|problem| errors.add("interval", problem))
            .ok();
        let candles = series(&mut errors, "candles", &request.candles, true);
        let pair = pair(&mut errors, request, strategy, symbol.as_ref());
        // Order and spacing are checked once every candle of a series parsed, so that
        // the positions named are the request's.
        let whole = candles.len() == request.candles.len();
        if let Some(interval) = &interval {
            if whole {
                add_series_problems(&mut errors, &candles, interval, SeriesName::Main);
            }
            if let Some((_, pair_candles)) = &pair
                && pair_candles.len() == request.pair_candles.len()
            {
                add_series_problems(&mut errors, pair_candles, interval, SeriesName::Pair);
                if whole {
                    add_alignment_problems(&mut errors, &candles, pair_candles);
                }
            }
        }
        errors.into_result()?;
        match (symbol, interval) {
            (Some(symbol), Some(interval)) => Ok(Self {
                symbol,
                interval,
                candles,
                pair,
            }),
            _ => Err(Status::invalid_argument("the request is not valid")),
        }
    }
}

/// The strategy's signal at the last candle of `input`.
pub fn run(
    strategy: &dyn Strategy,
    params: &Params,
    input: &EvaluateInput,
) -> Result<Signal, Status> {
    let context = Context {
        symbol: input.symbol.to_string(),
        interval_ms: input.interval.millis(),
        pair_symbol: input.pair.as_ref().map(|(symbol, _)| symbol.to_string()),
    };
    let pair_candles = input.pair.as_ref().map(|(_, candles)| candles.as_slice());
    evaluate(strategy, params, context, &input.candles, pair_candles).map_err(|error| match error {
        EvaluateError::Input(problem) => invalid_field(&problem.path(), problem.problem),
        EvaluateError::Setup(problem) => Status::invalid_argument(problem.to_string()),
    })
}

/// A candle series field: present (when `required`), not too long, each candle parsed.
fn series(
    errors: &mut FieldErrors,
    field: &str,
    candles: &[quorum_proto::market::v1::Candle],
    required: bool,
) -> Vec<Candle> {
    if candles.is_empty() {
        if required {
            errors.add(field, "needs at least one closed candle, oldest first");
        }
        return Vec::new();
    }
    if candles.len() > MAX_CANDLES {
        errors.add(
            field,
            format!(
                "has {} candles; at most {MAX_CANDLES} per call",
                candles.len()
            ),
        );
        return Vec::new();
    }
    parse_candles(field, candles, errors)
}

/// The pairs-mode part of the request, when it asks for one.
fn pair(
    errors: &mut FieldErrors,
    request: &trading::EvaluateRequest,
    strategy: &dyn Strategy,
    symbol: Option<&Symbol>,
) -> Option<(Symbol, Vec<Candle>)> {
    if request.pair_symbol.trim().is_empty() {
        if !request.pair_candles.is_empty() {
            errors.add("pair_symbol", "is required when pair_candles are given");
        }
        return None;
    }
    if !strategy.supports_pairs() {
        errors.add(
            "pair_symbol",
            format!(
                "the {} strategy has no pairs mode; leave it empty",
                strategy.name()
            ),
        );
        return None;
    }
    let pair_symbol = parse_symbol("pair_symbol", &request.pair_symbol)
        .map_err(|problem| errors.add(&problem.field, problem.problem))
        .ok()?;
    if Some(&pair_symbol) == symbol {
        errors.add("pair_symbol", "must differ from symbol");
    }
    if request.pair_candles.len() != request.candles.len() {
        errors.add(
            "pair_candles",
            format!(
                "has {} candles but candles has {}: give one per candle, aligned on open time",
                request.pair_candles.len(),
                request.candles.len()
            ),
        );
        return None;
    }
    let candles = series(errors, "pair_candles", &request.pair_candles, true);
    Some((pair_symbol, candles))
}

fn add_series_problems(
    errors: &mut FieldErrors,
    candles: &[Candle],
    interval: &Interval,
    name: SeriesName,
) {
    for problem in check_series(candles, interval.millis(), name) {
        errors.add(&problem.path(), problem.problem);
    }
}

fn add_alignment_problems(errors: &mut FieldErrors, candles: &[Candle], pair_candles: &[Candle]) {
    for (index, (candle, pair)) in candles.iter().zip(pair_candles).enumerate() {
        if candle.open_time_ms != pair.open_time_ms {
            errors.add(
                &format!("pair_candles[{index}].open_time_unix_ms"),
                format!(
                    "{} does not match candles[{index}].open_time_unix_ms {}",
                    pair.open_time_ms, candle.open_time_ms
                ),
            );
        }
    }
}
