//! What every test needs: a private Redis, the service on a loopback port, a bus to
//! publish venue events on, and helpers to read quotes.
use std::time::Duration;

use price_feed::{Config, SERVICE, start};
use quorum_bus::Bus;
use quorum_domain::topics::{MARKET_TICKER, MARKET_TRADES};
use quorum_domain::{Decimal, Level, Side, Symbol, Ticker, Trade, Venue};
use quorum_kit::KitConfig;
use quorum_proto::marketdata::v1::price_feed_service_client::PriceFeedServiceClient;
use quorum_proto::marketdata::v1::{Exclusion, GetQuoteRequest, Quote, VenueQuote};
use quorum_testkit::{TestRedis, TestServer};
use tonic::transport::Channel;

pub use quorum_testkit::eventually;

pub type Client = PriceFeedServiceClient<Channel>;

/// How long a test waits for the service to catch up before failing.
pub const PATIENCE: Duration = Duration::from_secs(15);

pub struct Harness {
    pub redis: TestRedis,
    pub server: TestServer,
    pub client: Client,
    pub bus: Bus,
}

impl Harness {
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    /// The service with settings adjusted by `adjust`, its consumer groups in place.
    /// Venues go stale after a minute unless `adjust` says otherwise, so a slow machine
    /// does not make one stale in the middle of a test about something else.
    pub async fn start_with(adjust: impl FnOnce(&mut Config)) -> Self {
        let redis = TestRedis::start().await;
        let mut config = Config::new(redis.url.clone());
        config.stale_ms = 60_000;
        adjust(&mut config);
        let server = TestServer::start(SERVICE, KitConfig::for_tests(), move |kit| {
            start(kit, config)
        })
        .await;
        let bus = Bus::connect(&redis.url, "quorum").await.unwrap();
        // The groups start at the newest message: events published before they exist
        // would never be seen.
        for topic in [MARKET_TICKER, MARKET_TRADES] {
            redis.wait_for_group(&bus.stream_key(topic)).await;
        }
        let client = PriceFeedServiceClient::new(server.channel());
        Self {
            redis,
            server,
            client,
            bus,
        }
    }

    pub async fn publish_ticker(&self, ticker: &Ticker) {
        self.publish(MARKET_TICKER, ticker).await;
    }

    pub async fn publish_trade(&self, trade: &Trade) {
        self.publish(MARKET_TRADES, trade).await;
    }

    /// Publishes as a connector would: retrying when a busy machine makes Redis answer
    /// later than the client waits. A repeat is harmless (same ticker, same trade).
    async fn publish<T: serde::Serialize>(&self, topic: &str, event: &T) {
        const ATTEMPTS: u32 = 5;
        for attempt in 1..=ATTEMPTS {
            match self.bus.publish(topic, event).await {
                Ok(_) => return,
                Err(error) if attempt < ATTEMPTS => {
                    eprintln!("publishing to {topic} failed ({error}); retrying");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(error) => panic!("cannot publish to {topic}: {error}"),
            }
        }
    }

    /// GetQuote with a valid token.
    pub async fn quote(&self, symbol: &str) -> Result<Quote, tonic::Status> {
        let request = self.server.request(
            GetQuoteRequest {
                symbol: symbol.into(),
            },
            &["viewer"],
        );
        let response = self.client.clone().get_quote(request).await?;
        Ok(response.into_inner().quote.expect("a quote"))
    }

    /// Polls GetQuote until `done` holds.
    pub async fn quote_when(
        &self,
        symbol: &str,
        what: &str,
        done: impl Fn(&Quote) -> bool,
    ) -> Quote {
        eventually(what, PATIENCE, || async {
            self.quote(symbol).await.ok().filter(|quote| done(quote))
        })
        .await
    }
}

/// A ticker of `venue` for `symbol`: bid and ask with their quantities, stamped now.
pub fn ticker(
    venue: Venue,
    symbol: &str,
    bid: (Decimal, Decimal),
    ask: (Decimal, Decimal),
) -> Ticker {
    Ticker {
        venue,
        symbol: symbol.parse().unwrap(),
        best_bid: Some(Level::new(bid.0, bid.1)),
        best_ask: Some(Level::new(ask.0, ask.1)),
        last_price: None,
        event_ms: now_ms(),
    }
}

pub fn trade(venue: Venue, symbol: &str, price: Decimal, id: &str) -> Trade {
    Trade {
        venue,
        symbol: symbol.parse::<Symbol>().unwrap(),
        trade_id: id.into(),
        price,
        quantity: Decimal::ONE,
        taker_side: Side::Buy,
        traded_at_ms: now_ms(),
    }
}

pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// A decimal field's value.
pub fn value(field: &Option<quorum_proto::common::v1::Decimal>) -> Option<Decimal> {
    field.as_ref().map(|decimal| decimal.value.parse().unwrap())
}

pub fn venue_number(venue: Venue) -> i32 {
    quorum_domain::convert::venue(venue) as i32
}

/// The entry of `venue` in a quote.
pub fn venue_quote(quote: &Quote, venue: Venue) -> &VenueQuote {
    quote
        .venues
        .iter()
        .find(|entry| entry.venue == venue_number(venue))
        .unwrap_or_else(|| panic!("{venue} is not in the quote: {quote:?}"))
}

pub fn exclusion_of(quote: &Quote, venue: Venue) -> Exclusion {
    Exclusion::try_from(venue_quote(quote, venue).exclusion).unwrap()
}
