//! Small in-test peers on 127.0.0.1 with scripted answers: portfolio-manager
//! (GetPortfolio, GetEquityHistory), price-feed (GetQuote) and trade-history
//! (GetCandles). Everything else answers UNIMPLEMENTED.
use std::collections::HashMap;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use futures::Stream;
use quorum_proto::common::v1::Decimal;
use quorum_proto::market::v1::Candle;
use quorum_proto::marketdata::v1 as marketdata;
use quorum_proto::marketdata::v1::price_feed_service_server::{
    PriceFeedService, PriceFeedServiceServer,
};
use quorum_proto::marketdata::v1::trade_history_service_server::{
    TradeHistoryService, TradeHistoryServiceServer,
};
use quorum_proto::trading::v1 as trading;
use quorum_proto::trading::v1::portfolio_service_server::{
    PortfolioService, PortfolioServiceServer,
};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_stream::wrappers::TcpListenerStream;
use tonic::service::Routes;
use tonic::{Request, Response, Status, Streaming};

pub fn decimal(value: &str) -> Option<Decimal> {
    Some(Decimal {
        value: value.into(),
    })
}

/// What the fakes answer; tests change it while the service runs.
#[derive(Debug, Default)]
pub struct Script {
    /// Portfolio per account; unknown accounts are NOT_FOUND.
    pub portfolios: HashMap<String, trading::Portfolio>,
    /// First equity of the UTC day per account, served by GetEquityHistory.
    pub day_start_equity: HashMap<String, String>,
    /// Quotes per symbol; unknown symbols are NOT_FOUND.
    pub quotes: HashMap<String, marketdata::Quote>,
    /// Candles per symbol, served when their open time is in the asked range.
    pub candles: HashMap<String, Vec<Candle>>,
    /// GetPortfolio calls received.
    pub portfolio_calls: usize,
}

pub type Shared = Arc<Mutex<Script>>;

/// The three fake peers on one script.
pub struct Fakes {
    pub script: Shared,
    pub portfolio_url: String,
    pub price_feed_url: String,
    pub trade_history_url: String,
    servers: Vec<JoinHandle<()>>,
}

impl Fakes {
    pub async fn start() -> Self {
        let script = Shared::default();
        let (portfolio_url, portfolio) = serve(Routes::new(PortfolioServiceServer::new(
            FakePortfolio(script.clone()),
        )))
        .await;
        let (price_feed_url, price_feed) = serve(Routes::new(PriceFeedServiceServer::new(
            FakePriceFeed(script.clone()),
        )))
        .await;
        let (trade_history_url, trade_history) = serve(Routes::new(
            TradeHistoryServiceServer::new(FakeTradeHistory(script.clone())),
        ))
        .await;
        Self {
            script,
            portfolio_url,
            price_feed_url,
            trade_history_url,
            servers: vec![portfolio, price_feed, trade_history],
        }
    }

    pub fn edit(&self, change: impl FnOnce(&mut Script)) {
        change(&mut self.script.lock().unwrap());
    }
}

impl Drop for Fakes {
    fn drop(&mut self) {
        for server in &self.servers {
            server.abort();
        }
    }
}

async fn serve(routes: Routes) -> (String, JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let handle = tokio::spawn(async move {
        tonic::transport::Server::builder()
            .add_routes(routes)
            .serve_with_incoming(TcpListenerStream::new(listener))
            .await
            .unwrap();
    });
    (url, handle)
}

fn unimplemented<T>() -> Result<Response<T>, Status> {
    Err(Status::unimplemented("not part of this test peer"))
}

type BoxStream<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send>>;

struct FakePortfolio(Shared);

#[tonic::async_trait]
impl PortfolioService for FakePortfolio {
    async fn get_portfolio(
        &self,
        request: Request<trading::GetPortfolioRequest>,
    ) -> Result<Response<trading::GetPortfolioResponse>, Status> {
        let account = request.into_inner().account;
        let mut script = self.0.lock().unwrap();
        script.portfolio_calls += 1;
        let portfolio = script
            .portfolios
            .get(&account)
            .cloned()
            .ok_or_else(|| Status::not_found(format!("no account {account}")))?;
        Ok(Response::new(trading::GetPortfolioResponse {
            portfolio: Some(portfolio),
        }))
    }

    async fn get_equity_history(
        &self,
        request: Request<trading::GetEquityHistoryRequest>,
    ) -> Result<Response<trading::GetEquityHistoryResponse>, Status> {
        let request = request.into_inner();
        let script = self.0.lock().unwrap();
        let from = request.range.map(|range| range.from_unix_ms).unwrap_or(0);
        let points = script
            .day_start_equity
            .get(&request.account)
            .map(|equity| trading::EquityPoint {
                at_unix_ms: from,
                equity: decimal(equity),
                ..Default::default()
            })
            .into_iter()
            .collect();
        Ok(Response::new(trading::GetEquityHistoryResponse {
            points,
            next_page_token: String::new(),
        }))
    }

    async fn get_positions(
        &self,
        _: Request<trading::GetPositionsRequest>,
    ) -> Result<Response<trading::GetPositionsResponse>, Status> {
        unimplemented()
    }

    async fn get_pnl(
        &self,
        _: Request<trading::GetPnlRequest>,
    ) -> Result<Response<trading::GetPnlResponse>, Status> {
        unimplemented()
    }

    type StreamPortfolioStream = BoxStream<trading::StreamPortfolioResponse>;

    async fn stream_portfolio(
        &self,
        _: Request<trading::StreamPortfolioRequest>,
    ) -> Result<Response<Self::StreamPortfolioStream>, Status> {
        unimplemented()
    }

    async fn apply_fill(
        &self,
        _: Request<trading::ApplyFillRequest>,
    ) -> Result<Response<trading::ApplyFillResponse>, Status> {
        unimplemented()
    }

    async fn record_transfer(
        &self,
        _: Request<trading::RecordTransferRequest>,
    ) -> Result<Response<trading::RecordTransferResponse>, Status> {
        unimplemented()
    }

    async fn reconcile(
        &self,
        _: Request<trading::ReconcileRequest>,
    ) -> Result<Response<trading::ReconcileResponse>, Status> {
        unimplemented()
    }
}

struct FakePriceFeed(Shared);

#[tonic::async_trait]
impl PriceFeedService for FakePriceFeed {
    async fn get_quote(
        &self,
        request: Request<marketdata::GetQuoteRequest>,
    ) -> Result<Response<marketdata::GetQuoteResponse>, Status> {
        let symbol = request.into_inner().symbol;
        let quote = self
            .0
            .lock()
            .unwrap()
            .quotes
            .get(&symbol)
            .cloned()
            .ok_or_else(|| Status::not_found(format!("no quote of {symbol}")))?;
        Ok(Response::new(marketdata::GetQuoteResponse {
            quote: Some(quote),
        }))
    }

    async fn get_quotes(
        &self,
        _: Request<marketdata::GetQuotesRequest>,
    ) -> Result<Response<marketdata::GetQuotesResponse>, Status> {
        unimplemented()
    }

    type StreamQuotesStream = BoxStream<marketdata::StreamQuotesResponse>;

    async fn stream_quotes(
        &self,
        _: Request<marketdata::StreamQuotesRequest>,
    ) -> Result<Response<Self::StreamQuotesStream>, Status> {
        unimplemented()
    }
}

struct FakeTradeHistory(Shared);

#[tonic::async_trait]
impl TradeHistoryService for FakeTradeHistory {
    async fn get_candles(
        &self,
        request: Request<marketdata::GetCandlesRequest>,
    ) -> Result<Response<marketdata::GetCandlesResponse>, Status> {
        let request = request.into_inner();
        let range = request.range.unwrap_or_default();
        let candles = self
            .0
            .lock()
            .unwrap()
            .candles
            .get(&request.symbol)
            .map(|candles| {
                candles
                    .iter()
                    .filter(|candle| {
                        (range.from_unix_ms..range.to_unix_ms).contains(&candle.open_time_unix_ms)
                    })
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        Ok(Response::new(marketdata::GetCandlesResponse { candles }))
    }

    async fn query_trades(
        &self,
        _: Request<marketdata::QueryTradesRequest>,
    ) -> Result<Response<marketdata::QueryTradesResponse>, Status> {
        unimplemented()
    }

    async fn import_trades(
        &self,
        _: Request<Streaming<marketdata::ImportTradesRequest>>,
    ) -> Result<Response<marketdata::ImportTradesResponse>, Status> {
        unimplemented()
    }
}
