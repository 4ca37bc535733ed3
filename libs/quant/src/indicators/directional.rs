//! Wilder's directional movement as TA-Lib computes it: +DI, -DI and DX from bar
//! `period`, ADX from bar `2 * period - 1`. The first `period - 1` one-bar movements and
//! true ranges are summed, then each new one is added to the smoothed sum less its
//! `1 / period` share; ADX is seeded with the mean of the first `period` DX values.
use super::bar::Bar;
use super::error::{IndicatorError, check_period};
use super::kernel::{is_zero, warm_up};
use super::range::{check_bars, true_range};

/// +DI, -DI and DX of one bar.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DirectionalOutput {
    pub plus_di: f64,
    pub minus_di: f64,
    pub dx: f64,
}

/// ADX with the directional indicators it is built from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdxOutput {
    pub adx: f64,
    pub plus_di: f64,
    pub minus_di: f64,
    pub dx: f64,
}

/// All four lines over whole series; +DI, -DI and DX are NaN for the first `period`
/// positions, ADX for the first `2 * period - 1`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AdxSeries {
    pub adx: Vec<f64>,
    pub plus_di: Vec<f64>,
    pub minus_di: Vec<f64>,
    pub dx: Vec<f64>,
}

/// +DI, -DI and DX; first value at index `period`.
#[derive(Debug, Clone)]
pub struct DirectionalMovement {
    period: usize,
    previous: Option<(f64, f64, f64)>,
    moves: usize,
    plus_movement: f64,
    minus_movement: f64,
    range: f64,
    dx: f64,
}

/// One bar's result: the outputs, and the DX when it could be computed afresh (TA-Lib
/// repeats the previous DX, and leaves ADX alone, when the range or the DI sum is zero).
struct Step {
    output: DirectionalOutput,
    fresh_dx: Option<f64>,
}

impl DirectionalMovement {
    pub fn new(period: usize) -> Result<Self, IndicatorError> {
        let period = check_period("period", period, 2)?;
        Ok(Self {
            period,
            previous: None,
            moves: 0,
            plus_movement: 0.0,
            minus_movement: 0.0,
            range: 0.0,
            dx: 0.0,
        })
    }

    pub fn update(&mut self, bar: Bar) -> Option<DirectionalOutput> {
        self.step(bar.high, bar.low, bar.close)
            .map(|step| step.output)
    }

    pub fn reset(&mut self) {
        self.previous = None;
        self.moves = 0;
        self.plus_movement = 0.0;
        self.minus_movement = 0.0;
        self.range = 0.0;
        self.dx = 0.0;
    }

    fn step(&mut self, high: f64, low: f64, close: f64) -> Option<Step> {
        let (previous_high, previous_low, previous_close) =
            self.previous.replace((high, low, close))?;
        let up = high - previous_high;
        let down = previous_low - low;
        let plus = if up > 0.0 && up > down { up } else { 0.0 };
        let minus = if down > 0.0 && up < down { down } else { 0.0 };
        let range = true_range(high, low, previous_close);
        let period = self.period as f64;
        if self.moves + 1 < self.period {
            self.moves += 1;
            self.plus_movement += plus;
            self.minus_movement += minus;
            self.range += range;
            return None;
        }
        let first = self.moves + 1 == self.period;
        self.moves = self.period;
        self.plus_movement = self.plus_movement - self.plus_movement / period + plus;
        self.minus_movement = self.minus_movement - self.minus_movement / period + minus;
        self.range = self.range - self.range / period + range;
        let (mut plus_di, mut minus_di, mut fresh_dx) = (0.0, 0.0, None);
        if !is_zero(self.range) {
            plus_di = 100.0 * (self.plus_movement / self.range);
            minus_di = 100.0 * (self.minus_movement / self.range);
            let sum = minus_di + plus_di;
            if !is_zero(sum) {
                fresh_dx = Some(100.0 * ((minus_di - plus_di).abs() / sum));
            }
        }
        self.dx = match fresh_dx {
            Some(dx) => dx,
            None if first => 0.0,
            None => self.dx,
        };
        Some(Step {
            output: DirectionalOutput {
                plus_di,
                minus_di,
                dx: self.dx,
            },
            fresh_dx,
        })
    }
}

/// ADX with +DI, -DI and DX; first value at index `2 * period - 1`.
#[derive(Debug, Clone)]
pub struct Adx {
    movement: DirectionalMovement,
    dx_seen: usize,
    value: f64,
}

impl Adx {
    pub fn new(period: usize) -> Result<Self, IndicatorError> {
        Ok(Self {
            movement: DirectionalMovement::new(period)?,
            dx_seen: 0,
            value: 0.0,
        })
    }

    pub fn update(&mut self, bar: Bar) -> Option<AdxOutput> {
        let (output, adx) = self.step(bar.high, bar.low, bar.close)?;
        Some(AdxOutput {
            adx: adx?,
            plus_di: output.plus_di,
            minus_di: output.minus_di,
            dx: output.dx,
        })
    }

    pub fn reset(&mut self) {
        self.movement.reset();
        self.dx_seen = 0;
        self.value = 0.0;
    }

    /// The directional outputs from bar `period`, with the ADX once it exists.
    fn step(
        &mut self,
        high: f64,
        low: f64,
        close: f64,
    ) -> Option<(DirectionalOutput, Option<f64>)> {
        let step = self.movement.step(high, low, close)?;
        let period = self.movement.period;
        if self.dx_seen < period {
            self.value += step.fresh_dx.unwrap_or(0.0);
            self.dx_seen += 1;
            if self.dx_seen < period {
                return Some((step.output, None));
            }
            self.value /= period as f64;
        } else if let Some(dx) = step.fresh_dx {
            self.value = (self.value * (period - 1) as f64 + dx) / period as f64;
        }
        Some((step.output, Some(self.value)))
    }
}

/// The ADX line over whole series (TA-Lib ADX): NaN for the first `2 * period - 1`.
pub fn adx(
    high: &[f64],
    low: &[f64],
    close: &[f64],
    period: usize,
) -> Result<Vec<f64>, IndicatorError> {
    let mut state = Adx::new(period)?;
    check_bars(high, low, close)?;
    let mut output = warm_up(high.len(), 2 * period - 1);
    for ((high, low), close) in high.iter().zip(low).zip(close) {
        if let Some((_, Some(value))) = state.step(*high, *low, *close) {
            output.push(value);
        }
    }
    Ok(output)
}

/// ADX, +DI, -DI and DX over whole series (TA-Lib ADX, PLUS_DI, MINUS_DI and DX).
pub fn directional(
    high: &[f64],
    low: &[f64],
    close: &[f64],
    period: usize,
) -> Result<AdxSeries, IndicatorError> {
    let mut state = Adx::new(period)?;
    check_bars(high, low, close)?;
    let len = high.len();
    let mut series = AdxSeries {
        adx: warm_up(len, 2 * period - 1),
        plus_di: warm_up(len, period),
        minus_di: warm_up(len, period),
        dx: warm_up(len, period),
    };
    for ((high, low), close) in high.iter().zip(low).zip(close) {
        if let Some((output, adx)) = state.step(*high, *low, *close) {
            series.plus_di.push(output.plus_di);
            series.minus_di.push(output.minus_di);
            series.dx.push(output.dx);
            if let Some(value) = adx {
                series.adx.push(value);
            }
        }
    }
    Ok(series)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bar(high: f64, low: f64, close: f64) -> Bar {
        Bar {
            open: close,
            high,
            low,
            close,
            volume: 1.0,
        }
    }

    #[test]
    fn directional_indicators_by_hand() {
        // Period 2. Bar 1: up 1, down -1 -> +DM 1, TR 2 (summed). Bar 2: up 1, down -1
        // -> +DM = 1 - 1/2 + 1 = 1.5, TR = 2 - 1 + 2 = 3: +DI 50, -DI 0, DX 100.
        let mut movement = DirectionalMovement::new(2).unwrap();
        assert_eq!(movement.update(bar(11.0, 9.0, 10.0)), None);
        assert_eq!(movement.update(bar(12.0, 10.0, 11.0)), None);
        let output = movement.update(bar(13.0, 11.0, 12.0)).unwrap();
        assert_eq!(output.plus_di, 50.0);
        assert_eq!(output.minus_di, 0.0);
        assert_eq!(output.dx, 100.0);
    }

    #[test]
    fn adx_starts_at_twice_the_period_less_one() {
        let bars: Vec<Bar> = (0..10)
            .map(|i| {
                let base = 10.0 + f64::from(i);
                bar(base + 1.0, base - 1.0, base)
            })
            .collect();
        let mut streaming = Adx::new(3).unwrap();
        let first = bars.iter().position(|bar| streaming.update(*bar).is_some());
        assert_eq!(first, Some(5));
        let high: Vec<f64> = bars.iter().map(|bar| bar.high).collect();
        let low: Vec<f64> = bars.iter().map(|bar| bar.low).collect();
        let close: Vec<f64> = bars.iter().map(|bar| bar.close).collect();
        let series = directional(&high, &low, &close, 3).unwrap();
        assert!(series.adx[4].is_nan() && !series.adx[5].is_nan());
        assert!(series.plus_di[2].is_nan() && !series.plus_di[3].is_nan());
        // A steady rise: all movement is up, so DX and ADX are 100.
        assert_eq!(series.adx[9], 100.0);
    }
}
