//! What every test needs: a private Redis, the service on a loopback port, a bus to
//! publish trades on, and polling of summaries.
use std::time::Duration;

use market_data::{Config, SERVICE, start};
use quorum_bus::Bus;
use quorum_domain::topics::MARKET_TRADES;
use quorum_domain::{Decimal, Side, Trade, Venue};
use quorum_kit::KitConfig;
use quorum_proto::marketdata::v1::market_data_service_client::MarketDataServiceClient;
use quorum_proto::marketdata::v1::{GetMarketSummaryRequest, MarketSummary};
use quorum_testkit::{TestRedis, TestServer};
use tonic::transport::Channel;

pub use quorum_testkit::eventually;

pub type Client = MarketDataServiceClient<Channel>;

pub const PATIENCE: Duration = Duration::from_secs(15);
pub const MINUTE_MS: i64 = 60_000;

pub struct Harness {
    /// Held for the test's life: dropping it stops the Redis server.
    _redis: TestRedis,
    pub server: TestServer,
    pub client: Client,
    pub bus: Bus,
}

impl Harness {
    /// The service with its consumer group in place, so no published trade is missed.
    pub async fn start() -> Self {
        let redis = TestRedis::start().await;
        let config = Config::new(redis.url.clone());
        let server = TestServer::start(SERVICE, KitConfig::for_tests(), move |kit| {
            start(kit, config)
        })
        .await;
        let bus = Bus::connect(&redis.url, "quorum").await.unwrap();
        redis.wait_for_group(&bus.stream_key(MARKET_TRADES)).await;
        let client = MarketDataServiceClient::new(server.channel());
        Self {
            _redis: redis,
            server,
            client,
            bus,
        }
    }

    /// Publishes as a connector would: retrying when a busy machine makes Redis answer
    /// later than the client waits. A repeat is counted once (same trade id).
    pub async fn publish(&self, trade: &Trade) {
        const ATTEMPTS: u32 = 5;
        for attempt in 1..=ATTEMPTS {
            match self.bus.publish(MARKET_TRADES, trade).await {
                Ok(_) => return,
                Err(error) if attempt < ATTEMPTS => {
                    eprintln!("publishing a trade failed ({error}); retrying");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(error) => panic!("cannot publish a trade: {error}"),
            }
        }
    }

    /// A request carrying a valid token.
    pub fn request<T>(&self, message: T) -> tonic::Request<T> {
        self.server.request(message, &["viewer"])
    }

    pub async fn summary(
        &self,
        symbol: &str,
        venue: Option<Venue>,
    ) -> Result<MarketSummary, tonic::Status> {
        let request = self.request(GetMarketSummaryRequest {
            symbol: symbol.into(),
            venue: venue.map_or(0, venue_number),
        });
        let response = self.client.clone().get_market_summary(request).await?;
        Ok(response.into_inner().summary.expect("a summary"))
    }

    /// Polls the all-venue summary of `symbol` until it counts `trades` trades.
    pub async fn summary_with(&self, symbol: &str, trades: u64) -> MarketSummary {
        eventually(
            &format!("{trades} trades of {symbol}"),
            PATIENCE,
            || async {
                self.summary(symbol, None)
                    .await
                    .ok()
                    .filter(|summary| summary.trade_count == trades)
            },
        )
        .await
    }
}

/// A trade stamped `minutes_ago` minutes before now.
pub fn trade(
    venue: Venue,
    symbol: &str,
    id: &str,
    price: Decimal,
    quantity: Decimal,
    minutes_ago: i64,
) -> Trade {
    Trade {
        venue,
        symbol: symbol.parse().unwrap(),
        trade_id: id.into(),
        price,
        quantity,
        taker_side: Side::Sell,
        traded_at_ms: now_ms() - minutes_ago * MINUTE_MS,
    }
}

pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

pub fn venue_number(venue: Venue) -> i32 {
    quorum_domain::convert::venue(venue) as i32
}

/// A decimal field's value.
pub fn value(field: &Option<quorum_proto::common::v1::Decimal>) -> Option<Decimal> {
    field.as_ref().map(|decimal| decimal.value.parse().unwrap())
}
