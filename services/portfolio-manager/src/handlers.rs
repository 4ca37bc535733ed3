//! The PortfolioService RPC handlers: request checks, then answers from the ledger in
//! memory (and the journal in Postgres for time ranges and history).
//!
//! An account the ledger has never seen is NOT_FOUND for GetPortfolio, GetPositions and
//! GetPnl; GetEquityHistory answers an empty page; StreamPortfolio starts with an empty
//! portfolio and follows the account once it appears; Reconcile compares an empty
//! ledger with the venue.
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use futures::Stream;
use quorum_domain::Symbol;
use quorum_domain::convert::{decimal, optional_decimal, parse_decimal, parse_symbol};
use quorum_kit::CancellationToken;
use quorum_kit::auth::caller;
use quorum_kit::errors::{FieldErrors, internal, invalid_field, unavailable};
use quorum_ledger::{LedgerError, Transfer};
use quorum_proto::trading::v1::portfolio_service_server::PortfolioService;
use quorum_proto::trading::v1::*;
use tonic::{Request, Response, Status};

use crate::convert;
use crate::equity::{self, PointQuery, encode_page_token};
use crate::peers::Connectors;
use crate::pnl;
use crate::portfolios::{ApplyError, Portfolios};
use crate::reconcile::{differences, venue_balances};
use crate::requests::{self, problem_of};
use crate::stream::PortfolioStream;

/// How the handlers behave beyond the ledger.
#[derive(Debug, Clone, Copy)]
pub struct HandlerSettings {
    /// How long Reconcile waits for a connector.
    pub reconcile_timeout: Duration,
    /// Least time between two StreamPortfolio messages.
    pub stream_interval: Duration,
}

pub struct PortfolioHandler {
    portfolios: Arc<Portfolios>,
    connectors: Connectors,
    settings: HandlerSettings,
    shutdown: CancellationToken,
}

impl PortfolioHandler {
    pub fn new(
        portfolios: Arc<Portfolios>,
        connectors: Connectors,
        settings: HandlerSettings,
        shutdown: CancellationToken,
    ) -> Self {
        Self {
            portfolios,
            connectors,
            settings,
            shutdown,
        }
    }

    fn known(&self, account: &str) -> Result<(), Status> {
        if self.portfolios.read(|ledger| ledger.knows_account(account)) {
            Ok(())
        } else {
            Err(Status::not_found(format!(
                "account '{account}' has no fills or transfers; record its opening balance with RecordTransfer"
            )))
        }
    }
}

type PortfolioUpdates = Pin<Box<dyn Stream<Item = Result<StreamPortfolioResponse, Status>> + Send>>;

#[tonic::async_trait]
impl PortfolioService for PortfolioHandler {
    async fn get_portfolio(
        &self,
        request: Request<GetPortfolioRequest>,
    ) -> Result<Response<GetPortfolioResponse>, Status> {
        let request = request.into_inner();
        let mut errors = FieldErrors::new();
        let account = requests::account(&mut errors, &request.account);
        let venue = requests::venue_filter(&mut errors, request.venue);
        errors.into_result()?;
        let (Some(account), Some(venue)) = (account, venue) else {
            return Err(Status::invalid_argument("the request is not valid"));
        };
        self.known(&account)?;
        let view = self.portfolios.portfolio(&account, venue);
        Ok(Response::new(GetPortfolioResponse {
            portfolio: Some(convert::portfolio(&view)),
        }))
    }

    async fn get_positions(
        &self,
        request: Request<GetPositionsRequest>,
    ) -> Result<Response<GetPositionsResponse>, Status> {
        let request = request.into_inner();
        let mut errors = FieldErrors::new();
        let account = requests::account(&mut errors, &request.account);
        let venue = requests::venue_filter(&mut errors, request.venue);
        let symbol = symbol_filter(&mut errors, &request.symbol);
        errors.into_result()?;
        let (Some(account), Some(venue), Some(symbol)) = (account, venue, symbol) else {
            return Err(Status::invalid_argument("the request is not valid"));
        };
        self.known(&account)?;
        let view = self.portfolios.portfolio(&account, venue);
        let positions = view
            .positions
            .iter()
            .filter(|position| {
                symbol
                    .as_ref()
                    .is_none_or(|symbol| &position.position.symbol == symbol)
            })
            .map(convert::position)
            .collect();
        Ok(Response::new(GetPositionsResponse { positions }))
    }

    async fn get_pnl(
        &self,
        request: Request<GetPnlRequest>,
    ) -> Result<Response<GetPnlResponse>, Status> {
        let request = request.into_inner();
        let mut errors = FieldErrors::new();
        let account = requests::account(&mut errors, &request.account);
        let venue = requests::venue_filter(&mut errors, request.venue);
        let range = match request.range.as_ref() {
            Some(range) => requests::range(&mut errors, Some(range)).map(Some),
            None => Some(None),
        };
        errors.into_result()?;
        let (Some(account), Some(venue), Some(range)) = (account, venue, range) else {
            return Err(Status::invalid_argument("the request is not valid"));
        };
        self.known(&account)?;
        let view = self.portfolios.portfolio(&account, venue);
        let (realized, fees) = match range {
            None => (view.realized_pnl, view.fees),
            Some((from_ms, to_ms)) => {
                let rows = crate::store::realized_between(
                    self.portfolios.pool(),
                    &account,
                    venue,
                    from_ms,
                    to_ms,
                )
                .await
                .map_err(|error| internal("reading realized PnL", error))?;
                let valuation = self
                    .portfolios
                    .read(|ledger| ledger.valuation_asset().to_string());
                pnl::in_valuation(&rows, &self.portfolios.marks(), &valuation)
            }
        };
        let total = realized
            .zip(view.unrealized_pnl)
            .and_then(|(a, b)| a.checked_add(b));
        Ok(Response::new(GetPnlResponse {
            realized_pnl: optional_decimal(realized),
            unrealized_pnl: optional_decimal(view.unrealized_pnl),
            fees: optional_decimal(fees),
            total_pnl: optional_decimal(total),
            positions: view.positions.iter().map(convert::position).collect(),
        }))
    }

    async fn get_equity_history(
        &self,
        request: Request<GetEquityHistoryRequest>,
    ) -> Result<Response<GetEquityHistoryResponse>, Status> {
        let request = request.into_inner();
        let mut errors = FieldErrors::new();
        let account = requests::account(&mut errors, &request.account);
        let range = requests::range(&mut errors, request.range.as_ref());
        let page = requests::page(&mut errors, request.page.as_ref());
        errors.into_result()?;
        let (Some(account), Some((from_ms, to_ms)), Some((page_size, after))) =
            (account, range, page)
        else {
            return Err(Status::invalid_argument("the request is not valid"));
        };
        let query = PointQuery {
            account,
            from_ms,
            to_ms,
            after,
            page_size,
        };
        let page = equity::points(self.portfolios.pool(), &query)
            .await
            .map_err(|error| internal("reading equity history", error))?;
        Ok(Response::new(GetEquityHistoryResponse {
            points: page.points.iter().map(convert::equity_point).collect(),
            next_page_token: page.next.map(encode_page_token).unwrap_or_default(),
        }))
    }

    type StreamPortfolioStream = PortfolioUpdates;

    async fn stream_portfolio(
        &self,
        request: Request<StreamPortfolioRequest>,
    ) -> Result<Response<Self::StreamPortfolioStream>, Status> {
        let request = request.into_inner();
        let mut errors = FieldErrors::new();
        let account = requests::account(&mut errors, &request.account);
        errors.into_result()?;
        let Some(account) = account else {
            return Err(Status::invalid_argument("the request is not valid"));
        };
        let stream = PortfolioStream::new(
            self.portfolios.clone(),
            account,
            self.settings.stream_interval,
            self.shutdown.clone(),
        );
        Ok(Response::new(Box::pin(stream.into_stream())))
    }

    async fn apply_fill(
        &self,
        request: Request<ApplyFillRequest>,
    ) -> Result<Response<ApplyFillResponse>, Status> {
        let Some(fill) = request.into_inner().fill else {
            return Err(invalid_field("fill", "is required"));
        };
        let fill = convert::parse_fill(&fill).map_err(|problems| {
            let mut errors = FieldErrors::new();
            for problem in problems {
                errors.add(&problem.field, problem.problem);
            }
            errors
                .into_result()
                .err()
                .unwrap_or_else(|| Status::invalid_argument("fill"))
        })?;
        let applied = self
            .portfolios
            .apply_fill(&fill)
            .await
            .map_err(apply_status)?;
        Ok(Response::new(ApplyFillResponse { applied }))
    }

    async fn record_transfer(
        &self,
        request: Request<RecordTransferRequest>,
    ) -> Result<Response<RecordTransferResponse>, Status> {
        let actor = caller(&request)?.claims.name.clone();
        let request = request.into_inner();
        let mut errors = FieldErrors::new();
        let venue = requests::venue(&mut errors, request.venue);
        let amount = parse_decimal("amount", request.amount.as_ref())
            .map_err(|problem| errors.add(&problem.field, problem.problem))
            .ok();
        errors.check(
            !request.transfer_id.trim().is_empty(),
            "transfer_id",
            "is required (the idempotency key)",
        );
        let account = requests::account(&mut errors, &request.account);
        errors.check(
            !request.asset.trim().is_empty(),
            "asset",
            "is required, e.g. USDT",
        );
        errors.into_result()?;
        let (Some(venue), Some(amount), Some(account)) = (venue, amount, account) else {
            return Err(Status::invalid_argument("the request is not valid"));
        };
        let transfer = Transfer {
            transfer_id: request.transfer_id,
            account,
            venue,
            asset: request.asset,
            amount,
            memo: request.memo,
            at_ms: crate::now_ms(),
        };
        let applied = self
            .portfolios
            .record_transfer(&transfer, &actor)
            .await
            .map_err(apply_status)?;
        Ok(Response::new(RecordTransferResponse { applied }))
    }

    async fn reconcile(
        &self,
        request: Request<ReconcileRequest>,
    ) -> Result<Response<ReconcileResponse>, Status> {
        let request = request.into_inner();
        let mut errors = FieldErrors::new();
        let account = requests::account(&mut errors, &request.account);
        let venue = requests::venue(&mut errors, request.venue);
        errors.into_result()?;
        let (Some(account), Some(venue)) = (account, venue) else {
            return Err(Status::invalid_argument("the request is not valid"));
        };
        let Some((service, channel)) = self.connectors.get(&venue) else {
            return Err(Status::failed_precondition(format!(
                "no connector for {venue}"
            )));
        };
        let reported = venue_balances(
            channel.clone(),
            service,
            &account,
            self.settings.reconcile_timeout,
        )
        .await?;
        let ledger = self
            .portfolios
            .read(|ledger| ledger.holdings(&account, Some(venue)));
        let found = differences(&ledger, &reported);
        Ok(Response::new(ReconcileResponse {
            matched: found.is_empty(),
            differences: found
                .iter()
                .map(|difference| BalanceDifference {
                    asset: difference.asset.clone(),
                    ledger: Some(decimal(difference.ledger)),
                    venue: Some(decimal(difference.venue)),
                    difference: Some(decimal(difference.difference())),
                })
                .collect(),
            checked_unix_ms: crate::now_ms(),
        }))
    }
}

/// An optional symbol: empty means every symbol.
fn symbol_filter(errors: &mut FieldErrors, text: &str) -> Option<Option<Symbol>> {
    if text.trim().is_empty() {
        return Some(None);
    }
    parse_symbol("symbol", text)
        .map(Some)
        .map_err(|problem| errors.add(&problem.field, problem.problem))
        .ok()
}

fn apply_status(error: ApplyError) -> Status {
    match error {
        ApplyError::Invalid(LedgerError::Invalid { field, problem }) => {
            invalid_field(&field, problem)
        }
        ApplyError::Invalid(other) => Status::invalid_argument(problem_of(&other)),
        ApplyError::Store(error) => unavailable("postgres", error),
        ApplyError::Ledger(error) => internal("applying to the ledger", error),
    }
}
