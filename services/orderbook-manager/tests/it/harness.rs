//! What every test needs: a private Redis, fake connectors, the service, and helpers to
//! publish book updates and read books back.
use std::time::Duration;

use orderbook_manager::{Config, SERVICE, start};
use quorum_bus::Bus;
use quorum_domain::topics::MARKET_BOOK;
use quorum_domain::{BookUpdate, Decimal, Level, Venue};
use quorum_kit::KitConfig;
use quorum_proto::market::v1 as market;
use quorum_proto::marketdata::v1::order_book_service_client::OrderBookServiceClient;
use quorum_proto::marketdata::v1::{GetBookRequest, GetBookResponse};
use quorum_testkit::fakes::{self, FakeExchange};
use quorum_testkit::{TestRedis, TestServer};
use tonic::Status;
use tonic::transport::Channel;

pub use quorum_testkit::eventually;

pub type Client = OrderBookServiceClient<Channel>;

pub const PATIENCE: Duration = Duration::from_secs(15);

pub struct Harness {
    pub redis: TestRedis,
    pub server: TestServer,
    pub client: Client,
    pub bus: Bus,
    pub binance: FakeExchange,
    pub coinbase: FakeExchange,
}

impl Harness {
    /// The service with binance-api and coinbase-api at fake connectors, okx-api at an
    /// address where nothing listens, and a resync interval long enough that a test sees
    /// at most one resync per book.
    pub async fn start() -> Self {
        let redis = TestRedis::start().await;
        let binance = FakeExchange::default();
        let coinbase = FakeExchange::default();
        let mut config = Config::new(redis.url.clone());
        config.connectors.binance_api_addr = Some(fakes::url(binance.serve().await));
        config.connectors.coinbase_api_addr = Some(fakes::url(coinbase.serve().await));
        config.connectors.okx_api_addr = Some("http://127.0.0.1:1".into());
        config.resync_interval_ms = 60_000;
        config.resync_max_interval_ms = 120_000;
        config.resync_timeout_ms = 2_000;
        let server = TestServer::start(SERVICE, KitConfig::for_tests(), move |kit| {
            start(kit, config)
        })
        .await;
        let client = OrderBookServiceClient::new(server.channel());
        let bus = Bus::connect(&redis.url, "quorum").await.unwrap();
        let harness = Self {
            redis,
            server,
            client,
            bus,
            binance,
            coinbase,
        };
        // The group starts at the latest message, so updates published before it
        // exists would never arrive.
        let stream = harness.bus.stream_key(MARKET_BOOK);
        harness.redis.wait_for_group(&stream).await;
        harness
    }

    pub async fn publish(&self, update: &BookUpdate) {
        self.bus.publish(MARKET_BOOK, update).await.unwrap();
    }

    pub async fn get_book(
        &self,
        venue: market::Venue,
        symbol: &str,
        depth: u32,
    ) -> Result<GetBookResponse, Status> {
        let request = GetBookRequest {
            venue: venue.into(),
            symbol: symbol.into(),
            depth,
        };
        let request = self.server.request(request, &["viewer"]);
        self.client
            .clone()
            .get_book(request)
            .await
            .map(|response| response.into_inner())
    }

    /// Waits until GetBook of `venue` answers with `sequence` (the update was applied).
    pub async fn book_at(
        &self,
        venue: market::Venue,
        symbol: &str,
        sequence: u64,
    ) -> GetBookResponse {
        let what = format!("{venue:?} {symbol} at sequence {sequence}");
        eventually(&what, PATIENCE, || async {
            let response = self.get_book(venue, symbol, 0).await.ok()?;
            (response.book.as_ref()?.sequence == sequence).then_some(response)
        })
        .await
    }

    /// Waits until GetBook of `venue` fails with `code` and returns the status.
    pub async fn book_fails(
        &self,
        venue: market::Venue,
        symbol: &str,
        code: tonic::Code,
    ) -> Status {
        let what = format!("{venue:?} {symbol} to answer {code:?}");
        eventually(&what, PATIENCE, || async {
            let status = self.get_book(venue, symbol, 0).await.err()?;
            (status.code() == code).then_some(status)
        })
        .await
    }

    /// The service's /metrics text.
    pub async fn metrics(&self) -> String {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut stream = tokio::net::TcpStream::connect(self.server.admin_addr)
            .await
            .unwrap();
        let request = "GET /metrics HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut text = String::new();
        stream.read_to_string(&mut text).await.unwrap();
        text
    }

    /// The value of the `orderbook_resyncs` counter of `venue` and `outcome`.
    pub async fn resyncs(&self, venue: &str, outcome: &str) -> u64 {
        let text = self.metrics().await;
        text.lines()
            .filter(|line| line.starts_with("orderbook_resyncs_total{"))
            .filter(|line| line.contains(&format!("venue=\"{venue}\"")))
            .filter(|line| line.contains(&format!("outcome=\"{outcome}\"")))
            .filter_map(|line| line.rsplit(' ').next()?.parse().ok())
            .next()
            .unwrap_or(0)
    }
}

/// A book update of BTC-USDT.
pub fn update(
    venue: Venue,
    sequence: u64,
    snapshot: bool,
    bids: &[(&str, &str)],
    asks: &[(&str, &str)],
) -> BookUpdate {
    BookUpdate {
        venue,
        symbol: "BTC-USDT".parse().unwrap(),
        sequence,
        snapshot,
        bids: levels(bids),
        asks: levels(asks),
        event_ms: 1_700_000_000_000 + sequence as i64,
    }
}

pub fn levels(pairs: &[(&str, &str)]) -> Vec<Level> {
    pairs
        .iter()
        .map(|(price, quantity)| Level::new(decimal(price), decimal(quantity)))
        .collect()
}

pub fn decimal(text: &str) -> Decimal {
    text.parse().unwrap()
}

/// Levels of a reply as (price, quantity) text, normalized.
pub fn pairs(levels: &[market::PriceLevel]) -> Vec<(String, String)> {
    levels
        .iter()
        .map(|level| {
            let text = |value: &Option<quorum_proto::common::v1::Decimal>| {
                decimal(&value.as_ref().unwrap().value)
                    .normalize()
                    .to_string()
            };
            (text(&level.price), text(&level.quantity))
        })
        .collect()
}

/// Expected levels as owned text pairs.
pub fn expect(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(price, quantity)| (price.to_string(), quantity.to_string()))
        .collect()
}

/// Fails when the best bid is at or above the best ask.
pub fn assert_not_crossed(book: &market::OrderBook) {
    if let (Some(bid), Some(ask)) = (book.bids.first(), book.asks.first()) {
        let bid = decimal(&bid.price.as_ref().unwrap().value);
        let ask = decimal(&ask.price.as_ref().unwrap().value);
        assert!(bid < ask, "crossed: best bid {bid} >= best ask {ask}");
    }
}
