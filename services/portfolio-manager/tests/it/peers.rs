//! Small in-test peers on 127.0.0.1: a price-feed serving scripted quotes (and every
//! change to them) and a venue connector answering GetBalances with scripted balances.
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use futures::{Stream, StreamExt};
use quorum_proto::common::v1 as common;
use quorum_proto::exchange::v1::exchange_server::{Exchange, ExchangeServer};
use quorum_proto::exchange::v1::*;
use quorum_proto::marketdata::v1::price_feed_service_server::{
    PriceFeedService, PriceFeedServiceServer,
};
use quorum_proto::marketdata::v1::{
    GetQuoteRequest, GetQuoteResponse, GetQuotesRequest, GetQuotesResponse, Quote,
    StreamQuotesRequest, StreamQuotesResponse,
};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio_stream::wrappers::TcpListenerStream;
use tonic::{Request, Response, Status};

/// A free loopback address nothing listens on (yet).
pub async fn free_address() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    listener.local_addr().unwrap()
}

// ---- price-feed --------------------------------------------------------------------

/// A price-feed whose quotes the test sets.
pub struct FakePriceFeed {
    pub url: String,
    quotes: Arc<watch::Sender<BTreeMap<String, Quote>>>,
    server: tokio::task::JoinHandle<()>,
}

impl FakePriceFeed {
    pub async fn start() -> Self {
        Self::start_at(free_address().await).await
    }

    /// Serves on `address` (one a test reserved to start the feed late).
    pub async fn start_at(address: SocketAddr) -> Self {
        let listener = TcpListener::bind(address).await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let quotes = Arc::new(watch::Sender::new(BTreeMap::new()));
        let service = PriceFeedServiceServer::new(Quotes {
            quotes: quotes.clone(),
        });
        let server = tokio::spawn(async move {
            tonic::transport::Server::builder()
                .add_service(service)
                .serve_with_incoming(TcpListenerStream::new(listener))
                .await
                .unwrap();
        });
        Self {
            url,
            quotes,
            server,
        }
    }

    /// Sets a symbol's quote with this mid (`None`: a quote without a mid).
    pub fn quote(&self, symbol: &str, mid: Option<&str>, at_ms: i64) {
        let quote = Quote {
            symbol: symbol.into(),
            mid: mid.map(|value| common::Decimal {
                value: value.into(),
            }),
            updated_unix_ms: at_ms,
            ..Quote::default()
        };
        self.quotes.send_modify(|quotes| {
            quotes.insert(symbol.into(), quote);
        });
    }
}

impl Drop for FakePriceFeed {
    fn drop(&mut self) {
        self.server.abort();
    }
}

#[derive(Clone)]
struct Quotes {
    quotes: Arc<watch::Sender<BTreeMap<String, Quote>>>,
}

type QuoteStream = Pin<Box<dyn Stream<Item = Result<StreamQuotesResponse, Status>> + Send>>;

#[tonic::async_trait]
impl PriceFeedService for Quotes {
    async fn get_quote(
        &self,
        request: Request<GetQuoteRequest>,
    ) -> Result<Response<GetQuoteResponse>, Status> {
        let symbol = request.into_inner().symbol;
        let quote = self.quotes.borrow().get(&symbol).cloned();
        match quote {
            Some(quote) => Ok(Response::new(GetQuoteResponse { quote: Some(quote) })),
            None => Err(Status::not_found(symbol)),
        }
    }

    async fn get_quotes(
        &self,
        _: Request<GetQuotesRequest>,
    ) -> Result<Response<GetQuotesResponse>, Status> {
        let quotes = self.quotes.borrow().values().cloned().collect();
        Ok(Response::new(GetQuotesResponse { quotes }))
    }

    type StreamQuotesStream = QuoteStream;

    /// Every quote now, then every quote again after each change.
    async fn stream_quotes(
        &self,
        _: Request<StreamQuotesRequest>,
    ) -> Result<Response<Self::StreamQuotesStream>, Status> {
        let mut changes = self.quotes.subscribe();
        changes.mark_changed();
        let batches = futures::stream::unfold(changes, |mut changes| async move {
            changes.changed().await.ok()?;
            let quotes: Vec<Quote> = changes.borrow_and_update().values().cloned().collect();
            Some((quotes, changes))
        });
        let stream = batches.flat_map(|quotes| {
            futures::stream::iter(
                quotes
                    .into_iter()
                    .map(|quote| Ok(StreamQuotesResponse { quote: Some(quote) })),
            )
        });
        Ok(Response::new(Box::pin(stream)))
    }
}

// ---- venue connector ---------------------------------------------------------------

/// A venue connector answering GetBalances with what the test scripted.
pub struct FakeExchange {
    pub url: String,
    balances: Arc<Mutex<Vec<(String, String, String)>>>,
    accounts: Arc<Mutex<Vec<String>>>,
    server: tokio::task::JoinHandle<()>,
}

impl FakeExchange {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let balances = Arc::new(Mutex::new(Vec::new()));
        let accounts = Arc::new(Mutex::new(Vec::new()));
        let service = ExchangeServer::new(Balances {
            balances: balances.clone(),
            accounts: accounts.clone(),
        });
        let server = tokio::spawn(async move {
            tonic::transport::Server::builder()
                .add_service(service)
                .serve_with_incoming(TcpListenerStream::new(listener))
                .await
                .unwrap();
        });
        Self {
            url,
            balances,
            accounts,
            server,
        }
    }

    /// What GetBalances answers from now on: (asset, free, locked).
    pub fn set_balances(&self, balances: &[(&str, &str, &str)]) {
        *self.balances.lock().unwrap() = balances
            .iter()
            .map(|(asset, free, locked)| (asset.to_string(), free.to_string(), locked.to_string()))
            .collect();
    }

    /// The accounts GetBalances was asked about, oldest first.
    pub fn asked(&self) -> Vec<String> {
        self.accounts.lock().unwrap().clone()
    }
}

impl Drop for FakeExchange {
    fn drop(&mut self) {
        self.server.abort();
    }
}

#[derive(Clone)]
struct Balances {
    balances: Arc<Mutex<Vec<(String, String, String)>>>,
    accounts: Arc<Mutex<Vec<String>>>,
}

type MarketDataStream =
    Pin<Box<dyn Stream<Item = Result<StreamMarketDataResponse, Status>> + Send>>;

fn unimplemented<T>() -> Result<Response<T>, Status> {
    Err(Status::unimplemented("not part of this test connector"))
}

#[tonic::async_trait]
impl Exchange for Balances {
    async fn get_balances(
        &self,
        request: Request<GetBalancesRequest>,
    ) -> Result<Response<GetBalancesResponse>, Status> {
        self.accounts
            .lock()
            .unwrap()
            .push(request.into_inner().account);
        let decimal = |value: &str| {
            Some(common::Decimal {
                value: value.into(),
            })
        };
        let balances = self
            .balances
            .lock()
            .unwrap()
            .iter()
            .map(|(asset, free, locked)| Balance {
                asset: asset.clone(),
                free: decimal(free),
                locked: decimal(locked),
            })
            .collect();
        Ok(Response::new(GetBalancesResponse { balances }))
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

    async fn resync_book(
        &self,
        _: Request<ResyncBookRequest>,
    ) -> Result<Response<ResyncBookResponse>, Status> {
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

    async fn get_fees(
        &self,
        _: Request<GetFeesRequest>,
    ) -> Result<Response<GetFeesResponse>, Status> {
        unimplemented()
    }
}
