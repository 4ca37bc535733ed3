//! Strategy parameters: each one's allowed range, validated changes that apply all or
//! nothing, and a version string that changes whenever a value does.
use std::collections::BTreeMap;

/// One parameter a strategy reads: its name, default and allowed range.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ParamSpec {
    pub name: &'static str,
    pub default: f64,
    pub min: f64,
    pub max: f64,
    /// Whole numbers only (periods, bar counts).
    pub integer: bool,
    pub description: &'static str,
}

impl ParamSpec {
    /// Why `value` is not allowed for this parameter, if it is not.
    pub fn problem(&self, value: f64) -> Option<String> {
        if !value.is_finite() {
            return Some(format!("{value} is not a finite number"));
        }
        if value < self.min || value > self.max {
            return Some(format!(
                "{value} is outside [{}, {}]",
                plain(self.min),
                plain(self.max)
            ));
        }
        if self.integer && value.fract() != 0.0 {
            return Some(format!("{value} is not a whole number"));
        }
        None
    }
}

/// A parameter that is unknown or has a value it cannot take.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{name}: {problem}")]
pub struct ParamError {
    pub name: String,
    pub problem: String,
}

impl ParamError {
    pub fn new(name: impl Into<String>, problem: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            problem: problem.into(),
        }
    }
}

/// A parameter with its current value, as GetParams lists it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Param {
    pub spec: &'static ParamSpec,
    pub value: f64,
}

/// A complete, valid set of values for one strategy's parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    specs: &'static [ParamSpec],
    values: Vec<f64>,
    version: String,
}

/// Rules between parameters beyond each one's own range (e.g. fast period < slow).
pub type CrossCheck = fn(&Params) -> Vec<ParamError>;

impl Params {
    /// Every parameter at its default.
    pub fn defaults(specs: &'static [ParamSpec]) -> Self {
        let values: Vec<f64> = specs.iter().map(|spec| spec.default).collect();
        Self::build(specs, values)
    }

    /// A copy with `changes` applied, when every changed value is known and allowed and
    /// the result passes `cross_check`; otherwise every problem found, naming the
    /// parameter, and nothing changes.
    pub fn with_changes(
        &self,
        changes: &BTreeMap<String, f64>,
        cross_check: CrossCheck,
    ) -> Result<Params, Vec<ParamError>> {
        let mut values = self.values.clone();
        let mut problems = Vec::new();
        for (name, value) in changes {
            match self.specs.iter().position(|spec| spec.name == name) {
                Some(index) => match self.specs[index].problem(*value) {
                    Some(problem) => problems.push(ParamError::new(name, problem)),
                    None => values[index] = *value,
                },
                None => problems.push(ParamError::new(
                    name,
                    format!("is not a parameter; known: {}", self.names().join(", ")),
                )),
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        let changed = Self::build(self.specs, values);
        let cross = cross_check(&changed);
        if cross.is_empty() {
            Ok(changed)
        } else {
            Err(cross)
        }
    }

    /// The parameters in their declared order, with their values.
    pub fn entries(&self) -> impl Iterator<Item = Param> + '_ {
        self.specs
            .iter()
            .zip(&self.values)
            .map(|(spec, value)| Param {
                spec,
                value: *value,
            })
    }

    /// The values by name.
    pub fn values(&self) -> BTreeMap<&'static str, f64> {
        self.entries()
            .map(|param| (param.spec.name, param.value))
            .collect()
    }

    /// Changes with every value: 16 hex digits of a hash of the names and values.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The value of parameter `name`.
    pub fn number(&self, name: &str) -> Result<f64, ParamError> {
        self.specs
            .iter()
            .position(|spec| spec.name == name)
            .map(|index| self.values[index])
            .ok_or_else(|| ParamError::new(name, "is not a parameter of this strategy"))
    }

    /// The value of a whole-number parameter `name`, as a count.
    pub fn count(&self, name: &str) -> Result<usize, ParamError> {
        let value = self.number(name)?;
        if value.fract() != 0.0 || value < 0.0 || value > u32::MAX as f64 {
            return Err(ParamError::new(name, format!("{value} is not a count")));
        }
        Ok(value as usize)
    }

    fn names(&self) -> Vec<&'static str> {
        self.specs.iter().map(|spec| spec.name).collect()
    }

    fn build(specs: &'static [ParamSpec], values: Vec<f64>) -> Self {
        let version = version_of(specs, &values);
        Self {
            specs,
            values,
            version,
        }
    }
}

/// FNV-1a (64 bit) over the names and the bit patterns of the values: stable across
/// runs, machines and compiler versions, unlike the standard library's hasher.
fn version_of(specs: &[ParamSpec], values: &[f64]) -> String {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut hash = OFFSET;
    let mut feed = |bytes: &[u8]| {
        for byte in bytes {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(PRIME);
        }
    };
    for (spec, value) in specs.iter().zip(values) {
        feed(spec.name.as_bytes());
        feed(b"=");
        // +0.0 and -0.0 are the same setting.
        let value = if *value == 0.0 { 0.0 } else { *value };
        feed(&value.to_bits().to_le_bytes());
    }
    format!("{hash:016x}")
}

/// A number without trailing zeros: 20 rather than 20.0, 0.25 as is.
pub(crate) fn plain(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{value:.0}")
    } else {
        format!("{value}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPECS: &[ParamSpec] = &[
        ParamSpec {
            name: "fast",
            default: 5.0,
            min: 1.0,
            max: 100.0,
            integer: true,
            description: "fast period",
        },
        ParamSpec {
            name: "slow",
            default: 20.0,
            min: 2.0,
            max: 200.0,
            integer: true,
            description: "slow period",
        },
        ParamSpec {
            name: "threshold",
            default: 1.5,
            min: 0.0,
            max: 10.0,
            integer: false,
            description: "threshold in percent",
        },
    ];

    fn fast_below_slow(params: &Params) -> Vec<ParamError> {
        let (Ok(fast), Ok(slow)) = (params.number("fast"), params.number("slow")) else {
            return vec![ParamError::new("fast", "missing")];
        };
        if fast < slow {
            vec![]
        } else {
            vec![ParamError::new("fast", "must be below slow")]
        }
    }

    fn changes(entries: &[(&str, f64)]) -> BTreeMap<String, f64> {
        entries
            .iter()
            .map(|(name, value)| (name.to_string(), *value))
            .collect()
    }

    #[test]
    fn a_good_change_applies_and_moves_the_version() {
        let params = Params::defaults(SPECS);
        let changed = params
            .with_changes(
                &changes(&[("fast", 8.0), ("threshold", 2.0)]),
                fast_below_slow,
            )
            .unwrap();
        assert_eq!(changed.number("fast").unwrap(), 8.0);
        assert_eq!(changed.count("slow").unwrap(), 20);
        assert_eq!(changed.number("threshold").unwrap(), 2.0);
        assert_ne!(changed.version(), params.version());
        assert_eq!(changed.version().len(), 16);
        // The same values give the same version.
        let again = params
            .with_changes(
                &changes(&[("threshold", 2.0), ("fast", 8.0)]),
                fast_below_slow,
            )
            .unwrap();
        assert_eq!(again.version(), changed.version());
    }

    #[test]
    fn one_bad_value_changes_nothing_and_every_problem_is_named() {
        let params = Params::defaults(SPECS);
        let errors = params
            .with_changes(
                &changes(&[
                    ("fast", 2.5),
                    ("threshold", 11.0),
                    ("nope", 1.0),
                    ("slow", 30.0),
                ]),
                fast_below_slow,
            )
            .unwrap_err();
        let names: Vec<&str> = errors.iter().map(|error| error.name.as_str()).collect();
        assert_eq!(names, vec!["fast", "nope", "threshold"]);
        assert!(errors[0].problem.contains("whole number"), "{errors:?}");
        assert!(errors[1].problem.contains("known: fast, slow, threshold"));
        assert!(errors[2].problem.contains("outside [0, 10]"), "{errors:?}");
        assert_eq!(params.number("slow").unwrap(), 20.0);
    }

    #[test]
    fn cross_checks_run_on_the_changed_set() {
        let params = Params::defaults(SPECS);
        let errors = params
            .with_changes(&changes(&[("fast", 30.0)]), fast_below_slow)
            .unwrap_err();
        assert_eq!(errors[0].name, "fast");
        assert!(
            params
                .with_changes(&changes(&[("fast", 30.0), ("slow", 40.0)]), fast_below_slow)
                .is_ok()
        );
    }

    #[test]
    fn non_finite_values_are_refused() {
        let params = Params::defaults(SPECS);
        for value in [f64::NAN, f64::INFINITY] {
            let errors = params
                .with_changes(&changes(&[("threshold", value)]), fast_below_slow)
                .unwrap_err();
            assert!(errors[0].problem.contains("finite"));
        }
    }

    #[test]
    fn unknown_names_are_errors_for_readers_too() {
        let params = Params::defaults(SPECS);
        assert_eq!(params.number("missing").unwrap_err().name, "missing");
        assert!(params.count("threshold").is_err());
        assert_eq!(params.entries().count(), 3);
        assert_eq!(params.values()["slow"], 20.0);
    }
}
