//! What every test needs: a fresh database, a private Redis, the service, and helpers
//! to make trades, import them and read the table directly.
use std::future::Future;

use quorum_kit::KitConfig;
use quorum_proto::common::v1::{Decimal, PageRequest, TimeRange};
use quorum_proto::market::v1 as market;
use quorum_proto::marketdata::v1::trade_history_service_client::TradeHistoryServiceClient;
use quorum_proto::marketdata::v1::{
    ImportTradesRequest, ImportTradesResponse, QueryTradesRequest, QueryTradesResponse,
};
use quorum_testkit::{TestDatabase, TestRedis, TestServer};
use sqlx::PgPool;
use tonic::transport::Channel;
use trade_history::{Config, SERVICE, start};

pub use quorum_testkit::eventually;

pub type Client = TradeHistoryServiceClient<Channel>;

/// 2023-11-15T00:00:00Z, the start of a UTC day.
pub const DAY_START: i64 = 1_700_006_400_000;

pub struct Harness {
    pub db: TestDatabase,
    pub redis: TestRedis,
    pub server: TestServer,
    pub client: Client,
    pub config: Config,
}

impl Harness {
    /// The service with default settings.
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    /// The service with the settings `edit` makes to the defaults.
    pub async fn start_with(edit: impl FnOnce(&mut Config)) -> Self {
        let db = TestDatabase::create().await;
        let redis = TestRedis::start().await;
        let mut config = Config::new(db.url.clone(), redis.url.clone());
        edit(&mut config);
        Self::serve(db, redis, config).await
    }

    /// Stops the service gracefully, runs `while_down`, and starts it again with the same
    /// settings on the same database and Redis.
    pub async fn restart<F, Fut>(self, while_down: F) -> Self
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = ()>,
    {
        let Self {
            db,
            redis,
            server,
            config,
            ..
        } = self;
        server.stop().await.unwrap();
        while_down().await;
        Self::serve(db, redis, config).await
    }

    async fn serve(db: TestDatabase, redis: TestRedis, config: Config) -> Self {
        let settings = config.clone();
        let server = TestServer::start(SERVICE, KitConfig::for_tests(), move |kit| {
            start(kit, settings)
        })
        .await;
        let client = TradeHistoryServiceClient::new(server.channel());
        Self {
            db,
            redis,
            server,
            client,
            config,
        }
    }

    /// Imports `batches` as one stream with the importer role.
    pub async fn import(&mut self, batches: Vec<Vec<market::Trade>>) -> ImportTradesResponse {
        self.try_import(batches).await.unwrap()
    }

    pub async fn try_import(
        &mut self,
        batches: Vec<Vec<market::Trade>>,
    ) -> Result<ImportTradesResponse, tonic::Status> {
        let messages: Vec<ImportTradesRequest> = batches
            .into_iter()
            .map(|trades| ImportTradesRequest { trades })
            .collect();
        let request = self
            .server
            .request(tokio_stream::iter(messages), &["importer"]);
        self.client
            .import_trades(request)
            .await
            .map(|response| response.into_inner())
    }

    pub async fn query(
        &mut self,
        request: QueryTradesRequest,
    ) -> Result<QueryTradesResponse, tonic::Status> {
        let request = self.server.request(request, &["trader"]);
        self.client
            .query_trades(request)
            .await
            .map(|response| response.into_inner())
    }

    /// Every page of a query, in the order received, with the number of pages.
    pub async fn query_all(
        &mut self,
        mut request: QueryTradesRequest,
        page_size: u32,
    ) -> (Vec<market::Trade>, usize) {
        let mut trades = Vec::new();
        let mut pages = 0;
        let mut token = String::new();
        loop {
            request.page = Some(PageRequest {
                page_size,
                page_token: token.clone(),
            });
            let page = self.query(request.clone()).await.unwrap();
            pages += 1;
            assert!(page.trades.len() <= page_size as usize);
            trades.extend(page.trades);
            if page.next_page_token.is_empty() {
                return (trades, pages);
            }
            token = page.next_page_token;
            assert!(pages < 10_000, "pagination does not end");
        }
    }

    /// A direct connection to the service's database, as an operator would have.
    pub async fn sql(&self) -> PgPool {
        PgPool::connect(&self.db.url).await.unwrap()
    }

    /// Rows in the trades table.
    pub async fn stored(&self) -> i64 {
        let pool = self.sql().await;
        let count = sqlx::query_scalar("SELECT count(*) FROM trade_history.trades")
            .fetch_one(&pool)
            .await
            .unwrap();
        pool.close().await;
        count
    }
}

/// A valid trade.
pub fn trade(
    venue: market::Venue,
    symbol: &str,
    trade_id: &str,
    at_ms: i64,
    price: &str,
    quantity: &str,
) -> market::Trade {
    market::Trade {
        venue: venue as i32,
        symbol: symbol.into(),
        trade_id: trade_id.into(),
        price: Some(Decimal {
            value: price.into(),
        }),
        quantity: Some(Decimal {
            value: quantity.into(),
        }),
        taker_side: market::Side::Buy as i32,
        traded_at_unix_ms: at_ms,
    }
}

pub fn range(from_ms: i64, to_ms: i64) -> Option<TimeRange> {
    Some(TimeRange {
        from_unix_ms: from_ms,
        to_unix_ms: to_ms,
    })
}
