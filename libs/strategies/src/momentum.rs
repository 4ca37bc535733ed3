//! Momentum: trade in the direction the price is moving when the move is large, the
//! averages agree and the market trends.
//!
//! - ROC(n) = close / close n bars ago - 1, in percent: a part votes for its sign when
//!   |ROC| exceeds the threshold.
//! - Fast and slow EMAs of the close: a part votes for the sign of fast - slow.
//! - ADX(p) (Wilder): below `adx_min` the market does not trend and the signal is FLAT.
//!
//! LONG when ROC > threshold and fast EMA > slow EMA (and ADX >= min); SHORT mirrored;
//! otherwise FLAT. Strength = mean of tanh(|ROC| / 2s) and tanh(|spread| / s) with
//! s = max(threshold, 0.1 %), where spread = (fast - slow) / slow in percent.
//! Confidence of a trade = (min(ADX / 50, 1) + agreement) / 2, with agreement the share
//! of ROC, the EMAs and +DI vs -DI that point the trade's way; confidence of a FLAT =
//! 1 - the mean of the two scores above (sure of "no trade" when nothing moves).
use quorum_quant::indicators::{Adx, AdxOutput, Bar, Ema, Roc};

use crate::params::{ParamError, ParamSpec, Params};
use crate::signal::{Assessment, Direction, Fact, two};
use crate::strategy::{Core, Strategy};

/// The momentum strategy.
#[derive(Debug, Clone, Copy, Default)]
pub struct Momentum;

const SPECS: &[ParamSpec] = &[
    ParamSpec {
        name: "roc_period",
        default: 10.0,
        min: 1.0,
        max: 500.0,
        integer: true,
        description: "bars over which the rate of change is measured",
    },
    ParamSpec {
        name: "roc_threshold_pct",
        default: 1.0,
        min: 0.0,
        max: 100.0,
        integer: false,
        description: "|ROC| in percent above which the rate of change votes",
    },
    ParamSpec {
        name: "fast_period",
        default: 10.0,
        min: 1.0,
        max: 500.0,
        integer: true,
        description: "period of the fast EMA of the close (below slow_period)",
    },
    ParamSpec {
        name: "slow_period",
        default: 30.0,
        min: 2.0,
        max: 1000.0,
        integer: true,
        description: "period of the slow EMA of the close",
    },
    ParamSpec {
        name: "adx_period",
        default: 14.0,
        min: 2.0,
        max: 200.0,
        integer: true,
        description: "period of the ADX trend filter",
    },
    ParamSpec {
        name: "adx_min",
        default: 20.0,
        min: 0.0,
        max: 100.0,
        integer: false,
        description: "ADX below this means no trend: no trade",
    },
    ParamSpec {
        name: "horizon_bars",
        default: 10.0,
        min: 1.0,
        max: 10000.0,
        integer: true,
        description: "bars a signal is meant to hold for",
    },
];

impl Strategy for Momentum {
    fn name(&self) -> &'static str {
        "momentum"
    }

    fn summary(&self) -> &'static str {
        "rate of change over a lookback, fast/slow EMA crossover, ADX trend filter"
    }

    fn specs(&self) -> &'static [ParamSpec] {
        SPECS
    }

    fn cross_check(&self, params: &Params) -> Vec<ParamError> {
        match (params.count("fast_period"), params.count("slow_period")) {
            (Ok(fast), Ok(slow)) if fast < slow => Vec::new(),
            (Ok(fast), Ok(slow)) => vec![ParamError::new(
                "fast_period",
                format!("{fast} must be below slow_period ({slow})"),
            )],
            (Err(error), _) | (_, Err(error)) => vec![error],
        }
    }

    fn warm_up(&self, params: &Params) -> Result<usize, ParamError> {
        let settings = Settings::read(params)?;
        Ok((settings.roc_period + 1)
            .max(settings.slow_period)
            .max(2 * settings.adx_period))
    }

    fn core(&self, params: &Params, _pairs: bool) -> Result<Box<dyn Core>, ParamError> {
        let settings = Settings::read(params)?;
        let indicator = |name: &str, error: quorum_quant::indicators::IndicatorError| {
            ParamError::new(name, error.to_string())
        };
        Ok(Box::new(MomentumCore {
            roc: Roc::new(settings.roc_period).map_err(|error| indicator("roc_period", error))?,
            fast: Ema::new(settings.fast_period)
                .map_err(|error| indicator("fast_period", error))?,
            slow: Ema::new(settings.slow_period)
                .map_err(|error| indicator("slow_period", error))?,
            adx: Adx::new(settings.adx_period).map_err(|error| indicator("adx_period", error))?,
            warm_up: self.warm_up(params)?,
            seen: 0,
            settings,
        }))
    }
}

#[derive(Debug, Clone, Copy)]
struct Settings {
    roc_period: usize,
    roc_threshold_pct: f64,
    fast_period: usize,
    slow_period: usize,
    adx_period: usize,
    adx_min: f64,
    horizon_bars: u32,
}

impl Settings {
    fn read(params: &Params) -> Result<Self, ParamError> {
        Ok(Self {
            roc_period: params.count("roc_period")?,
            roc_threshold_pct: params.number("roc_threshold_pct")?,
            fast_period: params.count("fast_period")?,
            slow_period: params.count("slow_period")?,
            adx_period: params.count("adx_period")?,
            adx_min: params.number("adx_min")?,
            horizon_bars: u32::try_from(params.count("horizon_bars")?).unwrap_or(u32::MAX),
        })
    }
}

struct MomentumCore {
    roc: Roc,
    fast: Ema,
    slow: Ema,
    adx: Adx,
    settings: Settings,
    warm_up: usize,
    seen: usize,
}

impl Core for MomentumCore {
    fn update(&mut self, bar: &Bar, _pair: Option<&Bar>) -> Assessment {
        self.seen += 1;
        // Every indicator sees every bar, ready or not.
        let roc = self.roc.update(bar.close);
        let fast = self.fast.update(bar.close);
        let slow = self.slow.update(bar.close);
        let adx = self.adx.update(*bar);
        match (roc, fast, slow, adx) {
            (Some(roc), Some(fast), Some(slow), Some(adx)) => self.judge(roc, fast, slow, adx),
            _ => Assessment::warming_up(self.seen, self.warm_up, self.settings.horizon_bars),
        }
    }
}

impl MomentumCore {
    fn judge(&self, roc: f64, fast: f64, slow: f64, adx: AdxOutput) -> Assessment {
        let settings = &self.settings;
        let threshold = settings.roc_threshold_pct;
        let spread = (fast - slow) / slow * 100.0;
        let scale = threshold.max(0.1);
        let roc_score = (roc.abs() / (2.0 * scale)).tanh();
        let spread_score = (spread.abs() / scale).tanh();
        let roc_vote = if roc.abs() > threshold {
            roc.signum()
        } else {
            0.0
        };
        let ma_vote = sign(spread);
        let di_vote = sign(adx.plus_di - adx.minus_di);

        let mut reasons = vec![roc_reason(settings.roc_period, roc, threshold)];
        reasons.push(ma_reason(settings, fast, slow, spread));
        let trending = adx.adx >= settings.adx_min;
        reasons.push(format!(
            "ADX({}) = {} {} {} (+DI {}, -DI {}){}",
            settings.adx_period,
            two(adx.adx),
            if trending { ">=" } else { "<" },
            two(settings.adx_min),
            two(adx.plus_di),
            two(adx.minus_di),
            if trending { "" } else { ": no trend, no trade" }
        ));
        let facts = vec![
            fact("roc_pct", roc),
            fact("roc_threshold_pct", threshold),
            fact("ema_fast", fast),
            fact("ema_slow", slow),
            fact("ma_spread_pct", spread),
            fact("adx", adx.adx),
            fact("plus_di", adx.plus_di),
            fact("minus_di", adx.minus_di),
        ];
        let direction = if trending && roc_vote != 0.0 && roc_vote == ma_vote {
            if roc_vote > 0.0 {
                Direction::Long
            } else {
                Direction::Short
            }
        } else {
            Direction::Flat
        };
        if direction == Direction::Flat && trending && roc_vote != 0.0 {
            reasons.push("ROC and the moving averages disagree: no trade".into());
        }
        let (strength, confidence) = if direction == Direction::Flat {
            (0.0, 1.0 - (roc_score + spread_score) / 2.0)
        } else {
            let wanted = direction.sign();
            let agreeing = [roc_vote, ma_vote, di_vote]
                .iter()
                .filter(|vote| **vote == wanted)
                .count();
            let agreement = agreeing as f64 / 3.0;
            let trend = (adx.adx / 50.0).min(1.0);
            ((roc_score + spread_score) / 2.0, (trend + agreement) / 2.0)
        };
        Assessment {
            direction,
            strength,
            confidence,
            horizon_bars: settings.horizon_bars,
            reasons,
            facts,
            stop: None,
            target: None,
            ready: true,
        }
    }
}

fn roc_reason(period: usize, roc: f64, threshold: f64) -> String {
    if roc > threshold {
        format!("ROC({period}) = {} % > {} %", two(roc), two(threshold))
    } else if roc < -threshold {
        format!("ROC({period}) = {} % < -{} %", two(roc), two(threshold))
    } else {
        format!(
            "ROC({period}) = {} % within ±{} %: no momentum",
            two(roc),
            two(threshold)
        )
    }
}

fn ma_reason(settings: &Settings, fast: f64, slow: f64, spread: f64) -> String {
    let relation = match sign(spread) {
        value if value > 0.0 => "above",
        value if value < 0.0 => "below",
        _ => "equal to",
    };
    format!(
        "EMA({}) = {} {relation} EMA({}) = {} (spread {} %)",
        settings.fast_period,
        crate::signal::price(fast),
        settings.slow_period,
        crate::signal::price(slow),
        two(spread)
    )
}

/// -1, 0 or +1; exactly zero stays zero (unlike `f64::signum`).
pub(crate) fn sign(value: f64) -> f64 {
    if value > 0.0 {
        1.0
    } else if value < 0.0 {
        -1.0
    } else {
        0.0
    }
}

pub(crate) fn fact(name: &'static str, value: f64) -> Fact {
    Fact { name, value }
}

#[cfg(test)]
mod tests;
