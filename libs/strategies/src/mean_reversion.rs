//! Mean reversion: fade stretched prices, but only on series that actually revert.
//!
//! - z = (close - SMA(n)) / σ(n) (the Bollinger z-score; the bands are SMA ± entry_z σ).
//! - RSI(p) (Wilder).
//! - The Ornstein-Uhlenbeck half-life of ln(close) over the last `lookback` bars, from
//!   the regression Δx = a + b x[t-1]: the series is traded only when it lies in
//!   [half_life_min, half_life_max] bars; otherwise (or when it does not revert) FLAT.
//!
//! LONG when z < -entry_z and RSI < rsi_oversold; SHORT when z > entry_z and RSI >
//! rsi_overbought; otherwise FLAT. Strength = min(|z| / (2 entry_z), 1). Confidence of a
//! trade = 0.4 min(|z| / 2 entry_z, 1) + 0.3 (0.5 + 0.5 RSI extremity) + 0.3, where the
//! extremity is how far RSI is past its level towards 0 (or 100); confidence of a FLAT
//! = 1 - min(|z| / 2 entry_z, 1), or 0.5 when the half-life rules the series out. The
//! horizon is the half-life rounded up.
//!
//! Pairs mode (a second symbol x beside y): spread = ln(y) - β ln(x) with β the OLS
//! hedge ratio over the lookback, z-score of the spread over the Bollinger period, and
//! the half-life band on the spread. LONG means long y and short β x; RSI is not used.
use std::collections::VecDeque;

use quorum_quant::indicators::{Bar, Bollinger, BollingerOutput, Rsi, ZScore};
use quorum_quant::stats::{StatsError, ou_half_life};

use crate::momentum::fact;
use crate::pairs::PairsCore;
use crate::params::{ParamError, ParamSpec, Params, plain};
use crate::signal::{Assessment, Direction, price, two};
use crate::strategy::{Core, Strategy};

/// The mean-reversion strategy, with its pairs mode.
#[derive(Debug, Clone, Copy, Default)]
pub struct MeanReversion;

const SPECS: &[ParamSpec] = &[
    ParamSpec {
        name: "bollinger_period",
        default: 20.0,
        min: 2.0,
        max: 1000.0,
        integer: true,
        description: "bars of the moving average and deviation of the z-score",
    },
    ParamSpec {
        name: "entry_z",
        default: 2.0,
        min: 0.1,
        max: 10.0,
        integer: false,
        description: "|z| beyond which the price is stretched (the Bollinger band width)",
    },
    ParamSpec {
        name: "rsi_period",
        default: 14.0,
        min: 2.0,
        max: 500.0,
        integer: true,
        description: "period of the RSI",
    },
    ParamSpec {
        name: "rsi_oversold",
        default: 30.0,
        min: 0.0,
        max: 50.0,
        integer: false,
        description: "RSI below this is oversold (needed for LONG)",
    },
    ParamSpec {
        name: "rsi_overbought",
        default: 70.0,
        min: 50.0,
        max: 100.0,
        integer: false,
        description: "RSI above this is overbought (needed for SHORT)",
    },
    ParamSpec {
        name: "lookback",
        default: 200.0,
        min: 10.0,
        max: 5000.0,
        integer: true,
        description: "bars of the half-life regression and of the pairs hedge ratio",
    },
    ParamSpec {
        name: "half_life_min",
        default: 1.0,
        min: 0.0,
        max: 10000.0,
        integer: false,
        description: "shortest OU half-life, in bars, of a series worth trading",
    },
    ParamSpec {
        name: "half_life_max",
        default: 20.0,
        min: 0.1,
        max: 10000.0,
        integer: false,
        description: "longest OU half-life, in bars, of a series worth trading",
    },
];

impl Strategy for MeanReversion {
    fn name(&self) -> &'static str {
        "mean-reversion"
    }

    fn summary(&self) -> &'static str {
        "Bollinger z-score and RSI extremes on series whose OU half-life lies in a band; \
         pairs mode on the spread of two symbols"
    }

    fn specs(&self) -> &'static [ParamSpec] {
        SPECS
    }

    fn cross_check(&self, params: &Params) -> Vec<ParamError> {
        match (
            params.number("half_life_min"),
            params.number("half_life_max"),
        ) {
            (Ok(low), Ok(high)) if low < high => Vec::new(),
            (Ok(low), Ok(high)) => vec![ParamError::new(
                "half_life_min",
                format!(
                    "{} must be below half_life_max ({})",
                    plain(low),
                    plain(high)
                ),
            )],
            (Err(error), _) | (_, Err(error)) => vec![error],
        }
    }

    fn warm_up(&self, params: &Params) -> Result<usize, ParamError> {
        let settings = Settings::read(params)?;
        Ok(settings
            .lookback
            .max(settings.bollinger_period)
            .max(settings.rsi_period + 1))
    }

    fn supports_pairs(&self) -> bool {
        true
    }

    fn core(&self, params: &Params, pairs: bool) -> Result<Box<dyn Core>, ParamError> {
        let settings = Settings::read(params)?;
        let warm_up = self.warm_up(params)?;
        if pairs {
            return Ok(Box::new(PairsCore::new(settings, warm_up)));
        }
        let indicator = |name: &str, error: quorum_quant::indicators::IndicatorError| {
            ParamError::new(name, error.to_string())
        };
        Ok(Box::new(SingleCore {
            z_score: ZScore::new(settings.bollinger_period)
                .map_err(|error| indicator("bollinger_period", error))?,
            bands: Bollinger::new(
                settings.bollinger_period,
                settings.entry_z,
                settings.entry_z,
            )
            .map_err(|error| indicator("entry_z", error))?,
            rsi: Rsi::new(settings.rsi_period).map_err(|error| indicator("rsi_period", error))?,
            log_prices: VecDeque::with_capacity(settings.lookback),
            settings,
            warm_up,
            seen: 0,
        }))
    }
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Settings {
    pub bollinger_period: usize,
    pub entry_z: f64,
    pub rsi_period: usize,
    pub rsi_oversold: f64,
    pub rsi_overbought: f64,
    pub lookback: usize,
    pub half_life_min: f64,
    pub half_life_max: f64,
}

impl Settings {
    fn read(params: &Params) -> Result<Self, ParamError> {
        Ok(Self {
            bollinger_period: params.count("bollinger_period")?,
            entry_z: params.number("entry_z")?,
            rsi_period: params.count("rsi_period")?,
            rsi_oversold: params.number("rsi_oversold")?,
            rsi_overbought: params.number("rsi_overbought")?,
            lookback: params.count("lookback")?,
            half_life_min: params.number("half_life_min")?,
            half_life_max: params.number("half_life_max")?,
        })
    }

    /// The half-life in bars when it lies in the band; else the FLAT that says why.
    pub(crate) fn half_life_in_band(
        &self,
        series: &str,
        fit: Result<quorum_quant::stats::MeanReversion, StatsError>,
    ) -> Result<f64, Assessment> {
        let band = format!(
            "[{}, {}]",
            plain(self.half_life_min),
            plain(self.half_life_max)
        );
        let reason = match fit {
            Err(error) => {
                format!("OU half-life of {series} cannot be estimated ({error}): no trade")
            }
            Ok(fit) => match fit.half_life {
                Some(half_life)
                    if (self.half_life_min..=self.half_life_max).contains(&half_life) =>
                {
                    return Ok(half_life);
                }
                Some(half_life) => format!(
                    "OU half-life of {series} = {} bars outside {band}: no trade",
                    two(half_life)
                ),
                None => format!(
                    "{series} does not revert (OU slope b = {}, half-life undefined, band \
                     {band}): no trade",
                    fit.slope
                ),
            },
        };
        Err(Assessment::flat(reason, 0.5, 1))
    }
}

/// Bars a half-life asks a signal to hold: the half-life rounded up, at least one.
pub(crate) fn horizon(half_life: f64) -> u32 {
    half_life.ceil().clamp(1.0, 1_000_000.0) as u32
}

struct SingleCore {
    z_score: ZScore,
    bands: Bollinger,
    rsi: Rsi,
    log_prices: VecDeque<f64>,
    settings: Settings,
    warm_up: usize,
    seen: usize,
}

impl Core for SingleCore {
    fn update(&mut self, bar: &Bar, _pair: Option<&Bar>) -> Assessment {
        self.seen += 1;
        let z = self.z_score.update(bar.close);
        let bands = self.bands.update(bar.close);
        let rsi = self.rsi.update(bar.close);
        if self.log_prices.len() == self.settings.lookback {
            self.log_prices.pop_front();
        }
        self.log_prices.push_back(bar.close.ln());
        if self.log_prices.len() < self.settings.lookback {
            return Assessment::warming_up(self.seen, self.warm_up, 1);
        }
        match (z, bands, rsi) {
            (Some(z), Some(bands), Some(rsi)) => self.judge(bar.close, z, bands, rsi),
            _ => Assessment::warming_up(self.seen, self.warm_up, 1),
        }
    }
}

impl SingleCore {
    fn judge(&mut self, close: f64, z: f64, bands: BollingerOutput, rsi: f64) -> Assessment {
        let settings = self.settings;
        let fit = ou_half_life(self.log_prices.make_contiguous());
        let slope = fit.as_ref().map(|fit| fit.slope).unwrap_or(f64::NAN);
        let mut facts = vec![
            fact("z_score", z),
            fact("entry_z", settings.entry_z),
            fact("bollinger_lower", bands.lower),
            fact("bollinger_middle", bands.middle),
            fact("bollinger_upper", bands.upper),
            fact("rsi", rsi),
            fact("ou_slope", slope),
        ];
        let half_life = match settings.half_life_in_band("the close", fit) {
            Ok(half_life) => half_life,
            Err(flat) => return flat.with_facts(facts),
        };
        facts.push(fact("half_life_bars", half_life));
        let period = settings.bollinger_period;
        let entry = settings.entry_z;
        let mut reasons = vec![format!(
            "OU half-life = {} bars within [{}, {}]",
            two(half_life),
            plain(settings.half_life_min),
            plain(settings.half_life_max)
        )];
        let (direction, extremity) = if z < -entry && rsi < settings.rsi_oversold {
            reasons.push(format!(
                "z-score({period}) = {} < -{} (close {} below the lower band {})",
                two(z),
                two(entry),
                price(close),
                price(bands.lower)
            ));
            reasons.push(format!(
                "RSI({}) = {} < {} (oversold)",
                settings.rsi_period,
                two(rsi),
                two(settings.rsi_oversold)
            ));
            let extremity = (settings.rsi_oversold - rsi) / settings.rsi_oversold.max(1e-9);
            (Direction::Long, extremity)
        } else if z > entry && rsi > settings.rsi_overbought {
            reasons.push(format!(
                "z-score({period}) = {} > {} (close {} above the upper band {})",
                two(z),
                two(entry),
                price(close),
                price(bands.upper)
            ));
            reasons.push(format!(
                "RSI({}) = {} > {} (overbought)",
                settings.rsi_period,
                two(rsi),
                two(settings.rsi_overbought)
            ));
            let room = (100.0 - settings.rsi_overbought).max(1e-9);
            (Direction::Short, (rsi - settings.rsi_overbought) / room)
        } else {
            reasons.push(format!(
                "z-score({period}) = {} and RSI({}) = {}: not both beyond ±{} and {}/{}; no \
                 trade",
                two(z),
                settings.rsi_period,
                two(rsi),
                two(entry),
                two(settings.rsi_oversold),
                two(settings.rsi_overbought)
            ));
            (Direction::Flat, 0.0)
        };
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

/// The assessment once the direction is known, from how far z is stretched.
pub(crate) fn stretched(
    direction: Direction,
    z: f64,
    entry: f64,
    extremity: f64,
    horizon_bars: u32,
    reasons: Vec<String>,
    facts: Vec<crate::signal::Fact>,
) -> Assessment {
    let stretch = (z.abs() / (2.0 * entry)).min(1.0);
    let (strength, confidence) = if direction == Direction::Flat {
        (0.0, 1.0 - stretch)
    } else {
        let extremity = extremity.clamp(0.0, 1.0);
        (stretch, 0.4 * stretch + 0.3 * (0.5 + 0.5 * extremity) + 0.3)
    };
    Assessment {
        direction,
        strength,
        confidence,
        horizon_bars,
        reasons,
        facts,
        stop: None,
        target: None,
        ready: true,
    }
}

#[cfg(test)]
mod tests;
