//! The pairs mode of mean reversion: the spread ln(y) - β ln(x) of two symbols, with β
//! the OLS hedge ratio over the lookback, traded on its z-score when its OU half-life
//! lies in the band. The regression and the half-life are refitted on the lookback
//! window at every bar (O(lookback) per bar, no streaming form of them exists).
use std::collections::VecDeque;

use quorum_quant::indicators::{Bar, zscore};
use quorum_quant::stats::{hedge_ratio, ou_half_life};

use crate::mean_reversion::{Settings, horizon, stretched};
use crate::momentum::fact;
use crate::params::plain;
use crate::signal::{Assessment, Direction, two};
use crate::strategy::Core;

pub(crate) struct PairsCore {
    settings: Settings,
    warm_up: usize,
    seen: usize,
    /// ln(close) of the first symbol (y) and of the second (x), oldest first.
    log_y: VecDeque<f64>,
    log_x: VecDeque<f64>,
    spread: Vec<f64>,
}

impl PairsCore {
    pub(crate) fn new(settings: Settings, warm_up: usize) -> Self {
        Self {
            log_y: VecDeque::with_capacity(settings.lookback),
            log_x: VecDeque::with_capacity(settings.lookback),
            spread: Vec::with_capacity(settings.lookback),
            settings,
            warm_up,
            seen: 0,
        }
    }
}

impl Core for PairsCore {
    fn update(&mut self, bar: &Bar, pair: Option<&Bar>) -> Assessment {
        let Some(pair) = pair else {
            return Assessment::flat(
                "pairs mode without the second symbol's candle".into(),
                0.0,
                1,
            );
        };
        self.seen += 1;
        if self.log_y.len() == self.settings.lookback {
            self.log_y.pop_front();
            self.log_x.pop_front();
        }
        self.log_y.push_back(bar.close.ln());
        self.log_x.push_back(pair.close.ln());
        if self.seen < self.warm_up {
            return Assessment::warming_up(self.seen, self.warm_up, 1);
        }
        self.judge()
    }
}

impl PairsCore {
    fn judge(&mut self) -> Assessment {
        let settings = self.settings;
        let log_y = self.log_y.make_contiguous();
        let log_x = self.log_x.make_contiguous();
        let fit = match hedge_ratio(log_y, log_x) {
            Ok(fit) => fit,
            Err(error) => {
                return Assessment::flat(
                    format!("hedge ratio cannot be estimated ({error}): no trade"),
                    0.5,
                    1,
                );
            }
        };
        let beta = fit.slope;
        self.spread.clear();
        self.spread
            .extend(log_y.iter().zip(log_x.iter()).map(|(y, x)| y - beta * x));
        let period = settings.bollinger_period.min(self.spread.len());
        let tail = &self.spread[self.spread.len() - period..];
        let z = zscore(tail, period)
            .ok()
            .and_then(|values| values.last().copied())
            .unwrap_or(f64::NAN);
        let spread = self.spread.last().copied().unwrap_or(f64::NAN);
        let reversion = ou_half_life(&self.spread);
        let mut facts = vec![
            fact("hedge_ratio", beta),
            fact("hedge_r_squared", fit.r_squared),
            fact("spread", spread),
            fact("spread_z_score", z),
            fact("entry_z", settings.entry_z),
        ];
        if let Ok(fitted) = &reversion {
            facts.push(fact("ou_slope", fitted.slope));
        }
        let half_life = match settings.half_life_in_band("the spread", reversion) {
            Ok(half_life) => half_life,
            Err(flat) => return flat.with_facts(facts),
        };
        facts.push(fact("half_life_bars", half_life));
        let entry = settings.entry_z;
        let mut reasons = vec![
            format!(
                "spread = ln(y) - {} ln(x) (OLS over {} bars, r² {})",
                two(beta),
                self.spread.len(),
                two(fit.r_squared)
            ),
            format!(
                "OU half-life of the spread = {} bars within [{}, {}]",
                two(half_life),
                plain(settings.half_life_min),
                plain(settings.half_life_max)
            ),
        ];
        let direction = if z < -entry {
            reasons.push(format!(
                "spread z-score({period}) = {} < -{}: long y, short {} x",
                two(z),
                two(entry),
                two(beta)
            ));
            Direction::Long
        } else if z > entry {
            reasons.push(format!(
                "spread z-score({period}) = {} > {}: short y, long {} x",
                two(z),
                two(entry),
                two(beta)
            ));
            Direction::Short
        } else {
            reasons.push(format!(
                "spread z-score({period}) = {} within ±{}: no trade",
                two(z),
                two(entry)
            ));
            Direction::Flat
        };
        let extremity = ((z.abs() - entry) / entry).clamp(0.0, 1.0);
        stretched(
            direction,
            z,
            entry,
            extremity,
            horizon(half_life),
            reasons,
            facts,
        )
    }
}
