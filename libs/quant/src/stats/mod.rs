//! Statistics for analytics and models: log returns, numerically stable rolling mean and
//! variance, the Ornstein-Uhlenbeck half-life of a mean-reverting series, and the OLS
//! hedge ratio of a pair. Degenerate input (too short, zero variance, non-finite values)
//! is an error, never a silent NaN.
mod error;
mod half_life;
mod regression;
mod returns;
pub(crate) mod rolling;

pub use error::StatsError;
pub use half_life::{MeanReversion, ou_half_life};
pub use regression::{LinearFit, hedge_ratio};
pub use returns::log_returns;
pub use rolling::{Moments, RollingMoments, rolling_moments};
