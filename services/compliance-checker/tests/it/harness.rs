//! What every test needs: a fresh database, a private Redis, the service, a bus to
//! publish order events and fills on, and builders for intents, orders and fills.
use std::collections::HashMap;
use std::time::Duration;

use compliance_checker::{Config, SERVICE, now_ms, start};
use quorum_bus::Bus;
use quorum_domain::topics::{EXECUTION_FILLS, EXECUTION_ORDERS};
use quorum_domain::{
    Decimal, Fill, Liquidity, Order, OrderEvent, OrderEventKind, OrderStatus, OrderType, Side,
    TimeInForce, Venue,
};
use quorum_kit::KitConfig;
use quorum_proto::common::v1 as common;
use quorum_proto::market::v1 as market;
use quorum_proto::security::v1::compliance_service_client::ComplianceServiceClient;
use quorum_proto::security::v1::{
    CheckOrderRequest, CheckOrderResponse, GetSurveillanceReportRequest,
    GetSurveillanceReportResponse, PutRuleRequest, Rule, RuleKind,
};
use quorum_proto::trading::v1::OrderIntent;
use quorum_testkit::{TestDatabase, TestRedis, TestServer};
use tonic::transport::Channel;

pub use quorum_testkit::eventually;

pub type Client = ComplianceServiceClient<Channel>;

pub const OFFICER: &[&str] = &["compliance-officer"];
pub const TRADER: &[&str] = &["trader"];
pub const PATIENCE: Duration = Duration::from_secs(15);

pub struct Harness {
    pub db: TestDatabase,
    pub redis: TestRedis,
    pub server: TestServer,
    pub client: Client,
    pub bus: Bus,
}

impl Harness {
    pub async fn start() -> Self {
        let db = TestDatabase::create().await;
        let redis = TestRedis::start().await;
        let server = serve(Config::new(db.url.clone(), redis.url.clone())).await;
        let bus = Bus::connect(&redis.url, "quorum").await.unwrap();
        let client = ComplianceServiceClient::new(server.channel());
        Self {
            db,
            redis,
            server,
            client,
            bus,
        }
    }

    /// Stops the service and starts a new one on the same database and Redis.
    pub async fn restart(self) -> Self {
        let Self {
            db,
            redis,
            server,
            bus,
            ..
        } = self;
        server.stop().await.unwrap();
        let server = serve(Config::new(db.url.clone(), redis.url.clone())).await;
        let client = ComplianceServiceClient::new(server.channel());
        Self {
            db,
            redis,
            server,
            client,
            bus,
        }
    }

    /// Writes a rule as a compliance officer; returns it as stored.
    pub async fn put_rule(&self, id: &str, kind: RuleKind, parameters: &[(&str, &str)]) -> Rule {
        let request = self.server.request(
            PutRuleRequest {
                rule: Some(rule(id, kind, parameters)),
            },
            OFFICER,
        );
        self.client
            .clone()
            .put_rule(request)
            .await
            .unwrap()
            .into_inner()
            .rule
            .unwrap()
    }

    /// Checks an intent as a trading service would (any valid token).
    pub async fn check(&self, intent: OrderIntent) -> CheckOrderResponse {
        let request = self.server.request(
            CheckOrderRequest {
                order: Some(intent),
            },
            &["service"],
        );
        self.client
            .clone()
            .check_order(request)
            .await
            .unwrap()
            .into_inner()
    }

    /// Checks `intent` until `done` holds for the answer (events take a moment to apply).
    pub async fn check_until(
        &self,
        what: &str,
        intent: OrderIntent,
        done: impl Fn(&CheckOrderResponse) -> bool,
    ) -> CheckOrderResponse {
        eventually(what, PATIENCE, || {
            let intent = intent.clone();
            let done = &done;
            async move {
                let answer = self.check(intent).await;
                done(&answer).then_some(answer)
            }
        })
        .await
    }

    pub async fn report(
        &self,
        from_ms: i64,
        to_ms: i64,
        account: &str,
    ) -> GetSurveillanceReportResponse {
        let request = GetSurveillanceReportRequest {
            range: Some(common::TimeRange {
                from_unix_ms: from_ms,
                to_unix_ms: to_ms,
            }),
            account: account.into(),
        };
        let request = self.server.request(request, OFFICER);
        self.client
            .clone()
            .get_surveillance_report(request)
            .await
            .unwrap()
            .into_inner()
    }

    pub async fn publish_event(&self, event: &OrderEvent) {
        self.bus.publish(EXECUTION_ORDERS, event).await.unwrap();
    }

    pub async fn publish_fill(&self, fill: &Fill) {
        self.bus.publish(EXECUTION_FILLS, fill).await.unwrap();
    }

    /// Waits until every order event published so far for `account` is applied: events
    /// of one topic are handled in order, so once a resting marker order (on a symbol of
    /// its own) shows in a wash-trade check, everything before it has been handled.
    pub async fn sync_orders(&self, account: &str, marker_id: &str) {
        let marker = order(marker_id, account, "SYNC-USDT", Side::Sell, 1, 1, 0);
        self.publish_event(&event(OrderEventKind::Placed, &marker, now_ms()))
            .await;
        self.check_until(
            &format!("marker {marker_id} of {account} to be applied"),
            intent(account, "SYNC-USDT", market::Side::Buy, "1", "1"),
            |answer| {
                answer
                    .violations
                    .iter()
                    .any(|violation| violation.message.contains(marker_id))
            },
        )
        .await;
    }

    /// Audit events relayed to the bus, as (action, outcome, resource).
    pub async fn audit_events(&self) -> Vec<(String, String, String)> {
        let client = redis::Client::open(self.redis.url.as_str()).unwrap();
        let mut connection = client.get_multiplexed_async_connection().await.unwrap();
        let reply: redis::streams::StreamRangeReply = redis::cmd("XRANGE")
            .arg("quorum:audit")
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
                let event: serde_json::Value = serde_json::from_str(&data).ok()?;
                Some((
                    event["action"].as_str()?.to_string(),
                    event["outcome"].as_str()?.to_string(),
                    event["resource"].as_str()?.to_string(),
                ))
            })
            .collect()
    }

    /// Waits until the audit stream holds `action` with `outcome` on `resource`.
    pub async fn wait_for_audit(&self, action: &str, outcome: &str, resource: &str) {
        eventually(
            &format!("{action} on {resource} to be audited"),
            PATIENCE,
            || async {
                self.audit_events()
                    .await
                    .iter()
                    .any(|(a, o, r)| a == action && o == outcome && r == resource)
                    .then_some(())
            },
        )
        .await;
    }
}

pub async fn serve(config: Config) -> TestServer {
    TestServer::start(SERVICE, KitConfig::for_tests(), move |kit| {
        start(kit, config)
    })
    .await
}

pub fn rule(id: &str, kind: RuleKind, parameters: &[(&str, &str)]) -> Rule {
    Rule {
        id: id.into(),
        kind: kind as i32,
        enabled: true,
        parameters: parameters
            .iter()
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect::<HashMap<_, _>>(),
        description: format!("{id} for tests"),
        ..Default::default()
    }
}

/// An intent of `account` on Binance.
pub fn intent(
    account: &str,
    symbol: &str,
    side: market::Side,
    quantity: &str,
    price: &str,
) -> OrderIntent {
    OrderIntent {
        account: account.into(),
        venue: market::Venue::Binance as i32,
        symbol: symbol.into(),
        side: side as i32,
        quantity: Some(common::Decimal {
            value: quantity.into(),
        }),
        price: Some(common::Decimal {
            value: price.into(),
        }),
        client_order_id: "client-1".into(),
        origin: "tests".into(),
    }
}

/// A new limit order of `account` on Binance, placed `age_ms` ago.
pub fn order(
    order_id: &str,
    account: &str,
    symbol: &str,
    side: Side,
    quantity: i64,
    price: i64,
    age_ms: i64,
) -> Order {
    let placed = now_ms() - age_ms;
    Order {
        order_id: order_id.into(),
        client_order_id: format!("client-{order_id}"),
        account: account.into(),
        venue: Venue::Binance,
        symbol: symbol.parse().unwrap(),
        side,
        order_type: OrderType::Limit,
        time_in_force: TimeInForce::Gtc,
        post_only: false,
        price: Some(Decimal::from(price)),
        quantity: Decimal::from(quantity),
        filled_quantity: Decimal::ZERO,
        fee: Decimal::ZERO,
        fee_asset: "USDT".into(),
        status: OrderStatus::New,
        reason: String::new(),
        created_at_ms: placed,
        updated_at_ms: placed,
        fills: vec![],
    }
}

/// The event of `kind` for `order` at `at_ms`, with the order's status to match.
pub fn event(kind: OrderEventKind, order: &Order, at_ms: i64) -> OrderEvent {
    let mut order = order.clone();
    order.status = match kind {
        OrderEventKind::Placed => OrderStatus::New,
        OrderEventKind::PartiallyFilled => OrderStatus::PartiallyFilled,
        OrderEventKind::Filled => OrderStatus::Filled,
        OrderEventKind::Cancelled => OrderStatus::Canceled,
        OrderEventKind::Rejected => OrderStatus::Rejected,
        OrderEventKind::Expired => OrderStatus::Expired,
    };
    if kind == OrderEventKind::Filled {
        order.filled_quantity = order.quantity;
    }
    order.updated_at_ms = at_ms;
    let name = serde_json::to_value(kind).unwrap();
    OrderEvent {
        event_id: format!("{}:{}", order.order_id, name.as_str().unwrap()),
        kind,
        order,
        at_ms,
    }
}

/// A fill of `order_id` of `account` on Binance, made `age_ms` ago.
pub fn fill(
    fill_id: &str,
    order_id: &str,
    account: &str,
    symbol: &str,
    side: Side,
    age_ms: i64,
) -> Fill {
    Fill {
        fill_id: fill_id.into(),
        order_id: order_id.into(),
        account: account.into(),
        venue: Venue::Binance,
        symbol: symbol.parse().unwrap(),
        side,
        price: Decimal::from(100),
        quantity: Decimal::ONE,
        fee: Decimal::ZERO,
        fee_asset: "USDT".into(),
        liquidity: Liquidity::Taker,
        filled_at_ms: now_ms() - age_ms,
    }
}

/// The ids of the rules that failed, as `id@version`.
pub fn failed(answer: &CheckOrderResponse) -> Vec<String> {
    answer
        .violations
        .iter()
        .map(|violation| format!("{}@{}", violation.rule_id, violation.rule_version))
        .collect()
}
