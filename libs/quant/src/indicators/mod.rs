//! Technical indicators, each in two forms that give the same numbers: a streaming
//! struct (`new`, `update` returning `None` during warm-up, `reset`; O(1) per update)
//! and a batch function over slices returning one value per input, NaN during warm-up.
//! Where TA-Lib has the indicator, warm-up length and values follow TA-Lib.
mod average;
mod bar;
mod block;
mod bollinger;
mod channel;
mod deviation;
mod directional;
mod error;
pub(crate) mod kernel;
mod macd;
mod moments;
mod momentum;
mod range;
mod volume;
mod weighted;

pub use average::{Ema, Sma, ema, sma};
pub use bar::Bar;
pub use bollinger::{Bollinger, BollingerOutput, BollingerSeries, bollinger};
pub use channel::{
    Donchian, DonchianOutput, DonchianSeries, RollingMax, RollingMin, donchian, rolling_max,
    rolling_min,
};
pub use deviation::{StdDev, ZScore, stddev, zscore};
pub use directional::{
    Adx, AdxOutput, AdxSeries, DirectionalMovement, DirectionalOutput, adx, directional,
};
pub use error::{IndicatorError, MAX_PERIOD};
pub use macd::{Macd, MacdOutput, MacdSeries, macd};
pub use momentum::{Roc, Rsi, roc, rsi};
pub use range::{Atr, TrueRange, atr, trange};
pub use volume::{Obv, RollingVwap, Vwap, obv, rolling_vwap, vwap};
pub use weighted::{Wma, wma};
