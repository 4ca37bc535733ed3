//! The `quorum.ai.v1.Voter` handlers: a DIRECTION proposal is answered with the
//! strategy's signal on the proposal's candles, or on candles read from trade-history up
//! to the proposal's as-of instant when it brings none; nothing after as-of is used.
//! YES_NO questions get ABSTAIN. Later rounds give the same vote (the strategy does not
//! depend on the others' votes) and say that the previous tally was seen.
use std::sync::Arc;
use std::time::{Duration, Instant};

use quorum_domain::Candle;
use quorum_domain::convert::{parse_symbol, parse_venue_filter};
use quorum_kit::errors::{FieldErrors, invalid_field};
use quorum_proto::ai::v1::voter_server::Voter;
use quorum_proto::ai::v1::{
    Ballot, DescribeVoterRequest, DescribeVoterResponse, Proposal, ProposalKind, VoteRequest,
    VoteResponse, VoterKind,
};
use quorum_strategies::series::{SeriesName, fill_gaps, to_bar};
use quorum_strategies::{Context, Strategy, evaluate};
use tonic::{Request, Response, Status};

use crate::ballot::{Basis, abstain, direction_ballot};
use crate::convert::{parse_candles, parse_interval};
use crate::evaluation::MAX_CANDLES;
use crate::history::{HistoryQuery, TRADE_HISTORY, TradeHistory};
use crate::params_store::ParamsStore;

/// The longest a vote waits for trade-history, whatever the deadline.
const HISTORY_WAIT: Duration = Duration::from_secs(5);

pub struct VoterHandler {
    service: &'static str,
    store: Arc<ParamsStore>,
    history: TradeHistory,
}

impl VoterHandler {
    pub fn new(service: &'static str, store: Arc<ParamsStore>, history: TradeHistory) -> Self {
        Self {
            service,
            store,
            history,
        }
    }

    /// `<strategy>@<params version>`: what produced a vote.
    pub fn version(&self) -> String {
        voter_version(self.store.strategy(), self.store.current().version())
    }
}

pub fn voter_version(strategy: &dyn Strategy, params_version: &str) -> String {
    format!("{}@{params_version}", strategy.name())
}

#[tonic::async_trait]
impl Voter for VoterHandler {
    async fn vote(&self, request: Request<VoteRequest>) -> Result<Response<VoteResponse>, Status> {
        let started = Instant::now();
        let request = request.into_inner();
        let proposal = request
            .proposal
            .as_ref()
            .ok_or_else(|| invalid_field("proposal", "is required"))?;
        let mut ballot = match ProposalKind::try_from(proposal.kind) {
            Ok(ProposalKind::Direction) => self.direction(&request, proposal).await?,
            Ok(ProposalKind::YesNo) => abstain(
                format!(
                    "{} answers DIRECTION proposals (BUY, SELL or HOLD) only; it abstains on \
                     YES_NO questions.",
                    self.service
                ),
                &self.version(),
            ),
            _ => {
                return Err(invalid_field(
                    "proposal.kind",
                    "is required: PROPOSAL_KIND_DIRECTION or PROPOSAL_KIND_YES_NO",
                ));
            }
        };
        if let Some(cost) = ballot.cost.as_mut() {
            cost.compute_micros = i64::try_from(started.elapsed().as_micros()).unwrap_or(i64::MAX);
        }
        Ok(Response::new(VoteResponse {
            ballot: Some(ballot),
        }))
    }

    async fn describe_voter(
        &self,
        _request: Request<DescribeVoterRequest>,
    ) -> Result<Response<DescribeVoterResponse>, Status> {
        let strategy = self.store.strategy();
        Ok(Response::new(DescribeVoterResponse {
            name: self.service.to_string(),
            kind: VoterKind::Strategy.into(),
            version: self.version(),
            description: format!("{} strategy: {}", strategy.name(), strategy.summary()),
            kinds: vec![ProposalKind::Direction.into()],
        }))
    }
}

impl VoterHandler {
    async fn direction(
        &self,
        request: &VoteRequest,
        proposal: &Proposal,
    ) -> Result<Ballot, Status> {
        let mut errors = FieldErrors::new();
        let symbol = parse_symbol("proposal.symbol", &proposal.symbol)
            .map_err(|problem| errors.add(&problem.field, problem.problem))
            .ok();
        let venue = parse_venue_filter("proposal.venue", proposal.venue)
            .map_err(|problem| errors.add(&problem.field, problem.problem))
            .ok()
            .flatten();
        let interval = parse_interval(&proposal.interval)
            .map_err(|problem| errors.add("proposal.interval", problem))
            .ok();
        if proposal.candles.len() > MAX_CANDLES {
            errors.add("proposal.candles", format!("at most {MAX_CANDLES} candles"));
        }
        let given = parse_candles("proposal.candles", &proposal.candles, &mut errors);
        for (index, candle) in given.iter().enumerate() {
            if let Err(problem) = to_bar(candle, SeriesName::Main, index) {
                errors.add(&format!("proposal.{}", problem.path()), problem.problem);
            }
        }
        errors.into_result()?;
        let (Some(symbol), Some(interval)) = (symbol, interval) else {
            return Err(Status::invalid_argument("the proposal is not valid"));
        };
        let mut notes = Vec::new();
        let as_of_ms = if proposal.as_of_unix_ms > 0 {
            proposal.as_of_unix_ms
        } else {
            notes.push("The proposal had no as-of instant; the time of the vote was used.".into());
            chrono::Utc::now().timestamp_millis()
        };
        let strategy = self.store.strategy();
        let params = self.store.current();
        let closed =
            |candle: &Candle| candle.open_time_ms.saturating_add(interval.millis()) <= as_of_ms;
        let mut candles: Vec<Candle> = given
            .iter()
            .filter(|candle| closed(candle))
            .cloned()
            .collect();
        if candles.len() < given.len() {
            notes.push(format!(
                "{} of the proposal's candles close after as-of and were left out.",
                given.len() - candles.len()
            ));
        }
        if given.is_empty() {
            let warm_up = strategy.warm_up(&params).unwrap_or(1).max(1);
            let query = HistoryQuery {
                symbol: &symbol,
                venue,
                interval: &interval,
                until_ms: as_of_ms,
                count: (2 * warm_up).min(MAX_CANDLES),
            };
            candles = self
                .history
                .candles(&query, history_wait(request.deadline_unix_ms))
                .await?;
            notes.push(format!(
                "{} candles read from {TRADE_HISTORY} up to as-of.",
                candles.len()
            ));
        }
        let filled = fill_gaps(&candles, interval.millis(), MAX_CANDLES).ok_or_else(|| {
            invalid_field(
                "proposal.candles",
                "must be oldest first, each once, on the interval's grid",
            )
        })?;
        if filled.len() > candles.len() {
            notes.push(format!(
                "{} intervals without trades were filled with flat candles.",
                filled.len() - candles.len()
            ));
        }
        let (Some(first), Some(last)) = (filled.first(), filled.last()) else {
            return Ok(abstain(
                format!(
                    "{} abstains: no closed candle of {symbol} {} up to as-of {as_of_ms}.",
                    self.service,
                    interval.name()
                ),
                &self.version(),
            ));
        };
        let context = Context {
            symbol: symbol.to_string(),
            interval_ms: interval.millis(),
            pair_symbol: None,
        };
        let signal = evaluate(strategy, &params, context, &filled, None)
            .map_err(|error| invalid_field("proposal.candles", error.to_string()))?;
        let basis = Basis {
            signal: &signal,
            symbol: symbol.to_string(),
            interval: &interval,
            first_open_ms: first.open_time_ms,
            last_open_ms: last.open_time_ms,
            as_of_ms,
            candles: filled.len(),
            notes,
        };
        let version = voter_version(strategy, params.version());
        Ok(direction_ballot(
            &basis,
            request.round,
            request.previous_round.as_ref(),
            &version,
        ))
    }
}

/// How long to wait for trade-history: until shortly before the vote's deadline, at
/// most [`HISTORY_WAIT`], at least 100 ms.
fn history_wait(deadline_unix_ms: i64) -> Duration {
    if deadline_unix_ms <= 0 {
        return HISTORY_WAIT;
    }
    let left = deadline_unix_ms - chrono::Utc::now().timestamp_millis() - 50;
    Duration::from_millis(u64::try_from(left).unwrap_or(0))
        .clamp(Duration::from_millis(100), HISTORY_WAIT)
}
