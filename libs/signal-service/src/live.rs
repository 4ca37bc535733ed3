//! Live signals from closed candles (`md.candles`): each instance reads the topic in a
//! consumer group of its own, starting at the newest message, keeps a window per
//! (venue, symbol, interval), backfills a new key's window from trade-history when it
//! can, and publishes the strategy's signal for every closed candle to the hub.
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use quorum_bus::{BusArgs, ConsumerConfig, HandlerError, Message, StartFrom};
use quorum_domain::CandleClosed;
use quorum_domain::topics::MARKET_CANDLES;
use quorum_kit::CancellationToken;
use quorum_strategies::Context;
use tokio::sync::Mutex;

use crate::convert::{self, parse_interval};
use crate::history::{HistoryQuery, TradeHistory};
use crate::hub::{Hub, Published, SignalKey};
use crate::params_store::ParamsStore;
use crate::window::{Pushed, Window};
use quorum_domain::Interval;

/// How long the first candle of a key waits for its backfill.
const BACKFILL_WAIT: Duration = Duration::from_secs(3);

pub struct Live {
    store: Arc<ParamsStore>,
    hub: Arc<Hub>,
    history: Option<TradeHistory>,
    window: usize,
    windows: Mutex<HashMap<SignalKey, Window>>,
}

impl Live {
    /// `history`: where to backfill new keys from (`None`: no backfill).
    pub fn new(
        store: Arc<ParamsStore>,
        hub: Arc<Hub>,
        history: Option<TradeHistory>,
        window: usize,
    ) -> Self {
        Self {
            store,
            hub,
            history,
            window,
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Consumes `md.candles` as `<service>-<instance>` until `shutdown`.
    pub async fn run(
        self: Arc<Self>,
        bus: BusArgs,
        group: String,
        consumer: String,
        shutdown: CancellationToken,
    ) {
        let Some(bus) = bus.connect_patiently(&shutdown).await else {
            return;
        };
        let config = ConsumerConfig {
            start: StartFrom::Latest,
            ..ConsumerConfig::default()
        };
        tracing::info!(%group, %consumer, "consuming {MARKET_CANDLES}");
        let candles = bus.consumer(MARKET_CANDLES, &group, &consumer, config);
        candles
            .run(shutdown, move |message| {
                let live = self.clone();
                async move { live.handle(&message).await }
            })
            .await;
    }

    /// Handles one `md.candles` message.
    pub async fn handle(&self, message: &Message) -> Result<(), HandlerError> {
        let event: CandleClosed = message.decode()?;
        self.apply(event).await
    }

    /// Adds a closed candle to its window and publishes the signal as of its close.
    pub async fn apply(&self, event: CandleClosed) -> Result<(), HandlerError> {
        let interval = parse_interval(&event.interval)
            .map_err(|problem| HandlerError::Poison(format!("candle interval: {problem}")))?;
        let key = SignalKey {
            venue: event.venue,
            symbol: event.symbol.clone(),
            interval: interval.name().to_string(),
        };
        let params = self.store.current();
        let strategy = self.store.strategy();
        // Handled one at a time (the consumer awaits each message), so holding the lock
        // across the backfill blocks no other candle of this consumer.
        let mut windows = self.windows.lock().await;
        if !windows.contains_key(&key) {
            let mut window = Window::new(
                Context {
                    symbol: event.symbol.to_string(),
                    interval_ms: interval.millis(),
                    pair_symbol: None,
                },
                self.window,
            );
            self.backfill(
                &mut window,
                &event,
                &interval,
                strategy.warm_up(&params).unwrap_or(0),
            )
            .await;
            windows.insert(key.clone(), window);
        }
        let Some(window) = windows.get_mut(&key) else {
            return Ok(());
        };
        let pushed = window
            .push(event.candle, strategy, &params)
            .map_err(|problem| HandlerError::Poison(format!("invalid candle: {problem}")))?;
        drop(windows);
        if let Pushed::Signal(signal) = pushed {
            let venue = quorum_domain::convert::venue(key.venue) as i32;
            let signal = convert::signal(&signal, venue, &key.interval);
            self.hub.publish(Published { key, signal });
        }
        Ok(())
    }

    async fn backfill(
        &self,
        window: &mut Window,
        event: &CandleClosed,
        interval: &Interval,
        warm_up: usize,
    ) {
        let Some(history) = &self.history else {
            return;
        };
        let query = HistoryQuery {
            symbol: &event.symbol,
            venue: Some(event.venue),
            interval,
            until_ms: event.candle.open_time_ms,
            count: self.window.max(warm_up + 1),
        };
        match history.candles(&query, BACKFILL_WAIT).await {
            Ok(candles) => {
                tracing::info!(symbol = %event.symbol, venue = %event.venue, interval = %interval.name(), candles = candles.len(), "window backfilled");
                window.seed(&candles);
            }
            Err(status) => {
                tracing::warn!(symbol = %event.symbol, venue = %event.venue, code = ?status.code(), message = status.message(), "no backfill; the window starts with live candles");
            }
        }
    }
}
