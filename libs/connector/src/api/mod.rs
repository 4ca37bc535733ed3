//! The `quorum.exchange.v1.Exchange` service: market data from the synced books,
//! orders on paper or on the venue.
mod orders;
mod requests;
mod stream;

use std::sync::Arc;
use std::time::Duration;

use quorum_domain::convert::{self, parse_symbol};
use quorum_domain::{Instrument, Symbol};
use quorum_kit::CancellationToken;
use quorum_proto::exchange::v1::exchange_server::Exchange;
use quorum_proto::exchange::v1::{
    BookState, BookStatus, CancelOrderRequest, CancelOrderResponse, GetBalancesRequest,
    GetBalancesResponse, GetFeesRequest, GetFeesResponse, GetOrderBookRequest,
    GetOrderBookResponse, GetOrderRequest, GetOrderResponse, GetStatusRequest, GetStatusResponse,
    ListInstrumentsRequest, ListInstrumentsResponse, ListOpenOrdersRequest, ListOpenOrdersResponse,
    PlaceOrderRequest, PlaceOrderResponse, ResyncBookRequest, ResyncBookResponse,
    StreamMarketDataRequest,
};
use quorum_proto::market::v1::OrderBook as ProtoBook;
use quorum_venues::SyncState;
use tokio::sync::oneshot;
use tonic::{Request, Response, Status};

use crate::state::{Command, Shared, Tracked, lock};
use requests::field_status;

/// Longest a ResyncBook call waits for the market loop.
const RESYNC_PATIENCE: Duration = Duration::from_secs(5);

/// Full method path prefix, for the auth policy.
pub const METHOD_PREFIX: &str = "/quorum.exchange.v1.Exchange/";

/// The Exchange RPC handlers of one connector.
pub struct ExchangeApi {
    shared: Arc<Shared>,
    shutdown: CancellationToken,
}

impl ExchangeApi {
    /// Streams end when `shutdown` is cancelled.
    pub fn new(shared: Arc<Shared>, shutdown: CancellationToken) -> Self {
        Self { shared, shutdown }
    }

    /// The tracked instruments, once the venue's list is in.
    fn tracked(&self) -> Result<&Tracked, Status> {
        if let Some(reason) = lock(&self.shared.failure).clone() {
            return Err(Status::failed_precondition(reason));
        }
        self.shared.tracked.get().ok_or_else(|| {
            Status::unavailable(format!(
                "the {} instrument list is still loading; retry in a moment",
                self.shared.venue
            ))
        })
    }

    /// A tracked instrument by the request's `field`.
    fn instrument(&self, field: &str, text: &str) -> Result<(&Tracked, &Instrument), Status> {
        let symbol = parse_symbol(field, text).map_err(field_status)?;
        let tracked = self.tracked()?;
        let instrument = tracked
            .index
            .by_symbol(&symbol)
            .ok_or_else(|| not_tracked(&self.shared, &symbol))?;
        Ok((tracked, instrument))
    }
}

/// NOT_FOUND for a symbol this connector does not track.
fn not_tracked(shared: &Shared, symbol: &Symbol) -> Status {
    Status::not_found(format!(
        "{symbol} is not tracked on {}; ListInstruments shows the symbols (QUORUM_SYMBOLS chooses them)",
        shared.venue
    ))
}

/// UNAVAILABLE while a book waits for its snapshot.
fn syncing(symbol: &Symbol) -> Status {
    Status::unavailable(format!("the {symbol} book is syncing, retry in a moment"))
}

type MarketStream = stream::MarketDataStream;

#[tonic::async_trait]
impl Exchange for ExchangeApi {
    async fn list_instruments(
        &self,
        _request: Request<ListInstrumentsRequest>,
    ) -> Result<Response<ListInstrumentsResponse>, Status> {
        let tracked = self.tracked()?;
        Ok(Response::new(ListInstrumentsResponse {
            venue: convert::venue(self.shared.venue).into(),
            instruments: tracked
                .instruments
                .iter()
                .map(convert::instrument)
                .collect(),
        }))
    }

    async fn get_order_book(
        &self,
        request: Request<GetOrderBookRequest>,
    ) -> Result<Response<GetOrderBookResponse>, Status> {
        let request = request.into_inner();
        let (tracked, instrument) = self.instrument("symbol", &request.symbol)?;
        let symbol = &instrument.symbol;
        let sync = tracked
            .books
            .get(symbol)
            .ok_or_else(|| not_tracked(&self.shared, symbol))?;
        let guard = lock(sync);
        let book = guard.book().ok_or_else(|| syncing(symbol))?;
        let (bids, asks) = book.top(request.depth as usize);
        let book = ProtoBook {
            venue: convert::venue(self.shared.venue).into(),
            symbol: symbol.to_string(),
            sequence: guard.sequence(),
            bids: convert::levels(&bids),
            asks: convert::levels(&asks),
            updated_unix_ms: guard.last_update_ms(),
        };
        Ok(Response::new(GetOrderBookResponse { book: Some(book) }))
    }

    type StreamMarketDataStream = MarketStream;

    async fn stream_market_data(
        &self,
        request: Request<StreamMarketDataRequest>,
    ) -> Result<Response<Self::StreamMarketDataStream>, Status> {
        let request = request.into_inner();
        let tracked = self.tracked()?;
        let stream = stream::open(&self.shared, tracked, &request, self.shutdown.clone())?;
        Ok(Response::new(stream))
    }

    async fn resync_book(
        &self,
        request: Request<ResyncBookRequest>,
    ) -> Result<Response<ResyncBookResponse>, Status> {
        let request = request.into_inner();
        let (_, instrument) = self.instrument("symbol", &request.symbol)?;
        let (reply, answer) = oneshot::channel();
        let command = Command::Resync {
            symbol: instrument.symbol.clone(),
            reply,
        };
        let market_loop_gone =
            || Status::unavailable("the market loop is not running; retry later");
        self.shared
            .commands
            .send_timeout(command, RESYNC_PATIENCE)
            .await
            .map_err(|_| market_loop_gone())?;
        let resyncs = tokio::time::timeout(RESYNC_PATIENCE, answer)
            .await
            .map_err(|_| market_loop_gone())?
            .map_err(|_| market_loop_gone())?;
        Ok(Response::new(ResyncBookResponse { resyncs }))
    }

    async fn get_status(
        &self,
        _request: Request<GetStatusRequest>,
    ) -> Result<Response<GetStatusResponse>, Status> {
        let books = self
            .shared
            .tracked
            .get()
            .map(|tracked| {
                tracked
                    .books
                    .iter()
                    .map(|(symbol, sync)| {
                        let guard = lock(sync);
                        let state = match guard.state() {
                            SyncState::Synced => BookState::Synced,
                            SyncState::Syncing => BookState::Syncing,
                        };
                        BookStatus {
                            symbol: symbol.to_string(),
                            state: state.into(),
                            resyncs: guard.resyncs(),
                            last_update_unix_ms: guard.last_update_ms(),
                        }
                    })
                    .collect()
            })
            .unwrap_or_default();
        Ok(Response::new(GetStatusResponse {
            venue: convert::venue(self.shared.venue).into(),
            market_source: self.shared.source.as_str().into(),
            trading_mode: self.shared.trading_mode.as_str().into(),
            books,
        }))
    }

    async fn place_order(
        &self,
        request: Request<PlaceOrderRequest>,
    ) -> Result<Response<PlaceOrderResponse>, Status> {
        let order = orders::place(self, request.into_inner()).await?;
        Ok(Response::new(PlaceOrderResponse {
            order: Some(convert::order(&order)),
        }))
    }

    async fn cancel_order(
        &self,
        request: Request<CancelOrderRequest>,
    ) -> Result<Response<CancelOrderResponse>, Status> {
        let order = orders::cancel(self, request.into_inner()).await?;
        Ok(Response::new(CancelOrderResponse {
            order: Some(convert::order(&order)),
        }))
    }

    async fn get_order(
        &self,
        request: Request<GetOrderRequest>,
    ) -> Result<Response<GetOrderResponse>, Status> {
        let order = orders::get(self, request.into_inner())?;
        Ok(Response::new(GetOrderResponse {
            order: Some(convert::order(&order)),
        }))
    }

    async fn list_open_orders(
        &self,
        request: Request<ListOpenOrdersRequest>,
    ) -> Result<Response<ListOpenOrdersResponse>, Status> {
        let orders = orders::open(self, request.into_inner())?;
        Ok(Response::new(ListOpenOrdersResponse {
            orders: orders.iter().map(convert::order).collect(),
        }))
    }

    async fn get_balances(
        &self,
        request: Request<GetBalancesRequest>,
    ) -> Result<Response<GetBalancesResponse>, Status> {
        let balances = orders::balances(self, request.into_inner())?;
        Ok(Response::new(GetBalancesResponse { balances }))
    }

    async fn get_fees(
        &self,
        request: Request<GetFeesRequest>,
    ) -> Result<Response<GetFeesResponse>, Status> {
        let request = request.into_inner();
        let (_, instrument) = self.instrument("symbol", &request.symbol)?;
        let fees = lock(&self.shared.paper).fees();
        Ok(Response::new(GetFeesResponse {
            symbol: instrument.symbol.to_string(),
            maker_rate: Some(convert::decimal(fees.maker)),
            taker_rate: Some(convert::decimal(fees.taker)),
        }))
    }
}
