//! What every test needs: a fresh database, a private Redis, fake peers with a scripted
//! account, the service, and helpers to check orders and read the bus.
use std::time::Duration;

use quorum_kit::KitConfig;
use quorum_proto::market::v1 as market;
use quorum_proto::marketdata::v1::Quote;
use quorum_proto::trading::v1 as pb;
use quorum_proto::trading::v1::risk_service_client::RiskServiceClient;
use quorum_testkit::{TestDatabase, TestRedis, TestServer};
use risk_manager::{Config, SERVICE, start};
use tonic::Status;
use tonic::transport::Channel;

use crate::fakes::{Fakes, decimal};

pub use quorum_testkit::eventually;

pub type Client = RiskServiceClient<Channel>;

pub const ACCOUNT: &str = "alice";
pub const SYMBOL: &str = "BTC-USDT";
pub const PATIENCE: Duration = Duration::from_secs(15);

pub struct Harness {
    pub db: TestDatabase,
    pub redis: TestRedis,
    pub fakes: Fakes,
    pub server: TestServer,
    pub client: Client,
    config: Config,
}

impl Harness {
    /// The service with its peers at the fakes, which hold the standard account.
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    /// [`Harness::start`] with settings changed by `adjust`.
    pub async fn start_with(adjust: impl FnOnce(&mut Config)) -> Self {
        let db = TestDatabase::create().await;
        let redis = TestRedis::start().await;
        let fakes = Fakes::start().await;
        standard_account(&fakes);
        let mut config = Config::new(db.url.clone(), redis.url.clone());
        config.peers.portfolio_manager_addr = Some(fakes.portfolio_url.clone());
        config.peers.price_feed_addr = Some(fakes.price_feed_url.clone());
        config.peers.trade_history_addr = Some(fakes.trade_history_url.clone());
        config.peer_timeout_ms = 2_000;
        adjust(&mut config);
        let server = serve(config.clone()).await;
        let client = RiskServiceClient::new(server.channel());
        Self {
            db,
            redis,
            fakes,
            server,
            client,
            config,
        }
    }

    /// Stops the service, then starts it again on the same database and Redis.
    pub async fn restart(self) -> Self {
        let Harness {
            db,
            redis,
            fakes,
            server,
            config,
            ..
        } = self;
        server.stop().await.unwrap();
        let server = serve(config.clone()).await;
        let client = RiskServiceClient::new(server.channel());
        Self {
            db,
            redis,
            fakes,
            server,
            client,
            config,
        }
    }

    pub async fn check(&self, intent: pb::OrderIntent) -> Result<pb::CheckOrderResponse, Status> {
        let request = self.server.request(
            pb::CheckOrderRequest {
                order: Some(intent),
            },
            &["trader"],
        );
        self.client
            .clone()
            .check_order(request)
            .await
            .map(|response| response.into_inner())
    }

    /// Checks an order that must be answered (approved or denied).
    pub async fn checked(&self, intent: pb::OrderIntent) -> pb::CheckOrderResponse {
        self.check(intent).await.unwrap()
    }

    /// Sets the standard account's limits as a risk officer.
    pub async fn set_limits(&self, limits: pb::Limits) -> Result<pb::Limits, Status> {
        self.set_limits_as(limits, &["risk-officer"]).await
    }

    pub async fn set_limits_as(
        &self,
        limits: pb::Limits,
        roles: &[&str],
    ) -> Result<pb::Limits, Status> {
        let request = self.server.request(
            pb::SetLimitsRequest {
                limits: Some(limits),
            },
            roles,
        );
        let response = self.client.clone().set_limits(request).await?;
        Ok(response.into_inner().limits.unwrap())
    }

    pub async fn get_limits(&self, account: &str) -> Result<pb::Limits, Status> {
        let request = self.server.request(
            pb::GetLimitsRequest {
                account: account.into(),
            },
            &["viewer"],
        );
        let response = self.client.clone().get_limits(request).await?;
        Ok(response.into_inner().limits.unwrap())
    }

    pub async fn set_state(
        &self,
        state: pb::TradingState,
        reason: &str,
        roles: &[&str],
    ) -> Result<pb::SetTradingStateResponse, Status> {
        let request = self.server.request(
            pb::SetTradingStateRequest {
                state: state.into(),
                reason: reason.into(),
            },
            roles,
        );
        let response = self.client.clone().set_trading_state(request).await?;
        Ok(response.into_inner())
    }

    pub async fn get_state(&self) -> pb::GetTradingStateResponse {
        let request = self
            .server
            .request(pb::GetTradingStateRequest {}, &["viewer"]);
        self.client
            .clone()
            .get_trading_state(request)
            .await
            .unwrap()
            .into_inner()
    }

    pub async fn risk_metrics(
        &self,
        request: pb::GetRiskMetricsRequest,
    ) -> Result<pb::GetRiskMetricsResponse, Status> {
        let request = self.server.request(request, &["viewer"]);
        let response = self.client.clone().get_risk_metrics(request).await?;
        Ok(response.into_inner())
    }

    /// Changes the standard account's equity (and nothing else).
    pub fn set_equity(&self, account: &str, equity: &str) {
        self.fakes.edit(|script| {
            if let Some(portfolio) = script.portfolios.get_mut(account) {
                portfolio.equity = decimal(equity);
            }
        });
    }

    /// The JSON events on `quorum:<topic>`, oldest first.
    pub async fn events(&self, topic: &str) -> Vec<serde_json::Value> {
        let client = redis::Client::open(self.redis.url.as_str()).unwrap();
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
            .filter_map(|entry| {
                let data: String = entry.get("data")?;
                serde_json::from_str(&data).ok()
            })
            .collect()
    }

    /// Waits for an event on `topic` that `matches`, and returns it.
    pub async fn event_where(
        &self,
        topic: &str,
        matches: impl Fn(&serde_json::Value) -> bool,
    ) -> serde_json::Value {
        eventually(&format!("an event on {topic}"), PATIENCE, || async {
            self.events(topic)
                .await
                .into_iter()
                .find(|event| matches(event))
        })
        .await
    }

    /// A direct connection to the service's database, as an operator would have.
    pub async fn sql(&self) -> sqlx::PgPool {
        sqlx::PgPool::connect(&self.db.url).await.unwrap()
    }
}

async fn serve(config: Config) -> TestServer {
    TestServer::start(SERVICE, KitConfig::for_tests(), move |kit| {
        start(kit, config)
    })
    .await
}

/// Limits far from anything the standard orders reach; tests tighten one at a time.
pub fn roomy_limits() -> pb::Limits {
    pb::Limits {
        account: ACCOUNT.into(),
        max_order_notional: decimal("10000"),
        max_position_notional: decimal("20000"),
        max_gross_exposure: decimal("50000"),
        max_net_exposure: decimal("40000"),
        max_leverage: decimal("5"),
        max_daily_loss: decimal("1000"),
        max_orders_per_minute: 1000,
        price_band_bps: 100,
        reducing_drawdown: 0.5,
        halting_drawdown: 0.9,
    }
}

/// alice: long 1 BTC-USDT worth 100; gross exposure 10000, net 6000, equity 20000, as
/// at the start of the day. BTC-USDT's mark is 100, fresh.
pub fn standard_account(fakes: &Fakes) {
    fakes.edit(|script| {
        script.portfolios.insert(
            ACCOUNT.into(),
            pb::Portfolio {
                account: ACCOUNT.into(),
                positions: vec![pb::Position {
                    account: ACCOUNT.into(),
                    venue: market::Venue::Binance.into(),
                    symbol: SYMBOL.into(),
                    quantity: decimal("1"),
                    mark_price: decimal("100"),
                    market_value: decimal("100"),
                    ..Default::default()
                }],
                equity: decimal("20000"),
                gross_exposure: decimal("10000"),
                net_exposure: decimal("6000"),
                ..Default::default()
            },
        );
        script
            .day_start_equity
            .insert(ACCOUNT.into(), "20000".into());
        script.quotes.insert(SYMBOL.into(), fresh_quote("100"));
    });
}

/// A quote of BTC-USDT with this mid, updated now.
pub fn fresh_quote(mid: &str) -> Quote {
    Quote {
        symbol: SYMBOL.into(),
        mid: decimal(mid),
        updated_unix_ms: chrono::Utc::now().timestamp_millis(),
        ..Default::default()
    }
}

/// An order of the standard account in BTC-USDT.
pub fn order(side: market::Side, quantity: &str, price: &str) -> pb::OrderIntent {
    pb::OrderIntent {
        account: ACCOUNT.into(),
        venue: market::Venue::Binance.into(),
        symbol: SYMBOL.into(),
        side: side.into(),
        quantity: decimal(quantity),
        price: decimal(price),
        client_order_id: "client-1".into(),
        origin: "test".into(),
    }
}

pub fn buy(quantity: &str) -> pb::OrderIntent {
    order(market::Side::Buy, quantity, "100")
}

pub fn sell(quantity: &str) -> pb::OrderIntent {
    order(market::Side::Sell, quantity, "100")
}

/// The verdict of `rule` in a response.
pub fn rule<'a>(response: &'a pb::CheckOrderResponse, rule: &str) -> &'a pb::RuleResult {
    response
        .rules
        .iter()
        .find(|result| result.rule == rule)
        .unwrap_or_else(|| panic!("no verdict of {rule} in {response:#?}"))
}

/// Fails unless the response approves with every rule passed.
pub fn assert_approved(response: &pb::CheckOrderResponse) {
    assert!(response.approved, "expected approval: {response:#?}");
    assert!(response.denied_by.is_empty(), "{response:#?}");
    assert_eq!(response.rules.len(), 9, "{response:#?}");
    assert!(
        response.rules.iter().all(|rule| rule.passed),
        "{response:#?}"
    );
}

/// Fails unless exactly `rule` failed, listed first, with these numbers.
pub fn assert_denied_by(response: &pb::CheckOrderResponse, only: &str, limit: &str, actual: &str) {
    assert!(!response.approved, "expected a denial: {response:#?}");
    assert_eq!(response.denied_by, [only], "{response:#?}");
    assert_eq!(response.rules.len(), 9, "{response:#?}");
    let first = &response.rules[0];
    assert_eq!(first.rule, only);
    assert!(!first.passed);
    assert_eq!(
        (first.limit.as_str(), first.actual.as_str()),
        (limit, actual),
        "{first:#?}"
    );
    assert!(
        response.rules[1..].iter().all(|rule| rule.passed),
        "{response:#?}"
    );
}
