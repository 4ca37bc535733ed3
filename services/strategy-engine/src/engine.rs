//! The live loop: closed candles from `md.candles` drive every started strategy on that
//! (venue, symbol, interval). Strategies on one candle run side by side; a candle seen
//! again (redelivery, restart) finds its run and does nothing.
use std::sync::Arc;
use std::time::Duration;

use quorum_bus::{BusArgs, ConsumerConfig, HandlerError, Message, StartFrom};
use quorum_domain::convert;
use quorum_domain::topics::MARKET_CANDLES;
use quorum_domain::{CandleClosed, Interval};
use quorum_kit::CancellationToken;
use quorum_proto::common::v1::TimeRange;
use quorum_proto::marketdata::v1 as marketdata;

use crate::metrics::LoopMetrics;
use crate::model::{Outcome, Run, State, Strategy};
use crate::peers::{CALL_DEADLINE, Peers, request};
use crate::pipeline::{CrashPoint, Hops};
use crate::readiness::Instruments;
use crate::recovery::Recovery;
use crate::registry::Registry;
use crate::spec::Spec;
use crate::store::{Ending, Store};
use crate::windows::{Added, Key, Windows};

/// Consumer group of the candle topic.
pub const GROUP: &str = "strategy-engine";

/// The loop's settings (from the service's config).
#[derive(Debug, Clone)]
pub struct Settings {
    pub max_candle_lag_ms: i64,
    pub max_book_age_ms: i64,
    /// Candles after the decision at which its outcome is judged.
    pub horizon_bars: u32,
    pub decide_deadline: Duration,
    pub crash_at: Option<CrashPoint>,
}

/// When a candle event was taken off the bus, and when Redis had added it.
#[derive(Debug, Clone, Copy)]
pub struct Received {
    pub at: std::time::Instant,
    pub at_ms: i64,
    pub published_ms: Option<i64>,
}

pub struct Engine {
    pub(crate) store: Store,
    pub(crate) peers: Peers,
    pub(crate) windows: Windows,
    pub(crate) registry: Registry,
    pub(crate) recovery: Recovery,
    pub(crate) instruments: Instruments,
    pub(crate) settings: Settings,
    pub(crate) metrics: LoopMetrics,
}

impl Engine {
    pub fn new(
        store: Store,
        peers: Peers,
        registry: Registry,
        settings: Settings,
        metrics: LoopMetrics,
    ) -> Self {
        Self {
            store,
            peers,
            windows: Windows::new(),
            registry,
            recovery: Recovery::default(),
            instruments: Instruments::default(),
            settings,
            metrics,
        }
    }

    pub(crate) fn key_of(spec: &Spec) -> Key {
        Key {
            venue: spec.venue,
            symbol: spec.symbol.clone(),
            interval: spec.interval.clone(),
        }
    }

    /// Records the end of a run in the store, then in memory.
    pub(crate) async fn record_end(
        &self,
        run: &Run,
        outcome: Outcome,
        ending: &Ending,
    ) -> sqlx::Result<()> {
        self.store
            .finish_run(run, outcome, ending, now_ms())
            .await?;
        self.registry
            .count_run(&run.strategy_id, outcome == Outcome::OrderPlaced);
        Ok(())
    }

    /// Handles one closed candle.
    /// `received`: when the event was taken off the bus, and when it was published there.
    pub async fn on_candle(&self, event: CandleClosed, received: Received) {
        let key = Key {
            venue: event.venue,
            symbol: event.symbol.clone(),
            interval: event.interval.clone(),
        };
        let strategies = self.registry.live_on(&key);
        let Some(interval) = Interval::parse(&event.interval) else {
            return;
        };
        let added = self
            .windows
            .add(&key, event.candle.clone(), interval.millis());
        if strategies.is_empty() || added == Added::Old {
            return;
        }
        let wanted = self.registry.lookback_on(&key);
        if added == Added::AfterGap || self.windows.len(&key) < wanted {
            self.backfill(&key, &event, wanted, interval).await;
        }
        let passes = strategies
            .iter()
            .map(|strategy| self.on_candle_for(strategy, &event, received));
        futures::future::join_all(passes).await;
    }

    async fn on_candle_for(&self, strategy: &Strategy, event: &CandleClosed, received: Received) {
        let now = now_ms();
        let mut hops = Hops::starting(received.at);
        if let Some(published_ms) = received.published_ms {
            hops.set("bus", (received.at_ms - published_ms).max(0) * 1000);
        }
        let since = std::time::Instant::now();
        match self.readiness(strategy, event.closed_at_ms, now).await {
            Ok(market) => {
                hops.record("readiness", since);
                self.set_waiting(strategy, None).await;
                self.run_pass(strategy, event, &market, hops).await;
            }
            Err(reason) => {
                tracing::info!(strategy_id = %strategy.strategy_id, %reason, "strategy waits");
                self.set_waiting(strategy, Some(reason)).await;
            }
        }
    }

    /// Moves a live strategy between running and waiting (with the reason) when that
    /// changes.
    async fn set_waiting(&self, strategy: &Strategy, reason: Option<String>) {
        let Some(current) = self.registry.get(&strategy.strategy_id) else {
            return;
        };
        if !current.state.is_live() {
            return;
        }
        let (state, reason) = match reason {
            Some(reason) => (State::Waiting, reason),
            None => (State::Running, "trading".to_string()),
        };
        if current.state == state && current.status_reason == reason {
            return;
        }
        match self
            .store
            .set_state(&strategy.strategy_id, state, &reason, None, now_ms())
            .await
        {
            Ok(Some(updated)) => self.registry.put(updated),
            Ok(None) => {}
            Err(error) => tracing::warn!(%error, "cannot record the strategy's status"),
        }
    }

    /// Fills a key's window from trade-history up to the candle; without trade-history
    /// the window fills from the stream alone.
    async fn backfill(&self, key: &Key, event: &CandleClosed, wanted: usize, interval: Interval) {
        let span = interval
            .millis()
            .saturating_mul(i64::try_from(wanted).unwrap_or(i64::MAX));
        let message = marketdata::GetCandlesRequest {
            symbol: key.symbol.to_string(),
            venue: convert::venue(key.venue).into(),
            interval: key.interval.clone(),
            range: Some(TimeRange {
                from_unix_ms: event.closed_at_ms.saturating_sub(span),
                to_unix_ms: event.closed_at_ms,
            }),
        };
        let mut client = self.peers.trade_history.clone();
        match client.get_candles(request(message, CALL_DEADLINE)).await {
            Ok(response) => {
                let mut history = Vec::new();
                for (index, candle) in response.into_inner().candles.iter().enumerate() {
                    match convert::parse_candle(&format!("candles[{index}]"), candle) {
                        Ok(candle) => history.push(candle),
                        Err(problem) => {
                            tracing::warn!(field = %problem.field, problem = %problem.problem, "trade-history sent a bad candle");
                            return;
                        }
                    }
                }
                self.windows.backfill(key, history);
            }
            Err(status) => {
                tracing::info!(message = status.message(), "no backfill from trade-history")
            }
        }
    }
}

/// Consumes closed candles until `shutdown`. New groups start at the newest candle: a
/// strategy acts on candles that close while it runs, not on history.
pub async fn consume(
    engine: Arc<Engine>,
    bus: BusArgs,
    consumer_name: String,
    shutdown: CancellationToken,
) {
    let Some(bus) = bus.connect_patiently(&shutdown).await else {
        return;
    };
    let config = ConsumerConfig {
        start: StartFrom::Latest,
        ..ConsumerConfig::default()
    };
    let consumer = bus.consumer(MARKET_CANDLES, GROUP, &consumer_name, config);
    tracing::info!(
        topic = MARKET_CANDLES,
        group = GROUP,
        "consuming closed candles"
    );
    // Candles of different markets close together; each market's are taken in order,
    // the markets side by side, so that one market's pass does not delay another's.
    consumer
        .run_keyed(shutdown, market_key, |message: Message| {
            let engine = engine.clone();
            async move {
                let received = Received {
                    at: std::time::Instant::now(),
                    at_ms: now_ms(),
                    published_ms: message.published_unix_ms(),
                };
                let event: CandleClosed = message.decode()?;
                if Interval::parse(&event.interval).is_none() {
                    return Err(HandlerError::Poison(format!(
                        "unknown interval '{}'",
                        event.interval
                    )));
                }
                engine.on_candle(event, received).await;
                Ok(())
            }
        })
        .await;
}

/// The wall clock in Unix milliseconds.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// The market of a candle event (venue, symbol, interval), read without decoding it all.
fn market_key(data: &str) -> String {
    #[derive(serde::Deserialize)]
    struct Market<'a> {
        #[serde(borrow)]
        venue: std::borrow::Cow<'a, str>,
        #[serde(borrow)]
        symbol: std::borrow::Cow<'a, str>,
        #[serde(borrow)]
        interval: std::borrow::Cow<'a, str>,
    }
    serde_json::from_str::<Market<'_>>(data).map_or_else(
        |_| String::new(),
        |market| format!("{}|{}|{}", market.venue, market.symbol, market.interval),
    )
}

#[cfg(test)]
mod tests {
    use super::market_key;

    #[test]
    fn the_market_key_names_venue_symbol_and_interval() {
        let event = r#"{"venue":"binance","symbol":"BTC-USDT","interval":"5s","candle":{},"closed_at_ms":1}"#;
        assert_eq!(market_key(event), "binance|BTC-USDT|5s");
        assert_eq!(market_key("not json"), "");
    }
}
