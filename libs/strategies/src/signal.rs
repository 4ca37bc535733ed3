//! What a strategy says about the last candle it saw: direction, strength, confidence,
//! horizon, and the sentences and numbers behind it.

/// Which way the strategy would trade.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    Long,
    Short,
    Flat,
}

impl Direction {
    /// +1 for long, -1 for short, 0 for flat.
    pub fn sign(self) -> f64 {
        match self {
            Direction::Long => 1.0,
            Direction::Short => -1.0,
            Direction::Flat => 0.0,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Direction::Long => "LONG",
            Direction::Short => "SHORT",
            Direction::Flat => "FLAT",
        }
    }
}

/// A named number the signal was computed from (an indicator value, a threshold).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fact {
    pub name: &'static str,
    pub value: f64,
}

/// A strategy's signal as of the close of the last candle it was given.
#[derive(Debug, Clone, PartialEq)]
pub struct Signal {
    pub symbol: String,
    pub direction: Direction,
    /// In [-1, 1]: the sign is the direction (0 when flat), the magnitude how strongly.
    pub strength: f64,
    /// In [0, 1]: how much the parts of the strategy agree and how clear the market is.
    pub confidence: f64,
    /// How many candles the signal is meant to hold for.
    pub horizon_bars: u32,
    /// `horizon_bars` times the interval.
    pub horizon_ms: i64,
    /// Sentences with the numbers, e.g. "ROC(10) = 2.13 % > 1.00 %".
    pub reasons: Vec<String>,
    /// The indicator values behind the reasons, finite only.
    pub facts: Vec<Fact>,
    /// A protective stop price, when the strategy sets one (breakout).
    pub stop: Option<f64>,
    /// A profit target price, when the strategy sets one (breakout).
    pub target: Option<f64>,
    /// The strategy's name, e.g. "momentum".
    pub strategy: &'static str,
    pub params_version: String,
    /// Open time of the last candle plus the interval: the signal is as of this instant.
    pub as_of_ms: i64,
    /// False while the indicators are still warming up (the signal is then FLAT).
    pub ready: bool,
    /// Candles the strategy has seen.
    pub bars: usize,
}

impl Signal {
    /// The value of fact `name`, if the signal has it.
    pub fn fact(&self, name: &str) -> Option<f64> {
        self.facts
            .iter()
            .find(|fact| fact.name == name)
            .map(|fact| fact.value)
    }
}

/// A strategy's judgement of one bar, before the runner adds who, when and which
/// parameters. The runner enforces the bounds and the sign rules.
#[derive(Debug, Clone, PartialEq)]
pub struct Assessment {
    pub direction: Direction,
    /// Magnitude in [0, 1]; the runner gives it the direction's sign.
    pub strength: f64,
    pub confidence: f64,
    pub horizon_bars: u32,
    pub reasons: Vec<String>,
    pub facts: Vec<Fact>,
    pub stop: Option<f64>,
    pub target: Option<f64>,
    pub ready: bool,
}

impl Assessment {
    /// FLAT with one reason and the given confidence.
    pub fn flat(reason: String, confidence: f64, horizon_bars: u32) -> Self {
        Self::flat_because(vec![reason], confidence, horizon_bars)
    }

    /// FLAT with these reasons and the given confidence.
    pub fn flat_because(reasons: Vec<String>, confidence: f64, horizon_bars: u32) -> Self {
        Self {
            direction: Direction::Flat,
            strength: 0.0,
            confidence,
            horizon_bars,
            reasons,
            facts: Vec::new(),
            stop: None,
            target: None,
            ready: true,
        }
    }

    /// FLAT because the indicators have not seen enough candles yet.
    pub fn warming_up(seen: usize, needed: usize, horizon_bars: u32) -> Self {
        Self {
            ready: false,
            ..Self::flat(
                format!("warming up: {seen} of the {needed} candles needed"),
                0.0,
                horizon_bars,
            )
        }
    }

    pub fn with_facts(mut self, facts: Vec<Fact>) -> Self {
        self.facts = facts;
        self
    }
}

/// Formats a value with two decimals, as reasons show percentages and ratios.
pub(crate) fn two(value: f64) -> String {
    format!("{value:.2}")
}

/// Formats a price with enough decimals for its size: 42000.12, 1.2345, 0.000123.
pub(crate) fn price(value: f64) -> String {
    if !value.is_finite() || value == 0.0 {
        return format!("{value}");
    }
    let magnitude = value.abs().log10().floor();
    let decimals = (4.0 - magnitude).clamp(2.0, 10.0) as usize;
    let text = format!("{value:.decimals$}");
    // Trailing zeros beyond the second decimal say nothing: 99.000 reads as 99.00.
    let keep = text
        .find('.')
        .map(|point| point + 3)
        .unwrap_or(text.len())
        .min(text.len());
    let trimmed = text.trim_end_matches('0');
    text[..trimmed.len().max(keep)].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_keep_digits_that_matter() {
        assert_eq!(price(42000.123), "42000.12");
        assert_eq!(price(1.23456), "1.2346");
        assert_eq!(price(0.000123456), "0.00012346");
        assert_eq!(price(99.0), "99.00");
        assert_eq!(price(1.5), "1.50");
        assert_eq!(price(0.5), "0.50");
        assert_eq!(two(2.126), "2.13");
        assert_eq!(Direction::Short.sign(), -1.0);
    }
}
