//! What every test needs: a fresh database, a private Redis, in-test peers, the service,
//! and helpers to publish fills, call the RPCs and wait for effects.
use std::time::Duration;

use portfolio_manager::{Config, SERVICE, start};
use quorum_bus::Bus;
use quorum_domain::topics::EXECUTION_FILLS;
use quorum_domain::{Decimal, Fill, Liquidity, Side, Venue};
use quorum_kit::KitConfig;
use quorum_proto::common::v1 as common;
use quorum_proto::trading::v1::portfolio_service_client::PortfolioServiceClient;
use quorum_proto::trading::v1::*;
use quorum_testkit::fakes::{self, FakeExchange};
use quorum_testkit::{TestDatabase, TestRedis, TestServer};
use tonic::Status;
use tonic::transport::Channel;

use crate::peers::FakePriceFeed;

pub use quorum_testkit::eventually;

pub type Client = PortfolioServiceClient<Channel>;

pub const PATIENCE: Duration = Duration::from_secs(15);
/// 2023-11-14T22:13:20Z.
pub const T0: i64 = 1_700_000_000_000;

pub struct Harness {
    pub db: TestDatabase,
    pub redis: TestRedis,
    pub server: TestServer,
    pub client: Client,
    pub bus: Bus,
    pub price_feed: FakePriceFeed,
    /// Answers for binance-api; okx-api points where nothing listens.
    pub binance: FakeExchange,
    pub config: Config,
}

impl Harness {
    /// The service with its peers in the test, an equity point a minute and streams
    /// that may send every 10 ms.
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    /// Like [`Harness::start`], with the config changed by `edit` first.
    pub async fn start_with(edit: impl FnOnce(&mut Config)) -> Self {
        let db = TestDatabase::create().await;
        let redis = TestRedis::start().await;
        let price_feed = FakePriceFeed::start().await;
        let binance = FakeExchange::default();
        let mut config = Config::new(db.url.clone(), redis.url.clone());
        config.peers.price_feed_addr = Some(price_feed.url.clone());
        config.peers.connectors.binance_api_addr = Some(fakes::url(binance.serve().await));
        config.peers.connectors.okx_api_addr = Some("http://127.0.0.1:1".into());
        config.stream_interval_ms = 10;
        config.reconcile_timeout_ms = 2000;
        edit(&mut config);
        let server = serve(config.clone()).await;
        let client = PortfolioServiceClient::new(server.channel());
        let bus = Bus::connect(&redis.url, "quorum").await.unwrap();
        Self {
            db,
            redis,
            server,
            client,
            bus,
            price_feed,
            binance,
            config,
        }
    }

    /// Stops the service, then starts a new instance on the same database and Redis.
    pub async fn restart(self) -> Self {
        let Self {
            db,
            redis,
            server,
            bus,
            price_feed,
            binance,
            config,
            ..
        } = self;
        server.stop().await.unwrap();
        let server = serve(config.clone()).await;
        let client = PortfolioServiceClient::new(server.channel());
        Self {
            db,
            redis,
            server,
            client,
            bus,
            price_feed,
            binance,
            config,
        }
    }

    pub async fn publish(&self, fill: &Fill) {
        self.bus.publish(EXECUTION_FILLS, fill).await.unwrap();
    }

    pub async fn apply_fill(&self, fill: &Fill) -> Result<bool, Status> {
        let request = ApplyFillRequest {
            fill: Some(quorum_domain::convert::fill(fill)),
        };
        self.client
            .clone()
            .apply_fill(self.server.request(request, &["service"]))
            .await
            .map(|response| response.into_inner().applied)
    }

    /// Records a transfer as an admin.
    pub async fn transfer(
        &self,
        id: &str,
        account: &str,
        venue: Venue,
        asset: &str,
        amount: &str,
    ) -> bool {
        let request = RecordTransferRequest {
            transfer_id: id.into(),
            account: account.into(),
            venue: venue_number(venue),
            asset: asset.into(),
            amount: decimal(amount),
            memo: "opening balance".into(),
        };
        self.client
            .clone()
            .record_transfer(self.server.request(request, &["admin"]))
            .await
            .unwrap()
            .into_inner()
            .applied
    }

    pub async fn portfolio(&self, account: &str) -> Result<Portfolio, Status> {
        let request = GetPortfolioRequest {
            account: account.into(),
            venue: 0,
        };
        self.client
            .clone()
            .get_portfolio(self.server.request(request, &["viewer"]))
            .await
            .map(|response| response.into_inner().portfolio.unwrap())
    }

    /// Waits until `account` has applied `fills` fills and returns its portfolio.
    pub async fn portfolio_after(&self, account: &str, fills: u64) -> Portfolio {
        let what = format!("{account} with {fills} fills");
        eventually(&what, PATIENCE, || async {
            let portfolio = self.portfolio(account).await.ok()?;
            (portfolio.fills == fills).then_some(portfolio)
        })
        .await
    }
}

async fn serve(config: Config) -> TestServer {
    TestServer::start(SERVICE, KitConfig::for_tests(), move |kit| {
        start(kit, config)
    })
    .await
}

/// A fill of `alice` on binance at T0, its fee in USDT.
pub fn fill(id: &str, symbol: &str, side: Side, quantity: &str, price: &str, fee: &str) -> Fill {
    Fill {
        fill_id: id.into(),
        order_id: format!("order-{id}"),
        account: "alice".into(),
        venue: Venue::Binance,
        symbol: symbol.parse().unwrap(),
        side,
        price: number(price),
        quantity: number(quantity),
        fee: number(fee),
        fee_asset: "USDT".into(),
        liquidity: Liquidity::Taker,
        filled_at_ms: T0,
    }
}

pub fn number(text: &str) -> Decimal {
    text.parse().unwrap()
}

pub fn decimal(text: &str) -> Option<common::Decimal> {
    Some(common::Decimal { value: text.into() })
}

/// The decimal of a message field; panics when it is unset.
pub fn value(field: &Option<common::Decimal>) -> Decimal {
    number(&field.as_ref().expect("the field is set").value)
}

pub fn venue_number(venue: Venue) -> i32 {
    quorum_domain::convert::venue(venue) as i32
}

/// The quantity of `asset` among a portfolio's balances.
pub fn balance(portfolio: &Portfolio, asset: &str) -> Option<Decimal> {
    portfolio
        .balances
        .iter()
        .find(|balance| balance.asset == asset)
        .map(|balance| value(&balance.quantity))
}

/// The fields a BadRequest names.
pub fn violated_fields(status: &Status) -> Vec<String> {
    use tonic_types::StatusExt;
    status
        .get_error_details()
        .bad_request()
        .map(|bad| {
            bad.field_violations
                .iter()
                .map(|violation| violation.field.clone())
                .collect()
        })
        .unwrap_or_default()
}
