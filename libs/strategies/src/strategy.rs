//! The strategy contract and the incremental runner every signal comes from: a runner is
//! fed one closed candle at a time (O(1) work per candle for the streaming indicators)
//! and answers a signal for each; [`evaluate`] is defined as feeding a fresh runner, so
//! on-demand and live signals agree by construction.
use quorum_domain::Candle;
use quorum_quant::indicators::Bar;

use crate::params::{ParamError, ParamSpec, Params};
use crate::series::{InputError, SeriesName, check_spacing, to_bar};
use crate::signal::{Assessment, Direction, Signal};

/// A trading strategy: its parameters and how to build the per-series state.
pub trait Strategy: Send + Sync {
    /// Short name, e.g. "momentum".
    fn name(&self) -> &'static str;
    /// One sentence saying what it does.
    fn summary(&self) -> &'static str;
    fn specs(&self) -> &'static [ParamSpec];
    /// Rules between parameters beyond each one's range; empty when all hold.
    fn cross_check(&self, params: &Params) -> Vec<ParamError>;
    /// Candles needed before the first signal that is not a warm-up FLAT.
    fn warm_up(&self, params: &Params) -> Result<usize, ParamError>;
    /// Whether it has a pairs mode (a second symbol's candles beside the first's).
    fn supports_pairs(&self) -> bool {
        false
    }
    /// Fresh state for one series (`pairs`: with a second symbol).
    fn core(&self, params: &Params, pairs: bool) -> Result<Box<dyn Core>, ParamError>;

    /// The defaults, which pass every check.
    fn default_params(&self) -> Params {
        Params::defaults(self.specs())
    }

    /// `current` with `changes` applied, all or nothing.
    fn change_params(
        &self,
        current: &Params,
        changes: &std::collections::BTreeMap<String, f64>,
    ) -> Result<Params, Vec<ParamError>> {
        let changed = current.with_changes(changes, |_| Vec::new())?;
        let problems = self.cross_check(&changed);
        if problems.is_empty() {
            Ok(changed)
        } else {
            Err(problems)
        }
    }
}

/// The state a strategy keeps for one series: indicators updated once per bar.
pub trait Core: Send {
    /// The judgement after this bar (`pair`: the second symbol's bar in pairs mode).
    fn update(&mut self, bar: &Bar, pair: Option<&Bar>) -> Assessment;
}

/// What a signal is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Context {
    pub symbol: String,
    /// Length of one candle in milliseconds (> 0).
    pub interval_ms: i64,
    /// The second symbol in pairs mode.
    pub pair_symbol: Option<String>,
}

/// Why a runner could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SetupError {
    #[error("interval must be a positive number of milliseconds, got {0}")]
    Interval(i64),
    #[error("{0} has no pairs mode")]
    NoPairsMode(&'static str),
    #[error("parameter {0}")]
    Param(#[from] ParamError),
}

/// One series fed one candle at a time.
pub struct Runner {
    strategy: &'static str,
    version: String,
    context: Context,
    core: Box<dyn Core>,
    last_open_ms: Option<i64>,
    bars: usize,
}

impl std::fmt::Debug for Runner {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Runner")
            .field("strategy", &self.strategy)
            .field("version", &self.version)
            .field("context", &self.context)
            .field("bars", &self.bars)
            .finish()
    }
}

impl Runner {
    pub fn new(
        strategy: &dyn Strategy,
        params: &Params,
        context: Context,
    ) -> Result<Self, SetupError> {
        if context.interval_ms <= 0 {
            return Err(SetupError::Interval(context.interval_ms));
        }
        let pairs = context.pair_symbol.is_some();
        if pairs && !strategy.supports_pairs() {
            return Err(SetupError::NoPairsMode(strategy.name()));
        }
        Ok(Self {
            strategy: strategy.name(),
            version: params.version().to_string(),
            core: strategy.core(params, pairs)?,
            context,
            last_open_ms: None,
            bars: 0,
        })
    }

    /// Feeds the next candle of a single series. A candle that is refused (bad values,
    /// out of order, a gap) leaves the runner as it was.
    pub fn push(&mut self, candle: &Candle) -> Result<Signal, InputError> {
        if self.context.pair_symbol.is_some() {
            return Err(InputError::new(
                SeriesName::Pair,
                self.bars,
                "",
                "pairs mode needs the second symbol's candle beside each candle",
            ));
        }
        self.step(candle, None)
    }

    /// Feeds the next candle of both series of a pair (same open time).
    pub fn push_pair(&mut self, candle: &Candle, pair: &Candle) -> Result<Signal, InputError> {
        if self.context.pair_symbol.is_none() {
            return Err(InputError::new(
                SeriesName::Pair,
                self.bars,
                "",
                "given without a pair symbol",
            ));
        }
        if pair.open_time_ms != candle.open_time_ms {
            return Err(InputError::new(
                SeriesName::Pair,
                self.bars,
                "open_time_unix_ms",
                format!(
                    "{} does not match the candle's open time {}",
                    pair.open_time_ms, candle.open_time_ms
                ),
            ));
        }
        self.step(candle, Some(pair))
    }

    /// Open time of the last candle accepted.
    pub fn last_open_ms(&self) -> Option<i64> {
        self.last_open_ms
    }

    /// Candles accepted so far.
    pub fn bars(&self) -> usize {
        self.bars
    }

    pub fn params_version(&self) -> &str {
        &self.version
    }

    pub fn context(&self) -> &Context {
        &self.context
    }

    fn step(&mut self, candle: &Candle, pair: Option<&Candle>) -> Result<Signal, InputError> {
        let index = self.bars;
        let interval = self.context.interval_ms;
        check_spacing(
            self.last_open_ms,
            candle.open_time_ms,
            interval,
            SeriesName::Main,
            index,
        )?;
        let bar = to_bar(candle, SeriesName::Main, index)?;
        let pair_bar = match pair {
            Some(pair) => Some(to_bar(pair, SeriesName::Pair, index)?),
            None => None,
        };
        let assessment = self.core.update(&bar, pair_bar.as_ref());
        self.last_open_ms = Some(candle.open_time_ms);
        self.bars += 1;
        Ok(self.signal(assessment, candle.open_time_ms))
    }

    /// Adds who, when and which parameters, and enforces the bounds: strength in
    /// [-1, 1] with the direction's sign, confidence in [0, 1], no NaN anywhere.
    fn signal(&self, assessment: Assessment, open_ms: i64) -> Signal {
        let Assessment {
            mut direction,
            strength,
            confidence,
            horizon_bars,
            mut reasons,
            facts,
            stop,
            target,
            ready,
        } = assessment;
        if !strength.is_finite() || !confidence.is_finite() {
            direction = Direction::Flat;
            reasons.push("an indicator gave no finite value; no trade".into());
        }
        let magnitude = if strength.is_finite() {
            strength.abs().min(1.0)
        } else {
            0.0
        };
        let confidence = if confidence.is_finite() {
            confidence.clamp(0.0, 1.0)
        } else {
            0.0
        };
        let horizon_bars = horizon_bars.max(1);
        let finite = |value: Option<f64>| value.filter(|number| number.is_finite());
        Signal {
            symbol: self.context.symbol.clone(),
            direction,
            strength: direction.sign() * magnitude,
            confidence,
            horizon_bars,
            horizon_ms: self
                .context
                .interval_ms
                .saturating_mul(i64::from(horizon_bars)),
            reasons,
            facts: facts
                .into_iter()
                .filter(|fact| fact.value.is_finite())
                .collect(),
            stop: finite(stop).filter(|_| direction != Direction::Flat),
            target: finite(target).filter(|_| direction != Direction::Flat),
            strategy: self.strategy,
            params_version: self.version.clone(),
            as_of_ms: open_ms.saturating_add(self.context.interval_ms),
            ready,
            bars: self.bars,
        }
    }
}

/// The signal at the last of `candles` (oldest first, one interval apart), with the
/// second symbol's candles aligned on open time in pairs mode. Too few candles for the
/// warm-up give a FLAT signal saying so (`ready` false); an empty or malformed series is
/// an error naming the candle and field.
pub fn evaluate(
    strategy: &dyn Strategy,
    params: &Params,
    context: Context,
    candles: &[Candle],
    pair_candles: Option<&[Candle]>,
) -> Result<Signal, EvaluateError> {
    let Some(last) = candles.len().checked_sub(1) else {
        return Err(EvaluateError::Input(InputError::new(
            SeriesName::Main,
            0,
            "",
            "at least one candle is needed",
        )));
    };
    if pair_candles.is_some() != context.pair_symbol.is_some() {
        return Err(EvaluateError::Input(InputError::new(
            SeriesName::Pair,
            0,
            "",
            "pairs mode needs both the pair symbol and its candles",
        )));
    }
    let mut runner = Runner::new(strategy, params, context)?;
    if let Some(pair_candles) = pair_candles
        && pair_candles.len() != candles.len()
    {
        return Err(EvaluateError::Input(InputError::new(
            SeriesName::Pair,
            pair_candles.len().min(candles.len()),
            "",
            format!(
                "has {} candles but candles has {}: give one per candle, aligned on open time",
                pair_candles.len(),
                candles.len()
            ),
        )));
    }
    for (index, candle) in candles.iter().enumerate() {
        let signal = match pair_candles {
            Some(pairs) => runner.push_pair(candle, &pairs[index])?,
            None => runner.push(candle)?,
        };
        if index == last {
            return Ok(signal);
        }
    }
    Err(EvaluateError::Input(InputError::new(
        SeriesName::Main,
        0,
        "",
        "at least one candle is needed",
    )))
}

/// Why [`evaluate`] gave no signal.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EvaluateError {
    #[error(transparent)]
    Setup(#[from] SetupError),
    #[error(transparent)]
    Input(#[from] InputError),
}
