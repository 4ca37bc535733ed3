//! A venue connector stand-in: one instrument (BTC-USDT), a top of book the test sets,
//! balances, orders that fill at once at the touch (idempotent by client order id), and
//! a record of the balances and resyncs it was asked for.
use std::collections::HashMap;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use quorum_proto::common::v1::Decimal;
use quorum_proto::exchange::v1 as pb;
use quorum_proto::exchange::v1::exchange_server::{Exchange, ExchangeServer};
use quorum_proto::market::v1::{OrderBook, PriceLevel, Side};
use tonic::{Request, Response, Status};

use super::lock;

/// What the fake shows and what it was asked.
#[derive(Debug, Clone)]
pub struct FakeExchangeState {
    /// `false` answers GetOrderBook with FAILED_PRECONDITION, as a syncing book does.
    pub synced: bool,
    pub best_bid: String,
    pub best_ask: String,
    /// Age of the book, in milliseconds, at every GetOrderBook.
    pub book_age_ms: i64,
    /// (asset, free, locked) of every account.
    pub balances: Vec<(String, String, String)>,
    /// The account of each GetBalances call, oldest first.
    pub balance_requests: Vec<String>,
    /// Orders by client order id.
    pub orders: HashMap<String, pb::Order>,
    /// PlaceOrder calls received, repeats included.
    pub place_calls: u64,
    /// `Some(message)`: PlaceOrder answers UNAVAILABLE, placing nothing.
    pub fail_place: Option<String>,
    /// PlaceOrder places the order but answers UNAVAILABLE, as when the answer is lost.
    pub lose_answers: bool,
    /// ResyncBook calls, oldest first.
    pub resyncs: Vec<ResyncCall>,
}

/// A ResyncBook call as the fake received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResyncCall {
    pub symbol: String,
    /// The `authorization` header, if the caller sent one.
    pub authorization: Option<String>,
}

impl Default for FakeExchangeState {
    fn default() -> Self {
        Self {
            synced: true,
            best_bid: "50000".into(),
            best_ask: "50010".into(),
            book_age_ms: 0,
            balances: vec![
                ("USDT".into(), "100000".into(), "0".into()),
                ("BTC".into(), "1".into(), "0".into()),
            ],
            balance_requests: Vec::new(),
            orders: HashMap::new(),
            place_calls: 0,
            fail_place: None,
            lose_answers: false,
            resyncs: Vec::new(),
        }
    }
}

/// A shared handle on the fake's state; clone it into the server and keep one.
#[derive(Debug, Clone, Default)]
pub struct FakeExchange {
    pub state: Arc<Mutex<FakeExchangeState>>,
}

impl FakeExchange {
    /// Serves the fake; returns its address.
    pub async fn serve(&self) -> std::net::SocketAddr {
        let router =
            tonic::transport::Server::builder().add_service(ExchangeServer::new(self.clone()));
        super::serve(router).await
    }

    /// Changes the state.
    pub fn edit(&self, change: impl FnOnce(&mut FakeExchangeState)) {
        change(&mut lock(&self.state));
    }

    /// A copy of the state.
    pub fn snapshot(&self) -> FakeExchangeState {
        lock(&self.state).clone()
    }

    /// What GetBalances answers from now on: (asset, free, locked).
    pub fn set_balances(&self, balances: &[(&str, &str, &str)]) {
        self.edit(|state| {
            state.balances = balances
                .iter()
                .map(|(asset, free, locked)| {
                    (asset.to_string(), free.to_string(), locked.to_string())
                })
                .collect();
        });
    }
}

fn decimal(value: &str) -> Option<Decimal> {
    Some(Decimal {
        value: value.to_string(),
    })
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

type Stream =
    Pin<Box<dyn futures::Stream<Item = Result<pb::StreamMarketDataResponse, Status>> + Send>>;

#[tonic::async_trait]
impl Exchange for FakeExchange {
    async fn list_instruments(
        &self,
        _request: Request<pb::ListInstrumentsRequest>,
    ) -> Result<Response<pb::ListInstrumentsResponse>, Status> {
        Ok(Response::new(pb::ListInstrumentsResponse {
            venue: 1,
            instruments: vec![pb::Instrument {
                symbol: "BTC-USDT".into(),
                venue_symbol: "BTCUSDT".into(),
                base_asset: "BTC".into(),
                quote_asset: "USDT".into(),
                tick_size: decimal("0.01"),
                lot_size: decimal("0.0001"),
                min_notional: decimal("10"),
            }],
        }))
    }

    async fn get_order_book(
        &self,
        request: Request<pb::GetOrderBookRequest>,
    ) -> Result<Response<pb::GetOrderBookResponse>, Status> {
        let state = self.snapshot();
        if request.get_ref().symbol != "BTC-USDT" {
            return Err(Status::not_found("unknown symbol"));
        }
        if !state.synced {
            return Err(Status::failed_precondition(
                "the book of BTC-USDT is syncing",
            ));
        }
        let level = |price: &str| PriceLevel {
            price: decimal(price),
            quantity: decimal("5"),
        };
        Ok(Response::new(pb::GetOrderBookResponse {
            book: Some(OrderBook {
                venue: 1,
                symbol: "BTC-USDT".into(),
                sequence: 1,
                bids: vec![level(&state.best_bid)],
                asks: vec![level(&state.best_ask)],
                updated_unix_ms: now_ms() - state.book_age_ms,
            }),
        }))
    }

    type StreamMarketDataStream = Stream;

    async fn stream_market_data(
        &self,
        _request: Request<pb::StreamMarketDataRequest>,
    ) -> Result<Response<Self::StreamMarketDataStream>, Status> {
        Err(Status::unimplemented("not scripted"))
    }

    /// Records the call; answers how many resyncs of the symbol it was asked for.
    async fn resync_book(
        &self,
        request: Request<pb::ResyncBookRequest>,
    ) -> Result<Response<pb::ResyncBookResponse>, Status> {
        let authorization = request
            .metadata()
            .get("authorization")
            .and_then(|value| value.to_str().ok())
            .map(str::to_string);
        let symbol = request.into_inner().symbol;
        let mut state = lock(&self.state);
        state.resyncs.push(ResyncCall {
            symbol: symbol.clone(),
            authorization,
        });
        let resyncs = state
            .resyncs
            .iter()
            .filter(|call| call.symbol == symbol)
            .count() as u64;
        Ok(Response::new(pb::ResyncBookResponse { resyncs }))
    }

    async fn get_status(
        &self,
        _request: Request<pb::GetStatusRequest>,
    ) -> Result<Response<pb::GetStatusResponse>, Status> {
        Err(Status::unimplemented("not scripted"))
    }

    async fn place_order(
        &self,
        request: Request<pb::PlaceOrderRequest>,
    ) -> Result<Response<pb::PlaceOrderResponse>, Status> {
        let request = request.into_inner();
        let mut state = lock(&self.state);
        state.place_calls += 1;
        if let Some(message) = state.fail_place.clone() {
            return Err(Status::unavailable(message));
        }
        if let Some(order) = state.orders.get(&request.client_order_id) {
            return Ok(Response::new(pb::PlaceOrderResponse {
                order: Some(order.clone()),
            }));
        }
        let price = if request.side == i32::from(Side::Buy) {
            state.best_ask.clone()
        } else {
            state.best_bid.clone()
        };
        let order = pb::Order {
            order_id: format!("fake-{}", state.orders.len() + 1),
            client_order_id: request.client_order_id.clone(),
            venue: 1,
            symbol: request.symbol,
            side: request.side,
            r#type: request.r#type,
            time_in_force: request.time_in_force,
            post_only: false,
            price: None,
            quantity: request.quantity.clone(),
            filled_quantity: request.quantity,
            average_price: decimal(&price),
            fee: decimal("0"),
            fee_asset: "USDT".into(),
            status: pb::OrderStatus::Filled.into(),
            reason: String::new(),
            created_at_unix_ms: now_ms(),
            updated_at_unix_ms: now_ms(),
            fills: Vec::new(),
            account: request.account,
        };
        state.orders.insert(request.client_order_id, order.clone());
        if state.lose_answers {
            return Err(Status::unavailable("connection reset before the answer"));
        }
        Ok(Response::new(pb::PlaceOrderResponse { order: Some(order) }))
    }

    async fn cancel_order(
        &self,
        _request: Request<pb::CancelOrderRequest>,
    ) -> Result<Response<pb::CancelOrderResponse>, Status> {
        Err(Status::unimplemented("not scripted"))
    }

    async fn get_order(
        &self,
        request: Request<pb::GetOrderRequest>,
    ) -> Result<Response<pb::GetOrderResponse>, Status> {
        let state = lock(&self.state);
        let request = request.into_inner();
        let found = state
            .orders
            .values()
            .find(|order| {
                (!request.client_order_id.is_empty()
                    && order.client_order_id == request.client_order_id)
                    || (!request.order_id.is_empty() && order.order_id == request.order_id)
            })
            .cloned();
        match found {
            Some(order) => Ok(Response::new(pb::GetOrderResponse { order: Some(order) })),
            None => Err(Status::not_found("no such order")),
        }
    }

    async fn list_open_orders(
        &self,
        _request: Request<pb::ListOpenOrdersRequest>,
    ) -> Result<Response<pb::ListOpenOrdersResponse>, Status> {
        Ok(Response::new(pb::ListOpenOrdersResponse {
            orders: Vec::new(),
        }))
    }

    async fn get_balances(
        &self,
        request: Request<pb::GetBalancesRequest>,
    ) -> Result<Response<pb::GetBalancesResponse>, Status> {
        let mut state = lock(&self.state);
        state.balance_requests.push(request.into_inner().account);
        let balances = state
            .balances
            .iter()
            .map(|(asset, free, locked)| pb::Balance {
                asset: asset.clone(),
                free: decimal(free),
                locked: decimal(locked),
            })
            .collect();
        Ok(Response::new(pb::GetBalancesResponse { balances }))
    }

    async fn get_fees(
        &self,
        _request: Request<pb::GetFeesRequest>,
    ) -> Result<Response<pb::GetFeesResponse>, Status> {
        Err(Status::unimplemented("not scripted"))
    }
}
