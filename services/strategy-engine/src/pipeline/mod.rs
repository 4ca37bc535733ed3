//! One pass of a strategy's loop for one closed candle: readiness, consensus, sizing,
//! risk, compliance, the order. Every pass leaves a run record; the order intent is
//! written before PlaceOrder, so a crash at any point is settled by recovery and never
//! makes a second order. This file runs the steps in order and records the pass; each
//! step is in its own file.
mod checks;
mod consensus;
mod order;
mod size;

use std::collections::BTreeMap;
use std::time::Instant;

use quorum_domain::{CandleClosed, Side};
use quorum_proto::ai::v1 as ai;

use crate::engine::{Engine, now_ms};
use crate::model::{Outcome, Run, Strategy, run_id};
use crate::readiness::Market;
use crate::store::Ending;

use checks::order_intent;
use order::{Placed, order_finish};

/// Where the loop may be stopped on purpose, to test what a crash there does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CrashPoint {
    /// After the order intent is written, before PlaceOrder is sent.
    BeforeOrder,
    /// After PlaceOrder answered, before the run records it.
    AfterOrder,
}

/// The end of a pass: its outcome and what to store with it.
struct Finish {
    outcome: Outcome,
    ending: Ending,
}

impl Finish {
    fn new(outcome: Outcome, detail: impl Into<String>) -> Self {
        Self {
            outcome,
            ending: Ending {
                detail: detail.into(),
                ..Ending::default()
            },
        }
    }
}

/// Times each hop of a pass, from the moment the candle event was taken up.
pub(crate) struct Hops {
    started: Instant,
    micros: BTreeMap<String, i64>,
}

impl Hops {
    pub(crate) fn starting(started: Instant) -> Self {
        Self {
            started,
            micros: BTreeMap::new(),
        }
    }

    /// A hop measured elsewhere (the bus, from the entry's publication time).
    pub(crate) fn set(&mut self, hop: &str, micros: i64) {
        self.micros.insert(hop.to_string(), micros);
    }

    pub(crate) fn record(&mut self, hop: &str, since: Instant) {
        let micros = i64::try_from(since.elapsed().as_micros()).unwrap_or(i64::MAX);
        self.micros.insert(hop.to_string(), micros);
    }
}

impl Engine {
    /// Runs `strategy` on a closed candle whose market is ready.
    pub(crate) async fn run_pass(
        &self,
        strategy: &Strategy,
        event: &CandleClosed,
        market: &Market,
        mut hops: Hops,
    ) {
        let id = run_id(&strategy.strategy_id, event.candle.open_time_ms);
        let mut run = Run {
            run_id: id.clone(),
            strategy_id: strategy.strategy_id.clone(),
            candle_open_ms: event.candle.open_time_ms,
            decision_id: String::new(),
            outcome: Outcome::Started,
            detail: String::new(),
            intent: None,
            order_id: String::new(),
            started_at_ms: now_ms(),
            finished_at_ms: None,
            hop_micros: BTreeMap::new(),
        };
        match self.store.begin_run(&run).await {
            Ok(true) => {}
            Ok(false) => return,
            Err(error) => {
                tracing::error!(%error, run_id = %id, "cannot record the run; candle skipped");
                return;
            }
        }
        let finish = self
            .decide_and_order(strategy, event, market, &mut run, &mut hops)
            .await;
        let Some(mut finish) = finish else {
            // Left in flight on purpose: recovery settles it.
            return;
        };
        hops.record("total", hops.started);
        finish.ending.hop_micros = hops.micros;
        if finish.ending.decision_id.is_empty() {
            finish.ending.decision_id = run.decision_id.clone();
        }
        self.metrics.run(finish.outcome, &finish.ending.hop_micros);
        if let Err(error) = self.record_end(&run, finish.outcome, &finish.ending).await {
            tracing::error!(%error, run_id = %run.run_id, "cannot record the end of a run");
            self.recovery
                .add(&run.run_id, strategy.spec.venue, &strategy.spec.account);
        }
    }

    /// `None` when the run must stay in flight (the order's fate is unknown).
    async fn decide_and_order(
        &self,
        strategy: &Strategy,
        event: &CandleClosed,
        market: &Market,
        run: &mut Run,
        hops: &mut Hops,
    ) -> Option<Finish> {
        let spec = &strategy.spec;
        let candles = self.windows.tail(
            &Engine::key_of(spec),
            spec.lookback as usize,
            event.candle.open_time_ms,
        );
        let since = Instant::now();
        let decision = match self.decide(strategy, event, &candles, &run.run_id).await {
            Ok(decision) => decision,
            Err(detail) => return Some(Finish::new(Outcome::Failed, detail)),
        };
        hops.record("consensus", since);
        run.decision_id = decision.decision_id.clone();
        let side = match ai::Decision::try_from(decision.decision) {
            _ if !decision.approved => {
                return Some(Finish::new(Outcome::NotApproved, decision.explanation));
            }
            Ok(ai::Decision::Buy) => Side::Buy,
            Ok(ai::Decision::Sell) => Side::Sell,
            _ => return Some(Finish::new(Outcome::Hold, decision.explanation)),
        };
        let since = Instant::now();
        let intent = match self
            .size(
                strategy,
                side,
                decision.agreement,
                market,
                &candles,
                &run.run_id,
            )
            .await
        {
            Ok(intent) => intent,
            Err(finish) => return Some(finish),
        };
        hops.record("size", since);
        run.intent = Some(intent.clone());
        let order_intent = order_intent(strategy, &intent);
        let since = Instant::now();
        if let Some(finish) = self.check_risk(&order_intent).await {
            return Some(finish);
        }
        hops.record("risk", since);
        let since = Instant::now();
        if let Some(finish) = self.check_compliance(&order_intent).await {
            return Some(finish);
        }
        hops.record("compliance", since);
        if let Err(error) = self
            .store
            .mark_ordering(&run.run_id, &run.decision_id, &intent)
            .await
        {
            return Some(Finish::new(
                Outcome::Failed,
                format!("cannot record the order intent: {error}"),
            ));
        }
        self.crash_if(CrashPoint::BeforeOrder);
        let since = Instant::now();
        let placed = self.place(strategy, &intent).await;
        self.crash_if(CrashPoint::AfterOrder);
        hops.record("order", since);
        hops.record("answered", hops.started);
        match placed {
            Placed::Accepted(order) => Some(order_finish(*order)),
            Placed::Refused(detail) => Some(Finish::new(Outcome::OrderRejected, detail)),
            Placed::Unknown(detail) => {
                tracing::warn!(run_id = %run.run_id, %detail, "order outcome unknown; recovery will ask the venue");
                self.recovery.add(&run.run_id, spec.venue, &spec.account);
                None
            }
        }
    }

    fn crash_if(&self, point: CrashPoint) {
        if self.settings.crash_at == Some(point) {
            tracing::error!(?point, "stopping at the configured crash point");
            std::process::abort();
        }
    }
}
