//! An in-test price-feed on 127.0.0.1 serving scripted quotes (and every change to
//! them), which can start late at a reserved address. The venue connector is
//! quorum_testkit's `FakeExchange`.
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;

use futures::{Stream, StreamExt};
use quorum_proto::common::v1 as common;
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
