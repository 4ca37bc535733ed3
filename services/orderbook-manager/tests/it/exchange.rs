//! A minimal venue connector on 127.0.0.1: it records ResyncBook calls and answers
//! UNIMPLEMENTED to everything else.
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use futures::Stream;
use quorum_proto::exchange::v1::exchange_server::{Exchange, ExchangeServer};
use quorum_proto::exchange::v1::*;
use tokio::net::TcpListener;
use tokio_stream::wrappers::TcpListenerStream;
use tonic::{Request, Response, Status};

/// A ResyncBook call as the connector received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResyncCall {
    pub symbol: String,
    /// The `authorization` header, if the caller sent one.
    pub authorization: Option<String>,
}

/// A running fake connector.
pub struct FakeExchange {
    pub url: String,
    calls: Arc<Mutex<Vec<ResyncCall>>>,
    server: tokio::task::JoinHandle<()>,
}

impl FakeExchange {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let calls = Arc::new(Mutex::new(Vec::new()));
        let service = Recorder {
            calls: calls.clone(),
        };
        let server = tokio::spawn(async move {
            tonic::transport::Server::builder()
                .add_service(ExchangeServer::new(service))
                .serve_with_incoming(TcpListenerStream::new(listener))
                .await
                .unwrap();
        });
        Self { url, calls, server }
    }

    /// ResyncBook calls so far, oldest first.
    pub fn calls(&self) -> Vec<ResyncCall> {
        self.calls.lock().unwrap().clone()
    }
}

impl Drop for FakeExchange {
    fn drop(&mut self) {
        self.server.abort();
    }
}

struct Recorder {
    calls: Arc<Mutex<Vec<ResyncCall>>>,
}

type MarketDataStream =
    Pin<Box<dyn Stream<Item = Result<StreamMarketDataResponse, Status>> + Send>>;

fn unimplemented<T>() -> Result<Response<T>, Status> {
    Err(Status::unimplemented("not part of this test connector"))
}

#[tonic::async_trait]
impl Exchange for Recorder {
    async fn resync_book(
        &self,
        request: Request<ResyncBookRequest>,
    ) -> Result<Response<ResyncBookResponse>, Status> {
        let authorization = request
            .metadata()
            .get("authorization")
            .and_then(|value| value.to_str().ok())
            .map(str::to_string);
        let symbol = request.into_inner().symbol;
        let mut calls = self.calls.lock().unwrap();
        calls.push(ResyncCall {
            symbol: symbol.clone(),
            authorization,
        });
        let resyncs = calls.iter().filter(|call| call.symbol == symbol).count() as u64;
        Ok(Response::new(ResyncBookResponse { resyncs }))
    }

    async fn list_instruments(
        &self,
        _: Request<ListInstrumentsRequest>,
    ) -> Result<Response<ListInstrumentsResponse>, Status> {
        unimplemented()
    }

    async fn get_order_book(
        &self,
        _: Request<GetOrderBookRequest>,
    ) -> Result<Response<GetOrderBookResponse>, Status> {
        unimplemented()
    }

    type StreamMarketDataStream = MarketDataStream;

    async fn stream_market_data(
        &self,
        _: Request<StreamMarketDataRequest>,
    ) -> Result<Response<Self::StreamMarketDataStream>, Status> {
        unimplemented()
    }

    async fn get_status(
        &self,
        _: Request<GetStatusRequest>,
    ) -> Result<Response<GetStatusResponse>, Status> {
        unimplemented()
    }

    async fn place_order(
        &self,
        _: Request<PlaceOrderRequest>,
    ) -> Result<Response<PlaceOrderResponse>, Status> {
        unimplemented()
    }

    async fn cancel_order(
        &self,
        _: Request<CancelOrderRequest>,
    ) -> Result<Response<CancelOrderResponse>, Status> {
        unimplemented()
    }

    async fn get_order(
        &self,
        _: Request<GetOrderRequest>,
    ) -> Result<Response<GetOrderResponse>, Status> {
        unimplemented()
    }

    async fn list_open_orders(
        &self,
        _: Request<ListOpenOrdersRequest>,
    ) -> Result<Response<ListOpenOrdersResponse>, Status> {
        unimplemented()
    }

    async fn get_balances(
        &self,
        _: Request<GetBalancesRequest>,
    ) -> Result<Response<GetBalancesResponse>, Status> {
        unimplemented()
    }

    async fn get_fees(
        &self,
        _: Request<GetFeesRequest>,
    ) -> Result<Response<GetFeesResponse>, Status> {
        unimplemented()
    }
}
