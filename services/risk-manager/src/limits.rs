//! The limits of one account: their checks, their protobuf form, and the defaults that
//! apply to accounts without limits of their own.
use quorum_domain::convert::{decimal, parse_decimal};
use quorum_kit::ConfigError;
use quorum_proto::trading::v1 as pb;
use rust_decimal::Decimal;

/// Every limit an order is checked against. Money is in the quote currency.
#[derive(Debug, Clone, PartialEq)]
pub struct Limits {
    pub max_order_notional: Decimal,
    pub max_position_notional: Decimal,
    pub max_gross_exposure: Decimal,
    pub max_net_exposure: Decimal,
    pub max_leverage: Decimal,
    pub max_daily_loss: Decimal,
    pub max_orders_per_minute: u32,
    pub price_band_bps: u32,
    /// Drawdown from the equity peak, as a fraction, that moves the state to REDUCING.
    pub reducing_drawdown: f64,
    /// Drawdown from the equity peak, as a fraction, that moves the state to HALTED.
    pub halting_drawdown: f64,
}

/// The widest band a limit may ask for: 100% of the mark.
pub const MAX_PRICE_BAND_BPS: u32 = 10_000;

/// The field names of [`Limits`], as they appear in requests and errors.
pub const FIELDS: [&str; 10] = [
    "max_order_notional",
    "max_position_notional",
    "max_gross_exposure",
    "max_net_exposure",
    "max_leverage",
    "max_daily_loss",
    "max_orders_per_minute",
    "price_band_bps",
    "reducing_drawdown",
    "halting_drawdown",
];

impl Limits {
    /// What is wrong with these limits, as (field, problem) pairs; empty when valid.
    pub fn problems(&self) -> Vec<(&'static str, String)> {
        let mut problems = Vec::new();
        let positive = [
            ("max_order_notional", self.max_order_notional),
            ("max_position_notional", self.max_position_notional),
            ("max_gross_exposure", self.max_gross_exposure),
            ("max_net_exposure", self.max_net_exposure),
            ("max_leverage", self.max_leverage),
        ];
        for (field, value) in positive {
            if value <= Decimal::ZERO {
                problems.push((field, format!("must be greater than 0 (got {value})")));
            }
        }
        if self.max_daily_loss < Decimal::ZERO {
            problems.push((
                "max_daily_loss",
                format!(
                    "must be 0 or more: a loss as a positive amount (got {})",
                    self.max_daily_loss
                ),
            ));
        }
        if self.max_orders_per_minute == 0 {
            problems.push(("max_orders_per_minute", "must be at least 1".to_string()));
        }
        if !(1..=MAX_PRICE_BAND_BPS).contains(&self.price_band_bps) {
            problems.push((
                "price_band_bps",
                format!("must be between 1 and {MAX_PRICE_BAND_BPS} basis points"),
            ));
        }
        let fraction = |value: f64| value.is_finite() && value > 0.0 && value <= 1.0;
        if !fraction(self.reducing_drawdown) {
            problems.push((
                "reducing_drawdown",
                "must be a fraction above 0 and at most 1, e.g. 0.1".to_string(),
            ));
        }
        if !fraction(self.halting_drawdown) {
            problems.push((
                "halting_drawdown",
                "must be a fraction above 0 and at most 1, e.g. 0.2".to_string(),
            ));
        } else if fraction(self.reducing_drawdown) && self.halting_drawdown < self.reducing_drawdown
        {
            problems.push((
                "halting_drawdown",
                format!(
                    "must be at least reducing_drawdown ({})",
                    self.reducing_drawdown
                ),
            ));
        }
        problems
    }

    /// The protobuf form, for `account`.
    pub fn to_proto(&self, account: &str) -> pb::Limits {
        pb::Limits {
            account: account.to_string(),
            max_order_notional: Some(decimal(self.max_order_notional)),
            max_position_notional: Some(decimal(self.max_position_notional)),
            max_gross_exposure: Some(decimal(self.max_gross_exposure)),
            max_net_exposure: Some(decimal(self.max_net_exposure)),
            max_leverage: Some(decimal(self.max_leverage)),
            max_daily_loss: Some(decimal(self.max_daily_loss)),
            max_orders_per_minute: self.max_orders_per_minute,
            price_band_bps: self.price_band_bps,
            reducing_drawdown: self.reducing_drawdown,
            halting_drawdown: self.halting_drawdown,
        }
    }

    /// Reads limits from a request; every field is required. Problems name the field
    /// under `prefix` (e.g. `limits.max_leverage`).
    pub fn from_proto(value: &pb::Limits, prefix: &str) -> Result<Limits, Vec<(String, String)>> {
        let mut problems = Vec::new();
        let mut amount = |field: &str, value: Option<&quorum_proto::common::v1::Decimal>| {
            let name = format!("{prefix}{field}");
            match parse_decimal(&name, value) {
                Ok(amount) => amount,
                Err(problem) => {
                    problems.push((problem.field, problem.problem));
                    Decimal::ZERO
                }
            }
        };
        let limits = Limits {
            max_order_notional: amount("max_order_notional", value.max_order_notional.as_ref()),
            max_position_notional: amount(
                "max_position_notional",
                value.max_position_notional.as_ref(),
            ),
            max_gross_exposure: amount("max_gross_exposure", value.max_gross_exposure.as_ref()),
            max_net_exposure: amount("max_net_exposure", value.max_net_exposure.as_ref()),
            max_leverage: amount("max_leverage", value.max_leverage.as_ref()),
            max_daily_loss: amount("max_daily_loss", value.max_daily_loss.as_ref()),
            max_orders_per_minute: value.max_orders_per_minute,
            price_band_bps: value.price_band_bps,
            reducing_drawdown: value.reducing_drawdown,
            halting_drawdown: value.halting_drawdown,
        };
        let parsed: Vec<String> = problems.iter().map(|(field, _)| field.clone()).collect();
        for (field, problem) in limits.problems() {
            let name = format!("{prefix}{field}");
            if !parsed.contains(&name) {
                problems.push((name, problem));
            }
        }
        if problems.is_empty() {
            Ok(limits)
        } else {
            Err(problems)
        }
    }
}

/// The limits of accounts without their own, from the environment.
#[derive(Debug, Clone, clap::Args)]
pub struct DefaultLimitArgs {
    /// Default largest notional (quantity x price) of one order.
    #[arg(long, env = "QUORUM_RISK_MAX_ORDER_NOTIONAL", default_value = "100000")]
    pub max_order_notional: Decimal,
    /// Default largest absolute position value per symbol.
    #[arg(
        long,
        env = "QUORUM_RISK_MAX_POSITION_NOTIONAL",
        default_value = "250000"
    )]
    pub max_position_notional: Decimal,
    /// Default largest sum of |position values|.
    #[arg(
        long,
        env = "QUORUM_RISK_MAX_GROSS_EXPOSURE",
        default_value = "1000000"
    )]
    pub max_gross_exposure: Decimal,
    /// Default largest |sum of signed position values|.
    #[arg(long, env = "QUORUM_RISK_MAX_NET_EXPOSURE", default_value = "500000")]
    pub max_net_exposure: Decimal,
    /// Default largest gross exposure / equity.
    #[arg(long, env = "QUORUM_RISK_MAX_LEVERAGE", default_value = "3")]
    pub max_leverage: Decimal,
    /// Default largest loss since the start of the UTC day.
    #[arg(long, env = "QUORUM_RISK_MAX_DAILY_LOSS", default_value = "50000")]
    pub max_daily_loss: Decimal,
    /// Default most orders checked per account per rolling minute.
    #[arg(long, env = "QUORUM_RISK_MAX_ORDERS_PER_MINUTE", default_value_t = 120)]
    pub max_orders_per_minute: u32,
    /// Default largest distance of an order price from the mark, in basis points.
    #[arg(long, env = "QUORUM_RISK_PRICE_BAND_BPS", default_value_t = 500)]
    pub price_band_bps: u32,
    /// Default drawdown from the equity peak (fraction) that moves the state to REDUCING.
    #[arg(long, env = "QUORUM_RISK_REDUCING_DRAWDOWN", default_value_t = 0.10)]
    pub reducing_drawdown: f64,
    /// Default drawdown from the equity peak (fraction) that moves the state to HALTED.
    #[arg(long, env = "QUORUM_RISK_HALTING_DRAWDOWN", default_value_t = 0.20)]
    pub halting_drawdown: f64,
}

impl Default for DefaultLimitArgs {
    fn default() -> Self {
        Self {
            max_order_notional: Decimal::from(100_000),
            max_position_notional: Decimal::from(250_000),
            max_gross_exposure: Decimal::from(1_000_000),
            max_net_exposure: Decimal::from(500_000),
            max_leverage: Decimal::from(3),
            max_daily_loss: Decimal::from(50_000),
            max_orders_per_minute: 120,
            price_band_bps: 500,
            reducing_drawdown: 0.10,
            halting_drawdown: 0.20,
        }
    }
}

impl DefaultLimitArgs {
    /// The default limits, or the first bad one with its variable.
    pub fn limits(&self) -> Result<Limits, ConfigError> {
        let limits = Limits {
            max_order_notional: self.max_order_notional,
            max_position_notional: self.max_position_notional,
            max_gross_exposure: self.max_gross_exposure,
            max_net_exposure: self.max_net_exposure,
            max_leverage: self.max_leverage,
            max_daily_loss: self.max_daily_loss,
            max_orders_per_minute: self.max_orders_per_minute,
            price_band_bps: self.price_band_bps,
            reducing_drawdown: self.reducing_drawdown,
            halting_drawdown: self.halting_drawdown,
        };
        match limits.problems().into_iter().next() {
            None => Ok(limits),
            Some((field, problem)) => Err(ConfigError::new(variable_of(field), problem)),
        }
    }
}

/// The environment variable of a default limit.
fn variable_of(field: &str) -> String {
    format!("QUORUM_RISK_{}", field.to_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    #[test]
    fn the_defaults_are_valid_and_round_trip_through_protobuf() {
        let limits = DefaultLimitArgs::default().limits().unwrap();
        let proto = limits.to_proto("alice");
        assert_eq!(proto.account, "alice");
        assert_eq!(Limits::from_proto(&proto, "limits.").unwrap(), limits);
    }

    #[test]
    fn bad_defaults_name_their_variable() {
        let mut args = DefaultLimitArgs {
            max_leverage: dec!(0),
            ..Default::default()
        };
        assert_eq!(
            args.limits().unwrap_err().variable,
            "QUORUM_RISK_MAX_LEVERAGE"
        );
        args.max_leverage = dec!(2);
        args.halting_drawdown = 0.05;
        assert_eq!(
            args.limits().unwrap_err().variable,
            "QUORUM_RISK_HALTING_DRAWDOWN"
        );
        args.halting_drawdown = 0.3;
        args.price_band_bps = 0;
        assert_eq!(
            args.limits().unwrap_err().variable,
            "QUORUM_RISK_PRICE_BAND_BPS"
        );
        for field in FIELDS {
            assert!(variable_of(field).starts_with("QUORUM_RISK_"));
        }
    }

    #[test]
    fn missing_and_bad_request_fields_are_each_named_once() {
        let mut proto = DefaultLimitArgs::default().limits().unwrap().to_proto("a");
        proto.max_gross_exposure = None;
        proto.max_net_exposure = Some(quorum_proto::common::v1::Decimal { value: "-5".into() });
        proto.reducing_drawdown = f64::NAN;
        proto.max_orders_per_minute = 0;
        let problems = Limits::from_proto(&proto, "limits.").unwrap_err();
        let fields: Vec<&str> = problems.iter().map(|(field, _)| field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "limits.max_gross_exposure",
                "limits.max_net_exposure",
                "limits.max_orders_per_minute",
                "limits.reducing_drawdown"
            ]
        );
    }
}
