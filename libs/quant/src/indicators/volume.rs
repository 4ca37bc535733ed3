//! Volume indicators: on-balance volume (TA-Lib OBV) and the volume-weighted average
//! price, cumulative and over a rolling window (no TA-Lib equivalent).
use super::bar::Bar;
use super::error::{IndicatorError, check_length, check_period};
use super::kernel::Ring;

/// Running volume, added on up closes and subtracted on down closes, starting from the
/// first bar's volume; a value from the first bar on.
#[derive(Debug, Clone, Default)]
pub struct Obv {
    previous_close: Option<f64>,
    value: f64,
}

impl Obv {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn update(&mut self, bar: Bar) -> Option<f64> {
        Some(self.step(bar.close, bar.volume))
    }

    fn step(&mut self, close: f64, volume: f64) -> f64 {
        match self.previous_close.replace(close) {
            None => self.value = volume,
            Some(previous) => self.value += signed_volume(close, previous, volume),
        }
        self.value
    }

    pub fn reset(&mut self) {
        *self = Self::default();
    }
}

/// [`Obv`] over whole series of closes and volumes.
pub fn obv(close: &[f64], volume: &[f64]) -> Result<Vec<f64>, IndicatorError> {
    check_length("volume", "close", close.len(), volume.len())?;
    let Some(first) = volume.first() else {
        return Ok(Vec::new());
    };
    let mut output = Vec::with_capacity(close.len());
    output.push(*first);
    let mut value = *first;
    output.extend(close[1..].iter().zip(close).zip(&volume[1..]).map(
        |((close, previous), volume)| {
            value += signed_volume(*close, *previous, *volume);
            value
        },
    ));
    Ok(output)
}

/// The volume with the sign of the close's move, 0 when unchanged; computed without a
/// branch, since up and down bars alternate unpredictably.
fn signed_volume(close: f64, previous: f64, volume: f64) -> f64 {
    let direction = f64::from(u8::from(close > previous)) - f64::from(u8::from(close < previous));
    volume * direction
}

/// Cumulative VWAP of the typical price; `None` until some volume has traded.
#[derive(Debug, Clone, Default)]
pub struct Vwap {
    weighted: f64,
    volume: f64,
}

impl Vwap {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn update(&mut self, bar: Bar) -> Option<f64> {
        self.weighted += bar.typical_price() * bar.volume;
        self.volume += bar.volume;
        (self.volume > 0.0).then(|| self.weighted / self.volume)
    }

    pub fn reset(&mut self) {
        *self = Self::default();
    }
}

/// VWAP of the typical price over the last `period` bars; first value at index
/// `period - 1`, `None` (NaN in batch) for a window without volume.
#[derive(Debug, Clone)]
pub struct RollingVwap {
    weighted: Ring,
    volumes: Ring,
    weighted_sum: f64,
    volume_sum: f64,
    /// Bars of the window with volume: at zero the sums are exactly zero, whatever
    /// rounding subtracting them left behind.
    trading_bars: usize,
    until_rebuild: usize,
}

/// Updates between two recomputations of the window sums, so that rounding left by
/// subtracting old bars cannot accumulate.
const VWAP_REBUILD: usize = 1024;

impl RollingVwap {
    pub fn new(period: usize) -> Result<Self, IndicatorError> {
        let period = check_period("period", period, 1)?;
        Ok(Self {
            weighted: Ring::new(period),
            volumes: Ring::new(period),
            weighted_sum: 0.0,
            volume_sum: 0.0,
            trading_bars: 0,
            until_rebuild: VWAP_REBUILD,
        })
    }

    pub fn update(&mut self, bar: Bar) -> Option<f64> {
        let weighted = bar.typical_price() * bar.volume;
        let left_weighted = self.weighted.push(weighted);
        let left_volume = self.volumes.push(bar.volume);
        if bar.volume != 0.0 {
            self.trading_bars += 1;
        }
        if left_volume.is_some_and(|volume| volume != 0.0) {
            self.trading_bars -= 1;
        }
        self.until_rebuild -= 1;
        if self.until_rebuild == 0 {
            self.weighted_sum = self.weighted.iter().sum();
            self.volume_sum = self.volumes.iter().sum();
            self.until_rebuild = VWAP_REBUILD;
        } else if self.trading_bars == 0 {
            self.weighted_sum = 0.0;
            self.volume_sum = 0.0;
        } else {
            self.weighted_sum += weighted - left_weighted.unwrap_or(0.0);
            self.volume_sum += bar.volume - left_volume.unwrap_or(0.0);
        }
        (self.volumes.is_full() && self.trading_bars > 0 && self.volume_sum > 0.0)
            .then(|| self.weighted_sum / self.volume_sum)
    }

    pub fn reset(&mut self) {
        self.weighted.clear();
        self.volumes.clear();
        self.weighted_sum = 0.0;
        self.volume_sum = 0.0;
        self.trading_bars = 0;
        self.until_rebuild = VWAP_REBUILD;
    }
}

/// [`Vwap`] over whole series: NaN until some volume has traded.
pub fn vwap(
    high: &[f64],
    low: &[f64],
    close: &[f64],
    volume: &[f64],
) -> Result<Vec<f64>, IndicatorError> {
    let mut state = Vwap::new();
    map_bars(high, low, close, volume, |bar| state.update(bar))
}

/// [`RollingVwap`] over whole series.
pub fn rolling_vwap(
    high: &[f64],
    low: &[f64],
    close: &[f64],
    volume: &[f64],
    period: usize,
) -> Result<Vec<f64>, IndicatorError> {
    let mut state = RollingVwap::new(period)?;
    map_bars(high, low, close, volume, |bar| state.update(bar))
}

fn map_bars(
    high: &[f64],
    low: &[f64],
    close: &[f64],
    volume: &[f64],
    mut update: impl FnMut(Bar) -> Option<f64>,
) -> Result<Vec<f64>, IndicatorError> {
    check_length("low", "high", high.len(), low.len())?;
    check_length("close", "high", high.len(), close.len())?;
    check_length("volume", "high", high.len(), volume.len())?;
    Ok(high
        .iter()
        .zip(low)
        .zip(close)
        .zip(volume)
        .map(|(((high, low), close), volume)| {
            let bar = Bar {
                open: *close,
                high: *high,
                low: *low,
                close: *close,
                volume: *volume,
            };
            update(bar).unwrap_or(f64::NAN)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn obv_adds_on_up_closes_and_subtracts_on_down_closes() {
        let output = obv(&[10.0, 11.0, 11.0, 9.0], &[5.0, 3.0, 7.0, 2.0]).unwrap();
        assert_eq!(output, vec![5.0, 8.0, 8.0, 6.0]);
    }

    #[test]
    fn vwap_weighs_the_typical_price_by_volume() {
        // Typical prices 10 and 20 with volumes 1 and 3: (10 + 60) / 4 = 17.5.
        let high = [11.0, 21.0, 30.0];
        let low = [9.0, 19.0, 30.0];
        let close = [10.0, 20.0, 30.0];
        let volume = [1.0, 3.0, 0.0];
        let cumulative = vwap(&high, &low, &close, &volume).unwrap();
        assert_eq!(cumulative, vec![10.0, 17.5, 17.5]);
        let rolling = rolling_vwap(&high, &low, &close, &volume, 2).unwrap();
        assert!(rolling[0].is_nan());
        assert_eq!(&rolling[1..], &[17.5, 20.0]);
    }

    #[test]
    fn no_volume_means_no_vwap() {
        let mut cumulative = Vwap::new();
        let bar = Bar {
            open: 1.0,
            high: 1.0,
            low: 1.0,
            close: 1.0,
            volume: 0.0,
        };
        assert_eq!(cumulative.update(bar), None);
        let mut rolling = RollingVwap::new(1).unwrap();
        assert_eq!(rolling.update(bar), None);
    }
}
