//! Between the strategy library's types and the protobuf contracts: incoming candles are
//! checked field by field, outgoing signals and parameters are built.
use quorum_domain::convert::{decimal, parse_decimal};
use quorum_domain::{Candle, Decimal, Interval};
use quorum_kit::errors::FieldErrors;
use quorum_proto::market::v1 as market;
use quorum_proto::trading::v1 as trading;
use quorum_strategies::{Direction, Params, Signal};
use rust_decimal::prelude::FromPrimitive;

/// The candles of a request field (e.g. `candles`), each problem added to `errors` as
/// `candles[3].high`. Only the candles that parsed are returned.
pub fn parse_candles(
    field: &str,
    candles: &[market::Candle],
    errors: &mut FieldErrors,
) -> Vec<Candle> {
    let mut parsed = Vec::with_capacity(candles.len());
    for (index, candle) in candles.iter().enumerate() {
        let name = |part: &str| format!("{field}[{index}].{part}");
        let mut number =
            |part: &str, value: Option<&quorum_proto::common::v1::Decimal>| match parse_decimal(
                &name(part),
                value,
            ) {
                Ok(number) => Some(number),
                Err(problem) => {
                    errors.add(&problem.field, problem.problem);
                    None
                }
            };
        let open = number("open", candle.open.as_ref());
        let high = number("high", candle.high.as_ref());
        let low = number("low", candle.low.as_ref());
        let close = number("close", candle.close.as_ref());
        let volume = number("volume", candle.volume.as_ref());
        // Quote volume is informational; absent means unknown.
        let quote_volume = match &candle.quote_volume {
            Some(value) if !value.value.trim().is_empty() => number("quote_volume", Some(value)),
            _ => Some(Decimal::ZERO),
        };
        if let (Some(open), Some(high), Some(low), Some(close), Some(volume), Some(quote_volume)) =
            (open, high, low, close, volume, quote_volume)
        {
            parsed.push(Candle {
                open_time_ms: candle.open_time_unix_ms,
                open,
                high,
                low,
                close,
                volume,
                quote_volume,
                trade_count: candle.trade_count,
            });
        }
    }
    parsed
}

/// A candle interval by name ("5s", "1m", "1h", ...), or what is wrong with the name.
pub fn parse_interval(text: &str) -> Result<Interval, String> {
    if text.trim().is_empty() {
        return Err(format!(
            "is required: one of {}",
            Interval::NAMES.join(", ")
        ));
    }
    Interval::parse(text).ok_or_else(|| {
        format!(
            "'{}' is not an interval: use one of {}",
            text.trim(),
            Interval::NAMES.join(", ")
        )
    })
}

/// The protobuf signal for a strategy signal on `venue` (protobuf number) and `interval`.
pub fn signal(signal: &Signal, venue: i32, interval: &str) -> trading::Signal {
    trading::Signal {
        symbol: signal.symbol.clone(),
        venue,
        interval: interval.to_string(),
        direction: direction(signal.direction).into(),
        strength: signal.strength,
        confidence: signal.confidence,
        horizon_ms: signal.horizon_ms,
        reasons: signal.reasons.clone(),
        strategy: signal.strategy.to_string(),
        params_version: signal.params_version.clone(),
        as_of_unix_ms: signal.as_of_ms,
        horizon_bars: signal.horizon_bars,
        stop_price: signal.stop.and_then(price),
        target_price: signal.target.and_then(price),
        facts: signal
            .facts
            .iter()
            .map(|fact| (fact.name.to_string(), fact.value))
            .collect(),
    }
}

pub fn direction(direction: Direction) -> trading::Direction {
    match direction {
        Direction::Long => trading::Direction::Long,
        Direction::Short => trading::Direction::Short,
        Direction::Flat => trading::Direction::Flat,
    }
}

/// A price computed in `f64` as an exact decimal, to 12 significant digits.
pub fn price(value: f64) -> Option<quorum_proto::common::v1::Decimal> {
    Decimal::from_f64(value)
        .filter(|_| value.is_finite())
        .map(|exact| decimal(exact.round_sf(12).unwrap_or(exact)))
}

/// Every parameter with its value and range.
pub fn params(params: &Params) -> Vec<trading::Param> {
    params
        .entries()
        .map(|param| trading::Param {
            name: param.spec.name.to_string(),
            value: param.value,
            min: param.spec.min,
            max: param.spec.max,
            integer: param.spec.integer,
            description: param.spec.description.to_string(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(value: &str) -> Option<quorum_proto::common::v1::Decimal> {
        Some(quorum_proto::common::v1::Decimal {
            value: value.into(),
        })
    }

    fn proto_candle(open_time: i64, close: &str) -> market::Candle {
        market::Candle {
            open_time_unix_ms: open_time,
            open: text(close),
            high: text(close),
            low: text(close),
            close: text(close),
            volume: text("1"),
            quote_volume: None,
            trade_count: 1,
        }
    }

    #[test]
    fn candles_parse_and_bad_fields_are_named() {
        let mut bad = proto_candle(60_000, "101");
        bad.high = text("lots");
        bad.volume = None;
        let candles = [proto_candle(0, "100.5"), bad];
        let mut errors = FieldErrors::new();
        let parsed = parse_candles("candles", &candles, &mut errors);
        assert_eq!(parsed.len(), 1);
        assert_eq!(parsed[0].close, Decimal::new(1005, 1));
        let status = errors.into_result().unwrap_err();
        assert!(
            status.message().contains("candles[1].high"),
            "{}",
            status.message()
        );
        assert!(
            status.message().contains("candles[1].volume"),
            "{}",
            status.message()
        );
    }

    #[test]
    fn intervals_parse_by_name() {
        assert_eq!(parse_interval(" 1M ").unwrap(), Interval::OneMinute);
        assert!(parse_interval("").unwrap_err().starts_with("is required"));
        assert!(parse_interval("2h").unwrap_err().contains("1s, 5s"));
    }

    #[test]
    fn prices_round_to_twelve_significant_digits() {
        assert_eq!(price(42_000.123_456_789_01).unwrap().value, "42000.1234568");
        assert_eq!(price(f64::NAN), None);
    }
}
