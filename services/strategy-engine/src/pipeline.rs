//! One pass of a strategy's loop for one closed candle: readiness, consensus, sizing,
//! risk, compliance, the order. Every pass leaves a run record; the order intent is
//! written before PlaceOrder, so a crash at any point is settled by recovery and never
//! makes a second order.
use std::collections::BTreeMap;
use std::time::Instant;

use quorum_domain::convert;
use quorum_domain::{CandleClosed, Decimal, Side};
use quorum_proto::ai::v1 as ai;
use quorum_proto::exchange::v1 as exchange;
use quorum_proto::security::v1 as security;
use quorum_proto::trading::v1 as trading;
use tonic::Code;

use crate::engine::{Engine, now_ms};
use crate::model::{Intent, Outcome, Run, Strategy, client_order_id, run_id};
use crate::peers::{CALL_DEADLINE, request};
use crate::readiness::Market;
use crate::sizing::{self, SizingInput};
use crate::store::Ending;

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
    pub(crate) fn new() -> Self {
        Self {
            started: Instant::now(),
            micros: BTreeMap::new(),
        }
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

    async fn decide(
        &self,
        strategy: &Strategy,
        event: &CandleClosed,
        candles: &[quorum_domain::Candle],
        proposal_id: &str,
    ) -> Result<ai::ConsensusDecision, String> {
        let spec = &strategy.spec;
        let horizon_ms = spec.interval_ms() * i64::from(self.settings.horizon_bars);
        let proposal = ai::Proposal {
            proposal_id: proposal_id.to_string(),
            kind: ai::ProposalKind::Direction.into(),
            symbol: spec.symbol.to_string(),
            venue: convert::venue(spec.venue).into(),
            interval: spec.interval.clone(),
            horizon_ms,
            as_of_unix_ms: event.closed_at_ms,
            question: format!(
                "Buy, sell or hold {} on {} for the next {} {} candles?",
                spec.symbol, spec.venue, self.settings.horizon_bars, spec.interval
            ),
            candles: candles.iter().map(convert::candle).collect(),
            context: [
                ("strategy_id".to_string(), strategy.strategy_id.clone()),
                ("account".to_string(), spec.account.clone()),
            ]
            .into_iter()
            .collect(),
        };
        let message = ai::DecideRequest {
            proposal: Some(proposal),
            voters: spec.voters.clone(),
            threshold: spec.threshold,
            quorum: spec.quorum,
            max_rounds: spec.max_rounds,
            voter_deadline_ms: None,
        };
        let mut client = self.peers.consensus.clone();
        match client
            .decide(request(message, self.settings.decide_deadline))
            .await
        {
            Ok(response) => response
                .into_inner()
                .decision
                .ok_or_else(|| "consensus-engine answered without a decision".to_string()),
            Err(status) => Err(format!("consensus-engine: {}", status.message())),
        }
    }

    async fn size(
        &self,
        strategy: &Strategy,
        side: Side,
        agreement: f64,
        market: &Market,
        candles: &[quorum_domain::Candle],
        run_id: &str,
    ) -> Result<Intent, Finish> {
        let spec = &strategy.spec;
        let price = match side {
            Side::Buy => market.best_ask,
            Side::Sell => market.best_bid,
        };
        let closes: Vec<Decimal> = candles.iter().map(|c| c.close).collect();
        let input = SizingInput {
            capital: spec.capital,
            agreement,
            realized_volatility: sizing::realized_volatility(&closes, spec.interval_ms()),
        };
        let notional = spec
            .sizing
            .notional(&input)
            .map_err(|problem| Finish::new(Outcome::SizeZero, problem.0))?;
        let mut quantity = sizing::quantity(notional, price, market.lot_size, market.min_notional);
        if side == Side::Sell {
            let held = self
                .free_balance(spec.venue, &spec.account, &market.base_asset)
                .await
                .map_err(|detail| Finish::new(Outcome::Failed, detail))?;
            quantity = quantity.min(sizing::round_down_to_lot(held, market.lot_size));
        }
        if quantity <= Decimal::ZERO {
            return Err(Finish::new(
                Outcome::SizeZero,
                format!(
                    "{side:?} {notional} of {} at {price} is below one lot or the minimum notional (or nothing is held to sell)",
                    spec.symbol
                ),
            ));
        }
        Ok(Intent {
            client_order_id: client_order_id(run_id),
            side,
            quantity,
            price,
        })
    }

    async fn check_risk(&self, intent: &trading::OrderIntent) -> Option<Finish> {
        let mut client = self.peers.risk.clone();
        let message = trading::CheckOrderRequest {
            order: Some(intent.clone()),
        };
        match client.check_order(request(message, CALL_DEADLINE)).await {
            Ok(response) => {
                let answer = response.into_inner();
                if answer.approved {
                    return None;
                }
                let failed: Vec<String> = answer
                    .rules
                    .iter()
                    .filter(|rule| !rule.passed)
                    .map(|rule| {
                        format!(
                            "{} (limit {}, order {}): {}",
                            rule.rule, rule.limit, rule.actual, rule.message
                        )
                    })
                    .collect();
                Some(Finish::new(
                    Outcome::RiskDenied,
                    format!("risk-manager denied: {}", failed.join("; ")),
                ))
            }
            Err(status) => Some(Finish::new(
                Outcome::Failed,
                format!(
                    "risk-manager: {} (no order without the check)",
                    status.message()
                ),
            )),
        }
    }

    async fn check_compliance(&self, intent: &trading::OrderIntent) -> Option<Finish> {
        let mut client = self.peers.compliance.clone();
        let message = security::CheckOrderRequest {
            order: Some(intent.clone()),
        };
        match client.check_order(request(message, CALL_DEADLINE)).await {
            Ok(response) => {
                let answer = response.into_inner();
                if answer.passed {
                    return None;
                }
                let failed: Vec<String> = answer
                    .violations
                    .iter()
                    .map(|v| format!("{}@{}: {}", v.rule_id, v.rule_version, v.message))
                    .collect();
                Some(Finish::new(
                    Outcome::ComplianceDenied,
                    format!("compliance-checker denied: {}", failed.join("; ")),
                ))
            }
            Err(status) => Some(Finish::new(
                Outcome::Failed,
                format!(
                    "compliance-checker: {} (no order without the check)",
                    status.message()
                ),
            )),
        }
    }

    async fn place(&self, strategy: &Strategy, intent: &Intent) -> Placed {
        let spec = &strategy.spec;
        let Some(mut connector) = self.peers.connector(spec.venue) else {
            return Placed::Refused(format!("no connector for {}", spec.venue));
        };
        let message = exchange::PlaceOrderRequest {
            client_order_id: intent.client_order_id.clone(),
            symbol: spec.symbol.to_string(),
            side: convert::side(intent.side).into(),
            r#type: exchange::OrderType::Market.into(),
            time_in_force: exchange::TimeInForce::Ioc.into(),
            post_only: false,
            quantity: Some(convert::decimal(intent.quantity)),
            price: None,
            account: spec.account.clone(),
        };
        match connector.place_order(request(message, CALL_DEADLINE)).await {
            Ok(response) => match response.into_inner().order {
                Some(order) => Placed::Accepted(Box::new(order)),
                None => Placed::Unknown("the connector answered without the order".into()),
            },
            // Refused before anything was placed.
            Err(status)
                if matches!(
                    status.code(),
                    Code::InvalidArgument
                        | Code::NotFound
                        | Code::FailedPrecondition
                        | Code::PermissionDenied
                        | Code::Unauthenticated
                        | Code::ResourceExhausted
                ) =>
            {
                Placed::Refused(format!(
                    "{}: {}",
                    spec.venue.connector_service(),
                    status.message()
                ))
            }
            Err(status) => Placed::Unknown(format!(
                "{}: {}",
                spec.venue.connector_service(),
                status.message()
            )),
        }
    }

    async fn free_balance(
        &self,
        venue: quorum_domain::Venue,
        account: &str,
        asset: &str,
    ) -> Result<Decimal, String> {
        let Some(mut connector) = self.peers.connector(venue) else {
            return Err(format!("no connector for {venue}"));
        };
        let message = exchange::GetBalancesRequest {
            account: account.to_string(),
        };
        let balances = connector
            .get_balances(request(message, CALL_DEADLINE))
            .await
            .map_err(|status| format!("{}: {}", venue.connector_service(), status.message()))?
            .into_inner()
            .balances;
        let free = balances
            .iter()
            .find(|balance| balance.asset == asset)
            .and_then(|balance| convert::parse_decimal("free", balance.free.as_ref()).ok())
            .unwrap_or(Decimal::ZERO);
        Ok(free)
    }

    fn crash_if(&self, point: CrashPoint) {
        if self.settings.crash_at == Some(point) {
            tracing::error!(?point, "stopping at the configured crash point");
            std::process::abort();
        }
    }
}

/// What PlaceOrder led to.
enum Placed {
    Accepted(Box<exchange::Order>),
    /// Refused before anything was placed.
    Refused(String),
    /// No answer: the order may or may not exist.
    Unknown(String),
}

fn order_finish(order: exchange::Order) -> Finish {
    let rejected = order.status == i32::from(exchange::OrderStatus::Rejected);
    let mut finish = if rejected {
        Finish::new(
            Outcome::OrderRejected,
            format!("rejected: {}", order.reason),
        )
    } else {
        let status = exchange::OrderStatus::try_from(order.status)
            .map_or("unknown", |status| status.as_str_name());
        let filled = order
            .filled_quantity
            .as_ref()
            .map_or("0", |q| q.value.as_str())
            .to_string();
        Finish::new(Outcome::OrderPlaced, format!("{status}, filled {filled}"))
    };
    finish.ending.order_id = order.order_id;
    finish
}

fn order_intent(strategy: &Strategy, intent: &Intent) -> trading::OrderIntent {
    let spec = &strategy.spec;
    trading::OrderIntent {
        account: spec.account.clone(),
        venue: convert::venue(spec.venue).into(),
        symbol: spec.symbol.to_string(),
        side: convert::side(intent.side).into(),
        quantity: Some(convert::decimal(intent.quantity)),
        price: Some(convert::decimal(intent.price)),
        client_order_id: intent.client_order_id.clone(),
        origin: format!("strategy:{}", strategy.strategy_id),
    }
}
