//! Rule kinds and their parameters: validated and normalized from the wire's text map,
//! and read back the same way from storage.
use std::collections::{BTreeMap, BTreeSet};

use quorum_domain::{Decimal, Symbol};
use quorum_proto::security::v1 as pb;

/// Longest window or delay any rule may name: one day, which is also how far back the
/// in-memory views reach.
pub const MAX_WINDOW_MS: i64 = 86_400_000;

/// What a rule checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    RestrictedSymbols,
    AccountLimits,
    WashTrade,
    Spoofing,
    AccountStatus,
}

impl Kind {
    /// The name kept in storage.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::RestrictedSymbols => "restricted_symbols",
            Kind::AccountLimits => "account_limits",
            Kind::WashTrade => "wash_trade",
            Kind::Spoofing => "spoofing",
            Kind::AccountStatus => "account_status",
        }
    }

    pub fn parse(text: &str) -> Option<Kind> {
        [
            Kind::RestrictedSymbols,
            Kind::AccountLimits,
            Kind::WashTrade,
            Kind::Spoofing,
            Kind::AccountStatus,
        ]
        .into_iter()
        .find(|kind| kind.as_str() == text)
    }

    /// The kind a wire value names; `None` for UNSPECIFIED and unknown values.
    pub fn from_proto(value: i32) -> Option<Kind> {
        match pb::RuleKind::try_from(value).ok()? {
            pb::RuleKind::Unspecified => None,
            pb::RuleKind::RestrictedSymbols => Some(Kind::RestrictedSymbols),
            pb::RuleKind::AccountLimits => Some(Kind::AccountLimits),
            pb::RuleKind::WashTrade => Some(Kind::WashTrade),
            pb::RuleKind::Spoofing => Some(Kind::Spoofing),
            pb::RuleKind::AccountStatus => Some(Kind::AccountStatus),
        }
    }

    pub fn to_proto(self) -> pb::RuleKind {
        match self {
            Kind::RestrictedSymbols => pb::RuleKind::RestrictedSymbols,
            Kind::AccountLimits => pb::RuleKind::AccountLimits,
            Kind::WashTrade => pb::RuleKind::WashTrade,
            Kind::Spoofing => pb::RuleKind::Spoofing,
            Kind::AccountStatus => pb::RuleKind::AccountStatus,
        }
    }

    /// The parameters a rule of this kind takes (all of them required).
    pub fn parameter_names(self) -> &'static [&'static str] {
        match self {
            Kind::RestrictedSymbols => &["symbols"],
            Kind::AccountLimits => &[
                "max_order_quantity",
                "max_order_notional",
                "max_orders_per_day",
            ],
            Kind::WashTrade => &["window_ms"],
            Kind::Spoofing => &[
                "min_notional",
                "cancel_within_ms",
                "max_fast_cancels",
                "window_ms",
            ],
            Kind::AccountStatus => &[],
        }
    }
}

/// Per-account order limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountLimits {
    pub max_order_quantity: Decimal,
    pub max_order_notional: Decimal,
    /// Orders placed per UTC day, counted from `placed` events on exec.orders.
    pub max_orders_per_day: u64,
}

/// When cancels of large orders make an account a spoofing suspect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpoofingLimits {
    /// An order is large when price x quantity is at least this.
    pub min_notional: Decimal,
    /// A cancel is fast when it came at most this long after the placement.
    pub cancel_within_ms: i64,
    /// More fast cancels than this within the window fail.
    pub max_fast_cancels: u64,
    pub window_ms: i64,
}

/// A rule's kind with its parameters, typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Spec {
    RestrictedSymbols { symbols: BTreeSet<Symbol> },
    AccountLimits(AccountLimits),
    WashTrade { window_ms: i64 },
    Spoofing(SpoofingLimits),
    AccountStatus,
}

/// A parameter that is missing, unknown or wrong: its name and what is wrong.
pub type ParameterProblem = (String, String);

impl Spec {
    /// Reads the parameters of a rule of `kind`; every problem is named by parameter.
    pub fn parse(
        kind: Kind,
        parameters: &BTreeMap<String, String>,
    ) -> Result<Spec, Vec<ParameterProblem>> {
        let mut reader = Reader {
            parameters,
            problems: Vec::new(),
        };
        for name in parameters.keys() {
            if !kind.parameter_names().contains(&name.as_str()) {
                let expected = match kind.parameter_names() {
                    [] => "none".to_string(),
                    names => names.join(", "),
                };
                reader.problems.push((
                    name.clone(),
                    format!(
                        "is not a parameter of {}; it takes: {expected}",
                        kind.to_proto().as_str_name()
                    ),
                ));
            }
        }
        let spec = match kind {
            Kind::RestrictedSymbols => Spec::RestrictedSymbols {
                symbols: reader.symbols("symbols"),
            },
            Kind::AccountLimits => Spec::AccountLimits(AccountLimits {
                max_order_quantity: reader.positive_decimal("max_order_quantity"),
                max_order_notional: reader.positive_decimal("max_order_notional"),
                max_orders_per_day: reader.count("max_orders_per_day", 1),
            }),
            Kind::WashTrade => Spec::WashTrade {
                window_ms: reader.duration_ms("window_ms"),
            },
            Kind::Spoofing => Spec::Spoofing(SpoofingLimits {
                min_notional: reader.positive_decimal("min_notional"),
                cancel_within_ms: reader.duration_ms("cancel_within_ms"),
                max_fast_cancels: reader.count("max_fast_cancels", 0),
                window_ms: reader.duration_ms("window_ms"),
            }),
            Kind::AccountStatus => Spec::AccountStatus,
        };
        if reader.problems.is_empty() {
            Ok(spec)
        } else {
            Err(reader.problems)
        }
    }

    pub fn kind(&self) -> Kind {
        match self {
            Spec::RestrictedSymbols { .. } => Kind::RestrictedSymbols,
            Spec::AccountLimits(_) => Kind::AccountLimits,
            Spec::WashTrade { .. } => Kind::WashTrade,
            Spec::Spoofing(_) => Kind::Spoofing,
            Spec::AccountStatus => Kind::AccountStatus,
        }
    }

    /// The parameters in their normalized text form (what is stored and listed).
    pub fn parameters(&self) -> BTreeMap<String, String> {
        let pairs: Vec<(&str, String)> = match self {
            Spec::RestrictedSymbols { symbols } => {
                let names: Vec<&str> = symbols.iter().map(Symbol::as_str).collect();
                vec![("symbols", names.join(","))]
            }
            Spec::AccountLimits(limits) => vec![
                ("max_order_quantity", text(limits.max_order_quantity)),
                ("max_order_notional", text(limits.max_order_notional)),
                ("max_orders_per_day", limits.max_orders_per_day.to_string()),
            ],
            Spec::WashTrade { window_ms } => vec![("window_ms", window_ms.to_string())],
            Spec::Spoofing(limits) => vec![
                ("min_notional", text(limits.min_notional)),
                ("cancel_within_ms", limits.cancel_within_ms.to_string()),
                ("max_fast_cancels", limits.max_fast_cancels.to_string()),
                ("window_ms", limits.window_ms.to_string()),
            ],
            Spec::AccountStatus => vec![],
        };
        pairs
            .into_iter()
            .map(|(name, value)| (name.to_string(), value))
            .collect()
    }
}

/// One version of a rule as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub id: String,
    pub version: u32,
    pub enabled: bool,
    pub spec: Spec,
    pub description: String,
    pub changed_by: String,
    pub changed_at_ms: i64,
}

impl Rule {
    /// `id@version`, as listed in a check's `evaluated`.
    pub fn label(&self) -> String {
        format!("{}@{}", self.id, self.version)
    }
}

/// Whether `id` is a usable rule id: 1 to 64 lowercase letters, digits and dashes.
pub fn id_problem(id: &str) -> Option<&'static str> {
    if id.is_empty() {
        return Some("is required, e.g. restricted-symbols");
    }
    let valid = id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    (!valid).then_some("must be 1 to 64 lowercase letters, digits and dashes")
}

fn text(value: Decimal) -> String {
    value.normalize().to_string()
}

/// Reads typed parameters, collecting every problem instead of stopping at the first.
struct Reader<'a> {
    parameters: &'a BTreeMap<String, String>,
    problems: Vec<ParameterProblem>,
}

impl Reader<'_> {
    fn required(&mut self, name: &str) -> Option<&str> {
        match self.parameters.get(name) {
            Some(value) => Some(value.trim()),
            None => {
                self.problems.push((name.to_string(), "is required".into()));
                None
            }
        }
    }

    fn problem(&mut self, name: &str, problem: String) {
        self.problems.push((name.to_string(), problem));
    }

    fn symbols(&mut self, name: &str) -> BTreeSet<Symbol> {
        let Some(list) = self.required(name).map(str::to_string) else {
            return BTreeSet::new();
        };
        let mut symbols = BTreeSet::new();
        for item in list
            .split(',')
            .map(str::trim)
            .filter(|item| !item.is_empty())
        {
            match item.parse::<Symbol>() {
                Ok(symbol) => {
                    symbols.insert(symbol);
                }
                Err(error) => self.problem(name, error.to_string()),
            }
        }
        symbols
    }

    fn positive_decimal(&mut self, name: &str) -> Decimal {
        let Some(value) = self.required(name).map(str::to_string) else {
            return Decimal::ONE;
        };
        match value.parse::<Decimal>() {
            Ok(number) if number > Decimal::ZERO => number,
            Ok(_) => {
                self.problem(name, format!("must be greater than 0, not {value}"));
                Decimal::ONE
            }
            Err(_) => {
                self.problem(name, format!("'{value}' is not a decimal number"));
                Decimal::ONE
            }
        }
    }

    fn count(&mut self, name: &str, least: u64) -> u64 {
        let Some(value) = self.required(name).map(str::to_string) else {
            return least;
        };
        match value.parse::<u64>() {
            Ok(number) if number >= least => number,
            _ => {
                self.problem(
                    name,
                    format!("must be a whole number of at least {least}, not '{value}'"),
                );
                least
            }
        }
    }

    fn duration_ms(&mut self, name: &str) -> i64 {
        let Some(value) = self.required(name).map(str::to_string) else {
            return 1;
        };
        match value.parse::<i64>() {
            Ok(number) if (1..=MAX_WINDOW_MS).contains(&number) => number,
            _ => {
                self.problem(
                    name,
                    format!("must be whole milliseconds from 1 to {MAX_WINDOW_MS}, not '{value}'"),
                );
                1
            }
        }
    }
}

#[cfg(test)]
mod tests;
