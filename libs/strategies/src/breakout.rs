//! Breakout: trade a close beyond the recent range when volume backs it and the close
//! clears the range by a margin.
//!
//! - Channel: the highest high and lowest low of the previous `channel_period` bars
//!   (Donchian, not counting the bar being judged).
//! - Volume confirmation: the bar's volume > `volume_factor` x the mean volume of the
//!   previous `volume_period` bars.
//! - False-breakout filter: the close must clear the channel by at least `hold_atr` x
//!   ATR (the ATR as of the previous bar, so the breakout bar does not widen its own
//!   margin). A close that only pokes through is FLAT. This single-bar rule was chosen
//!   over waiting for a confirming next bar: the signal is not late by a bar and needs
//!   no state beyond the indicators.
//! - Stop = close ∓ `stop_atr` x ATR, target = close ± `target_atr` x ATR.
//!
//! LONG on an upward breakout that passes both checks, SHORT on a downward one,
//! otherwise FLAT. With b = min(excess / ATR / (hold_atr + 1), 1) and v = min(volume
//! ratio / (2 volume_factor), 1): strength = (b + v) / 2, confidence = 0.5 + (b + v) / 4.
//! A FLAT inside the channel is the surer the nearer the close is to the middle
//! (0.5 at an edge, 1 in the middle); a failed check gives 0.5.
use quorum_quant::indicators::{Atr, Bar, Donchian, DonchianOutput, Sma};

use crate::momentum::fact;
use crate::params::{ParamError, ParamSpec, Params};
use crate::signal::{Assessment, Direction, price, two};
use crate::strategy::{Core, Strategy};

/// The breakout strategy.
#[derive(Debug, Clone, Copy, Default)]
pub struct Breakout;

const SPECS: &[ParamSpec] = &[
    ParamSpec {
        name: "channel_period",
        default: 20.0,
        min: 2.0,
        max: 1000.0,
        integer: true,
        description: "previous bars whose highest high and lowest low form the channel",
    },
    ParamSpec {
        name: "volume_period",
        default: 20.0,
        min: 1.0,
        max: 1000.0,
        integer: true,
        description: "previous bars of the average volume",
    },
    ParamSpec {
        name: "volume_factor",
        default: 1.5,
        min: 0.0,
        max: 100.0,
        integer: false,
        description: "a breakout needs volume above this many times the average",
    },
    ParamSpec {
        name: "atr_period",
        default: 14.0,
        min: 1.0,
        max: 500.0,
        integer: true,
        description: "period of the average true range",
    },
    ParamSpec {
        name: "hold_atr",
        default: 0.25,
        min: 0.0,
        max: 10.0,
        integer: false,
        description: "false-breakout filter: ATRs by which the close must clear the channel",
    },
    ParamSpec {
        name: "stop_atr",
        default: 2.0,
        min: 0.1,
        max: 50.0,
        integer: false,
        description: "ATRs between the close and the stop",
    },
    ParamSpec {
        name: "target_atr",
        default: 3.0,
        min: 0.1,
        max: 100.0,
        integer: false,
        description: "ATRs between the close and the target",
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

impl Strategy for Breakout {
    fn name(&self) -> &'static str {
        "breakout"
    }

    fn summary(&self) -> &'static str {
        "Donchian channel breakout confirmed by volume, ATR stop and target, false-breakout \
         filter"
    }

    fn specs(&self) -> &'static [ParamSpec] {
        SPECS
    }

    fn cross_check(&self, _params: &Params) -> Vec<ParamError> {
        Vec::new()
    }

    fn warm_up(&self, params: &Params) -> Result<usize, ParamError> {
        let settings = Settings::read(params)?;
        Ok((settings.channel_period + 1)
            .max(settings.volume_period + 1)
            .max(settings.atr_period + 2))
    }

    fn core(&self, params: &Params, _pairs: bool) -> Result<Box<dyn Core>, ParamError> {
        let settings = Settings::read(params)?;
        let indicator = |name: &str, error: quorum_quant::indicators::IndicatorError| {
            ParamError::new(name, error.to_string())
        };
        Ok(Box::new(BreakoutCore {
            channel: Donchian::new(settings.channel_period)
                .map_err(|error| indicator("channel_period", error))?,
            volume: Sma::new(settings.volume_period)
                .map_err(|error| indicator("volume_period", error))?,
            atr: Atr::new(settings.atr_period).map_err(|error| indicator("atr_period", error))?,
            previous: Previous::default(),
            warm_up: self.warm_up(params)?,
            seen: 0,
            settings,
        }))
    }
}

#[derive(Debug, Clone, Copy)]
struct Settings {
    channel_period: usize,
    volume_period: usize,
    volume_factor: f64,
    atr_period: usize,
    hold_atr: f64,
    stop_atr: f64,
    target_atr: f64,
    horizon_bars: u32,
}

impl Settings {
    fn read(params: &Params) -> Result<Self, ParamError> {
        Ok(Self {
            channel_period: params.count("channel_period")?,
            volume_period: params.count("volume_period")?,
            volume_factor: params.number("volume_factor")?,
            atr_period: params.count("atr_period")?,
            hold_atr: params.number("hold_atr")?,
            stop_atr: params.number("stop_atr")?,
            target_atr: params.number("target_atr")?,
            horizon_bars: u32::try_from(params.count("horizon_bars")?).unwrap_or(u32::MAX),
        })
    }
}

/// The indicators as of the previous bar: what the current bar is judged against.
#[derive(Debug, Clone, Copy, Default)]
struct Previous {
    channel: Option<DonchianOutput>,
    volume: Option<f64>,
    atr: Option<f64>,
}

struct BreakoutCore {
    channel: Donchian,
    volume: Sma,
    atr: Atr,
    previous: Previous,
    settings: Settings,
    warm_up: usize,
    seen: usize,
}

impl Core for BreakoutCore {
    fn update(&mut self, bar: &Bar, _pair: Option<&Bar>) -> Assessment {
        self.seen += 1;
        let before = self.previous;
        self.previous = Previous {
            channel: self.channel.update(*bar),
            volume: self.volume.update(bar.volume),
            atr: self.atr.update(*bar),
        };
        match (before.channel, before.volume, before.atr) {
            (Some(channel), Some(volume), Some(atr)) => self.judge(bar, channel, volume, atr),
            _ => Assessment::warming_up(self.seen, self.warm_up, self.settings.horizon_bars),
        }
    }
}

impl BreakoutCore {
    fn judge(
        &self,
        bar: &Bar,
        channel: DonchianOutput,
        average_volume: f64,
        atr: f64,
    ) -> Assessment {
        let settings = &self.settings;
        let close = bar.close;
        let period = settings.channel_period;
        let volume_ratio = bar.volume / average_volume;
        let facts = vec![
            fact("channel_upper", channel.upper),
            fact("channel_lower", channel.lower),
            fact("close", close),
            fact("atr", atr),
            fact("volume", bar.volume),
            fact("average_volume", average_volume),
            fact("volume_ratio", volume_ratio),
        ];
        let (direction, excess, edge) = if close > channel.upper {
            (Direction::Long, close - channel.upper, "above the high")
        } else if close < channel.lower {
            (Direction::Short, channel.lower - close, "below the low")
        } else {
            return inside(settings, close, channel).with_facts(facts);
        };
        let mut reasons = vec![format!(
            "close {} {edge} of the previous {period} bars ({} / {})",
            price(close),
            price(channel.lower),
            price(channel.upper)
        )];
        let confirmed = bar.volume > settings.volume_factor * average_volume;
        reasons.push(format!(
            "volume {} {} {} x the {}-bar average {}",
            two(bar.volume),
            if confirmed { ">" } else { "<=" },
            two(settings.volume_factor),
            settings.volume_period,
            two(average_volume)
        ));
        let excess_atr = if atr > 0.0 {
            excess / atr
        } else {
            f64::INFINITY
        };
        let holds = excess_atr >= settings.hold_atr;
        reasons.push(format!(
            "the close clears the channel by {} ATR ({} = {} x ATR({}) needed)",
            if excess_atr.is_finite() {
                two(excess_atr)
            } else {
                "∞".into()
            },
            price(settings.hold_atr * atr),
            two(settings.hold_atr),
            settings.atr_period
        ));
        if !confirmed || !holds {
            reasons.push(if confirmed {
                "likely a false breakout (the close barely clears the channel): no trade".into()
            } else {
                "breakout not confirmed by volume: no trade".into()
            });
            return Assessment::flat_because(reasons, 0.5, settings.horizon_bars).with_facts(facts);
        }
        let side = direction.sign();
        let stop = close - side * settings.stop_atr * atr;
        let target = close + side * settings.target_atr * atr;
        let target = (target > 0.0).then_some(target);
        reasons.push(format!(
            "stop {} ({} ATR), target {} ({} ATR)",
            price(stop),
            two(settings.stop_atr),
            target.map(price).unwrap_or_else(|| "none".into()),
            two(settings.target_atr)
        ));
        let breakout = (excess_atr / (settings.hold_atr + 1.0)).min(1.0);
        let volume = if settings.volume_factor > 0.0 {
            (volume_ratio / (2.0 * settings.volume_factor)).min(1.0)
        } else {
            1.0
        };
        Assessment {
            direction,
            strength: (breakout + volume) / 2.0,
            confidence: 0.5 + (breakout + volume) / 4.0,
            horizon_bars: settings.horizon_bars,
            reasons,
            facts,
            stop: Some(stop).filter(|stop| *stop > 0.0),
            target,
            ready: true,
        }
    }
}

/// FLAT for a close inside the channel: surer the nearer it is to the middle.
fn inside(settings: &Settings, close: f64, channel: DonchianOutput) -> Assessment {
    let width = channel.upper - channel.lower;
    let nearest_edge = (close - channel.lower).min(channel.upper - close);
    let confidence = if width > 0.0 {
        0.5 + nearest_edge / width
    } else {
        1.0
    };
    Assessment::flat(
        format!(
            "close {} inside the previous {}-bar channel [{}, {}]: no breakout",
            price(close),
            settings.channel_period,
            price(channel.lower),
            price(channel.upper)
        ),
        confidence,
        settings.horizon_bars,
    )
}

#[cfg(test)]
mod tests;
