//! GetRiskMetrics: the account's positions (portfolio-manager) and their candle returns
//! (trade-history) in, historical and parametric VaR and ES, equity, peak and drawdown
//! out. The math is in `var` and `returns`; this module fetches and converts.
use quorum_domain::Interval;
use quorum_kit::errors::{FieldErrors, internal};
use quorum_proto::common::v1::TimeRange;
use quorum_proto::trading::v1 as pb;
use quorum_store::errors::database_status;
use rust_decimal::Decimal;
use rust_decimal::prelude::{FromPrimitive, ToPrimitive};
use tonic::Status;

use crate::Shared;
use crate::check::account_problem;
use crate::monitor::drawdown;
use crate::returns::{self, Closes};
use crate::store;
use crate::var::{self, MIN_OBSERVATIONS, Tail};

pub const DEFAULT_CONFIDENCE: f64 = 0.95;
pub const DEFAULT_HORIZON_DAYS: u32 = 1;
pub const DEFAULT_INTERVAL: &str = "1h";
pub const DEFAULT_LOOKBACK: u32 = 720;
pub const MAX_HORIZON_DAYS: u32 = 365;
/// trade-history serves at most 10000 candles a call, and `lookback` returns need one
/// candle more.
pub const MAX_LOOKBACK: u32 = 9_999;
/// Decimal places of the amounts returned.
const AMOUNT_PLACES: u32 = 8;

/// A validated request, defaults applied.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    pub account: String,
    pub confidence: f64,
    pub horizon_days: u32,
    pub interval: &'static str,
    pub interval_ms: i64,
    pub lookback: u32,
}

/// Checks the request and applies the defaults, naming every bad field.
pub fn validate(request: &pb::GetRiskMetricsRequest) -> Result<Query, Status> {
    let mut errors = FieldErrors::new();
    if let Some(problem) = account_problem(&request.account) {
        errors.add("account", problem);
    }
    let confidence = if request.confidence == 0.0 {
        DEFAULT_CONFIDENCE
    } else {
        request.confidence
    };
    errors.check(
        confidence.is_finite() && (0.5..1.0).contains(&confidence),
        "confidence",
        "must be at least 0.5 and below 1, e.g. 0.95 or 0.99 (0 means 0.95)",
    );
    let horizon_days = match request.horizon_days {
        0 => DEFAULT_HORIZON_DAYS,
        days => days,
    };
    errors.check(
        horizon_days <= MAX_HORIZON_DAYS,
        "horizon_days",
        format!("must be at most {MAX_HORIZON_DAYS} (0 means 1)"),
    );
    let interval_name = match request.interval.trim() {
        "" => DEFAULT_INTERVAL,
        name => name,
    };
    let interval = Interval::parse(interval_name);
    if interval.is_none() {
        errors.add(
            "interval",
            format!(
                "'{interval_name}' is not one of {}",
                Interval::NAMES.join(", ")
            ),
        );
    }
    let lookback = match request.lookback {
        0 => DEFAULT_LOOKBACK,
        count => count,
    };
    errors.check(
        (MIN_OBSERVATIONS as u32..=MAX_LOOKBACK).contains(&lookback),
        "lookback",
        format!("must be between {MIN_OBSERVATIONS} and {MAX_LOOKBACK} returns (0 means 720)"),
    );
    errors.into_result()?;
    let interval = interval.unwrap_or(Interval::OneHour);
    let (interval, interval_ms) = (interval.name(), interval.millis());
    Ok(Query {
        account: request.account.trim().to_string(),
        confidence,
        horizon_days,
        interval,
        interval_ms,
        lookback,
    })
}

/// The figures for a validated query at `now_ms`.
pub async fn risk_metrics(
    shared: &Shared,
    query: &Query,
    now_ms: i64,
) -> Result<pb::GetRiskMetricsResponse, Status> {
    let portfolio = shared
        .peers
        .portfolio(&query.account)
        .await?
        .ok_or_else(|| {
            Status::failed_precondition(format!(
                "portfolio-manager does not know account {}: no positions to measure",
                query.account
            ))
        })?;
    let peak = match portfolio.equity {
        Some(equity) => Some(
            store::observe_equity(&shared.pool, &query.account, equity)
                .await
                .map_err(|error| database_status("recording the equity peak failed", error))?,
        ),
        None => None,
    };
    let mut response = pb::GetRiskMetricsResponse {
        equity: portfolio.equity.map(quorum_domain::convert::decimal),
        peak_equity: peak.map(quorum_domain::convert::decimal),
        drawdown: match (peak, portfolio.equity) {
            (Some(peak), Some(equity)) => drawdown(peak, equity),
            _ => 0.0,
        },
        historical_var: Some(amount(0.0)?),
        historical_es: Some(amount(0.0)?),
        parametric_var: Some(amount(0.0)?),
        parametric_es: Some(amount(0.0)?),
        observations: 0,
    };
    let held: Vec<_> = portfolio
        .holdings
        .iter()
        .filter(|holding| !holding.quantity.is_zero())
        .collect();
    if held.is_empty() {
        return Ok(response);
    }
    let range = candle_range(query, now_ms);
    let mut series = Vec::with_capacity(held.len());
    let mut values = Vec::with_capacity(held.len());
    for holding in &held {
        let closes = shared
            .peers
            .closes(&holding.symbol, query.interval, range)
            .await?;
        let Some((_, last_close)) = closes.last().copied() else {
            return Err(missing_candles(query, &holding.symbol, 0, range));
        };
        if returns::returns_of(&to_f64_series(&closes), query.interval_ms).is_empty() {
            return Err(missing_candles(query, &holding.symbol, closes.len(), range));
        }
        let value = holding.value.unwrap_or(holding.quantity * last_close);
        values.push(value.to_f64().unwrap_or(f64::NAN));
        series.push(Closes {
            symbol: holding.symbol.clone(),
            closes: to_f64_series(&closes),
        });
    }
    let rows = returns::aligned(&series, query.interval_ms);
    if rows.len() < MIN_OBSERVATIONS {
        let symbols: Vec<&str> = series.iter().map(|closes| closes.symbol.as_str()).collect();
        return Err(Status::failed_precondition(format!(
            "only {} {} return(s) common to {} in the last {} intervals; at least \
             {MIN_OBSERVATIONS} are needed: trade-history lacks candles",
            rows.len(),
            query.interval,
            symbols.join(", "),
            query.lookback
        )));
    }
    let scale = var::horizon_scale(query.interval_ms, query.horizon_days);
    let math = |error: var::VarError| internal("computing VaR failed", error);
    let pnl = var::portfolio_pnl(&values, &rows).map_err(math)?;
    let historical = var::historical(&pnl, query.confidence)
        .map_err(math)?
        .scaled(scale);
    let parametric = var::parametric(&values, &rows, query.confidence)
        .map_err(math)?
        .scaled(scale);
    fill(&mut response, historical, parametric)?;
    response.observations = u32::try_from(rows.len()).unwrap_or(u32::MAX);
    Ok(response)
}

/// Closed candles only: `lookback + 1` intervals ending at the start of the current one.
pub fn candle_range(query: &Query, now_ms: i64) -> TimeRange {
    let to = now_ms.div_euclid(query.interval_ms) * query.interval_ms;
    let from = to - (i64::from(query.lookback) + 1) * query.interval_ms;
    TimeRange {
        from_unix_ms: from.max(0),
        to_unix_ms: to,
    }
}

fn fill(
    response: &mut pb::GetRiskMetricsResponse,
    historical: Tail,
    parametric: Tail,
) -> Result<(), Status> {
    response.historical_var = Some(amount(historical.value_at_risk)?);
    response.historical_es = Some(amount(historical.expected_shortfall)?);
    response.parametric_var = Some(amount(parametric.value_at_risk)?);
    response.parametric_es = Some(amount(parametric.expected_shortfall)?);
    Ok(())
}

/// An `f64` amount as a decimal, rounded to [`AMOUNT_PLACES`].
fn amount(value: f64) -> Result<quorum_proto::common::v1::Decimal, Status> {
    Decimal::from_f64(value)
        .map(|decimal| quorum_domain::convert::decimal(decimal.round_dp(AMOUNT_PLACES)))
        .ok_or_else(|| {
            internal(
                "converting a risk figure failed",
                format!("{value} is not finite"),
            )
        })
}

fn to_f64_series(closes: &[(i64, Decimal)]) -> Vec<(i64, f64)> {
    closes
        .iter()
        .map(|(time, close)| (*time, close.to_f64().unwrap_or(f64::NAN)))
        .collect()
}

fn missing_candles(query: &Query, symbol: &str, found: usize, range: TimeRange) -> Status {
    Status::failed_precondition(format!(
        "trade-history has {found} {} candle(s) of {symbol} in [{}, {}) and no two \
         consecutive ones: no returns to measure its risk",
        query.interval, range.from_unix_ms, range.to_unix_ms
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> pb::GetRiskMetricsRequest {
        pb::GetRiskMetricsRequest {
            account: "alice".into(),
            ..Default::default()
        }
    }

    #[test]
    fn defaults_apply_to_zero_values() {
        let query = validate(&request()).unwrap();
        assert_eq!(query.confidence, 0.95);
        assert_eq!(query.horizon_days, 1);
        assert_eq!((query.interval, query.interval_ms), ("1h", 3_600_000));
        assert_eq!(query.lookback, 720);
    }

    #[test]
    fn bad_fields_are_named() {
        let status = validate(&pb::GetRiskMetricsRequest {
            account: String::new(),
            confidence: 1.5,
            horizon_days: 1000,
            interval: "2m".into(),
            lookback: 1,
        })
        .unwrap_err();
        for field in [
            "account",
            "confidence",
            "horizon_days",
            "interval",
            "lookback",
        ] {
            assert!(
                status.message().contains(&format!("{field}:")),
                "{field}: {status:?}"
            );
        }
    }

    #[test]
    fn the_range_covers_closed_candles_only() {
        let mut query = validate(&request()).unwrap();
        query.lookback = 3;
        // 10:30 -> candles from 06:00 up to (not including) 10:00.
        let hour = 3_600_000;
        let range = candle_range(&query, 10 * hour + hour / 2);
        assert_eq!(
            (range.from_unix_ms, range.to_unix_ms),
            (6 * hour, 10 * hour)
        );
        assert_eq!(amount(1.234_567_891_2).unwrap().value, "1.23456789");
        assert!(amount(f64::NAN).is_err());
    }
}
