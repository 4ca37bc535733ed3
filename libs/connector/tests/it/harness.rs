//! What every test needs: a fresh database and a private Redis, a connector served over
//! loopback gRPC, a client, waiting helpers and a look at the bus streams.
use std::sync::Arc;
use std::time::Duration;

use quorum_connector::{BinanceEnv, Config, VenueEnv};
use quorum_kit::KitConfig;
use quorum_proto::exchange::v1::exchange_client::ExchangeClient;
use quorum_proto::exchange::v1::{GetOrderBookRequest, GetStatusRequest, GetStatusResponse};
use quorum_proto::market::v1::OrderBook;
use quorum_testkit::{TestDatabase, TestRedis, TestServer};
use quorum_venues::VenueProtocol;
use tonic::transport::Channel;

pub use quorum_testkit::eventually;

pub type Client = ExchangeClient<Channel>;

/// Patience for anything the market has to do (sync a book, print a trade).
pub const PATIENCE: Duration = Duration::from_secs(20);

/// The database and Redis a connector uses; they outlive a connector that stops.
pub struct Servers {
    pub database: TestDatabase,
    pub redis: TestRedis,
}

impl Servers {
    pub async fn start() -> Self {
        Self {
            database: TestDatabase::create().await,
            redis: TestRedis::start().await,
        }
    }

    /// Default settings on these servers.
    pub fn config<V: VenueEnv>(&self) -> Config<V> {
        Config::new(self.database.url.clone(), self.redis.url.clone())
    }
}

pub struct Harness {
    pub servers: Servers,
    pub server: TestServer,
    pub client: Client,
}

impl Harness {
    /// A Binance connector on the simulated market.
    pub async fn sim() -> Self {
        let servers = Servers::start().await;
        let config = servers.config::<BinanceEnv>();
        Self::serve(servers, config, Arc::new(quorum_venues::binance::Binance)).await
    }

    /// A connector for venue `V` with `config` (which must name `servers`).
    pub async fn serve<V: VenueEnv>(
        servers: Servers,
        config: Config<V>,
        protocol: Arc<dyn VenueProtocol>,
    ) -> Self {
        let server = TestServer::start("binance-api", KitConfig::for_tests(), move |kit| {
            quorum_connector::start(kit, config, protocol)
        })
        .await;
        let client = ExchangeClient::new(server.channel());
        Self {
            servers,
            server,
            client,
        }
    }

    /// Stops the connector as a shutdown does and hands back its servers.
    pub async fn stop(self) -> Servers {
        self.server.stop().await.unwrap();
        self.servers
    }

    /// A request with a token holding `roles`.
    pub fn request<T>(&self, message: T, roles: &[&str]) -> tonic::Request<T> {
        self.server.request(message, roles)
    }

    pub async fn status(&self) -> GetStatusResponse {
        let mut client = self.client.clone();
        client
            .get_status(self.request(GetStatusRequest {}, &["viewer"]))
            .await
            .unwrap()
            .into_inner()
    }

    /// The book of `symbol` once it is synced, `depth` levels a side (0: all).
    pub async fn synced_book(&self, symbol: &str, depth: u32) -> OrderBook {
        eventually(&format!("the {symbol} book to sync"), PATIENCE, || {
            let mut client = self.client.clone();
            let request = self.request(
                GetOrderBookRequest {
                    symbol: symbol.into(),
                    depth,
                },
                &["viewer"],
            );
            async move { client.get_order_book(request).await.ok()?.into_inner().book }
        })
        .await
    }

    /// Entries of a bus topic's stream, oldest first, as JSON values.
    pub async fn bus_entries(&self, topic: &str) -> Vec<serde_json::Value> {
        let client = redis::Client::open(self.servers.redis.url.as_str()).unwrap();
        let mut connection = client.get_multiplexed_async_connection().await.unwrap();
        let reply: redis::streams::StreamRangeReply = redis::cmd("XRANGE")
            .arg(format!("quorum:{topic}"))
            .arg("-")
            .arg("+")
            .query_async(&mut connection)
            .await
            .unwrap();
        reply
            .ids
            .iter()
            .filter_map(|entry| entry.get::<String>("data"))
            .map(|data| serde_json::from_str(&data).unwrap())
            .collect()
    }
}

impl Harness {
    /// The admin port's /metrics text.
    pub async fn metrics(&self) -> String {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut stream = tokio::net::TcpStream::connect(self.server.admin_addr)
            .await
            .unwrap();
        stream
            .write_all(b"GET /metrics HTTP/1.0\r\nHost: localhost\r\n\r\n")
            .await
            .unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).await.unwrap();
        answer
    }
}

/// A decimal field's text.
pub fn text(value: &Option<quorum_proto::common::v1::Decimal>) -> String {
    value.as_ref().map(|d| d.value.clone()).unwrap_or_default()
}

/// A decimal field as a number.
pub fn number(value: &Option<quorum_proto::common::v1::Decimal>) -> quorum_domain::Decimal {
    text(value).parse().unwrap()
}

/// A proto decimal.
pub fn decimal(value: impl ToString) -> Option<quorum_proto::common::v1::Decimal> {
    Some(quorum_proto::common::v1::Decimal {
        value: value.to_string(),
    })
}

/// Book levels as "price:quantity" texts.
pub fn levels(levels: &[quorum_proto::market::v1::PriceLevel]) -> Vec<String> {
    levels
        .iter()
        .map(|level| format!("{}:{}", text(&level.price), text(&level.quantity)))
        .collect()
}
