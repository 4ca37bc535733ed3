//! A strategy instance's specification: checked at the edge, stored as JSON, and turned
//! back into its protobuf form for answers.
use quorum_domain::convert::{self, FieldProblem};
use quorum_domain::{Decimal, Interval, Symbol, Venue};
use quorum_kit::errors::FieldErrors;
use quorum_proto::trading::v1 as pb;
use serde::{Deserialize, Serialize};
use tonic::Status;

use crate::sizing::SizingRule;

/// Candles sent with each proposal when the spec says nothing.
pub const DEFAULT_LOOKBACK: u32 = 100;
/// Most candles one proposal may carry.
pub const MAX_LOOKBACK: u32 = 1_000;
/// Longest account id, as the venue connectors accept it.
const MAX_ID_LENGTH: usize = 64;

/// A validated strategy specification.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Spec {
    pub name: String,
    pub voters: Vec<String>,
    pub symbol: Symbol,
    pub venue: Venue,
    pub interval: String,
    pub account: String,
    pub capital: Decimal,
    pub sizing: SizingRule,
    pub threshold: Option<f64>,
    pub quorum: Option<f64>,
    pub max_rounds: Option<u32>,
    pub lookback: u32,
}

impl Spec {
    /// Checks every field of a request's spec, naming each bad one under `spec.`.
    pub fn parse(spec: Option<&pb::StrategySpec>) -> Result<Spec, Status> {
        let Some(spec) = spec else {
            return Err(quorum_kit::errors::invalid_field("spec", "is required"));
        };
        let mut errors = FieldErrors::new();
        let name = spec.name.trim().to_string();
        errors.check(
            !name.is_empty() && name.len() <= 100,
            "spec.name",
            "must be 1 to 100 characters",
        );
        check_voters(&spec.voters, &mut errors);
        let symbol = record(
            &mut errors,
            convert::parse_symbol("spec.symbol", &spec.symbol),
        );
        let venue = record(&mut errors, convert::parse_venue("spec.venue", spec.venue));
        let interval = Interval::parse(&spec.interval);
        errors.check(
            interval.is_some(),
            "spec.interval",
            format!("must be one of {}", Interval::NAMES.join(", ")),
        );
        errors.check(
            is_id(&spec.account),
            "spec.account",
            "must be 1 to 64 letters, digits or -_.:",
        );
        let capital = record(
            &mut errors,
            convert::parse_decimal("spec.capital", spec.capital.as_ref()),
        );
        if let Some(capital) = capital {
            errors.check(capital > Decimal::ZERO, "spec.capital", "must be positive");
        }
        let sizing = sizing(spec.sizing.as_ref(), &mut errors);
        check_share(spec.threshold, "spec.threshold", &mut errors);
        check_share(spec.quorum, "spec.quorum", &mut errors);
        if let Some(rounds) = spec.max_rounds {
            errors.check(
                (1..=50).contains(&rounds),
                "spec.max_rounds",
                "must be 1 to 50",
            );
        }
        let lookback = if spec.lookback == 0 {
            DEFAULT_LOOKBACK
        } else {
            spec.lookback
        };
        errors.check(
            (2..=MAX_LOOKBACK).contains(&lookback),
            "spec.lookback",
            format!("must be 2 to {MAX_LOOKBACK} candles (0 means {DEFAULT_LOOKBACK})"),
        );
        errors.into_result()?;
        match (symbol, venue, interval, capital, sizing) {
            (Some(symbol), Some(venue), Some(interval), Some(capital), Some(sizing)) => Ok(Spec {
                name,
                voters: spec.voters.clone(),
                symbol,
                venue,
                interval: interval.name().to_string(),
                account: spec.account.clone(),
                capital,
                sizing,
                threshold: spec.threshold,
                quorum: spec.quorum,
                max_rounds: spec.max_rounds,
                lookback,
            }),
            _ => Err(Status::internal("a checked field did not parse")),
        }
    }

    /// Length of one candle of the spec's interval.
    pub fn interval_ms(&self) -> i64 {
        Interval::parse(&self.interval).map_or(0, Interval::millis)
    }

    /// The protobuf form.
    pub fn to_proto(&self) -> pb::StrategySpec {
        pb::StrategySpec {
            name: self.name.clone(),
            voters: self.voters.clone(),
            symbol: self.symbol.to_string(),
            venue: convert::venue(self.venue).into(),
            interval: self.interval.clone(),
            account: self.account.clone(),
            capital: Some(convert::decimal(self.capital)),
            sizing: Some(sizing_proto(&self.sizing)),
            threshold: self.threshold,
            quorum: self.quorum,
            max_rounds: self.max_rounds,
            lookback: self.lookback,
        }
    }
}

fn record<T>(errors: &mut FieldErrors, result: Result<T, FieldProblem>) -> Option<T> {
    match result {
        Ok(value) => Some(value),
        Err(problem) => {
            errors.add(&problem.field, problem.problem);
            None
        }
    }
}

fn check_voters(voters: &[String], errors: &mut FieldErrors) {
    if voters.is_empty() {
        errors.add(
            "spec.voters",
            "name at least one voter registered with consensus-engine",
        );
    }
    for (index, voter) in voters.iter().enumerate() {
        let fine = !voter.is_empty()
            && voter.len() <= 64
            && voter
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        let repeated = voters[..index].contains(voter);
        if !fine || repeated {
            errors.add(
                &format!("spec.voters[{index}]"),
                if repeated {
                    "is named twice"
                } else {
                    "must be 1 to 64 lower-case letters, digits or -"
                },
            );
        }
    }
}

fn check_share(value: Option<f64>, field: &str, errors: &mut FieldErrors) {
    if let Some(value) = value {
        errors.check(
            value.is_finite() && value > 0.0 && value <= 1.0,
            field,
            "must be in (0, 1]",
        );
    }
}

fn is_id(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= MAX_ID_LENGTH
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.:".contains(c))
}

fn in_unit(value: f64) -> bool {
    value.is_finite() && value > 0.0 && value <= 1.0
}

fn sizing(rule: Option<&pb::SizingRule>, errors: &mut FieldErrors) -> Option<SizingRule> {
    let Some(rule) = rule else {
        errors.add("spec.sizing", "is required");
        return None;
    };
    match pb::Sizing::try_from(rule.method) {
        Ok(pb::Sizing::FixedFraction) => {
            errors.check(
                in_unit(rule.fraction),
                "spec.sizing.fraction",
                "must be in (0, 1]",
            );
            Some(SizingRule::FixedFraction {
                fraction: rule.fraction,
            })
        }
        Ok(pb::Sizing::VolatilityTarget) => {
            errors.check(
                rule.target_volatility.is_finite() && rule.target_volatility > 0.0,
                "spec.sizing.target_volatility",
                "must be positive (annualized, e.g. 0.2)",
            );
            errors.check(
                in_unit(rule.max_fraction),
                "spec.sizing.max_fraction",
                "must be in (0, 1]",
            );
            Some(SizingRule::VolatilityTarget {
                target_volatility: rule.target_volatility,
                max_fraction: rule.max_fraction,
            })
        }
        Ok(pb::Sizing::CappedKelly) => {
            errors.check(
                in_unit(rule.kelly_cap),
                "spec.sizing.kelly_cap",
                "must be in (0, 1]",
            );
            Some(SizingRule::CappedKelly {
                kelly_cap: rule.kelly_cap,
            })
        }
        _ => {
            errors.add(
                "spec.sizing.method",
                "must be FIXED_FRACTION, VOLATILITY_TARGET or CAPPED_KELLY",
            );
            None
        }
    }
}

fn sizing_proto(rule: &SizingRule) -> pb::SizingRule {
    match *rule {
        SizingRule::FixedFraction { fraction } => pb::SizingRule {
            method: pb::Sizing::FixedFraction.into(),
            fraction,
            ..Default::default()
        },
        SizingRule::VolatilityTarget {
            target_volatility,
            max_fraction,
        } => pb::SizingRule {
            method: pb::Sizing::VolatilityTarget.into(),
            target_volatility,
            max_fraction,
            ..Default::default()
        },
        SizingRule::CappedKelly { kelly_cap } => pb::SizingRule {
            method: pb::Sizing::CappedKelly.into(),
            kelly_cap,
            ..Default::default()
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tonic_types::StatusExt;

    fn good() -> pb::StrategySpec {
        pb::StrategySpec {
            name: "btc momentum".into(),
            voters: vec!["momentum-trader".into(), "mean-reversion".into()],
            symbol: "BTC-USDT".into(),
            venue: pb_venue(),
            interval: "5s".into(),
            account: "paper-1".into(),
            capital: Some(convert::decimal(Decimal::from(10_000))),
            sizing: Some(pb::SizingRule {
                method: pb::Sizing::FixedFraction.into(),
                fraction: 0.1,
                ..Default::default()
            }),
            threshold: None,
            quorum: None,
            max_rounds: None,
            lookback: 0,
        }
    }

    fn pb_venue() -> i32 {
        convert::venue(Venue::Binance).into()
    }

    fn fields(status: &Status) -> Vec<String> {
        status
            .get_error_details()
            .bad_request()
            .map(|bad| {
                bad.field_violations
                    .iter()
                    .map(|v| v.field.clone())
                    .collect()
            })
            .unwrap_or_default()
    }

    #[test]
    fn a_good_spec_round_trips() {
        let spec = Spec::parse(Some(&good())).unwrap();
        assert_eq!(spec.lookback, DEFAULT_LOOKBACK);
        assert_eq!(spec.interval_ms(), 5_000);
        let back = Spec::parse(Some(&spec.to_proto())).unwrap();
        assert_eq!(back, spec);
        let json = serde_json::to_string(&spec).unwrap();
        assert_eq!(serde_json::from_str::<Spec>(&json).unwrap(), spec);
    }

    #[test]
    fn every_bad_field_is_named() {
        let mut bad = good();
        bad.name = String::new();
        bad.voters = vec!["Momentum".into(), "Momentum".into()];
        bad.symbol = "BTCUSDT".into();
        bad.venue = 0;
        bad.interval = "7s".into();
        bad.account = "a b".into();
        bad.capital = Some(convert::decimal(Decimal::ZERO));
        bad.sizing = Some(pb::SizingRule {
            method: pb::Sizing::FixedFraction.into(),
            fraction: 1.5,
            ..Default::default()
        });
        bad.threshold = Some(1.2);
        bad.max_rounds = Some(0);
        bad.lookback = 5_000;
        let status = Spec::parse(Some(&bad)).unwrap_err();
        let named = fields(&status);
        for field in [
            "spec.name",
            "spec.voters[0]",
            "spec.voters[1]",
            "spec.symbol",
            "spec.venue",
            "spec.interval",
            "spec.account",
            "spec.capital",
            "spec.sizing.fraction",
            "spec.threshold",
            "spec.max_rounds",
            "spec.lookback",
        ] {
            assert!(
                named.contains(&field.to_string()),
                "{field} missing in {named:?}"
            );
        }
        assert!(fields(&Spec::parse(None).unwrap_err()).contains(&"spec".to_string()));
    }
}
