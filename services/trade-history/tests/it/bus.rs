//! Trades from the bus: stored once each however often they come, acknowledged only
//! after they committed, poison dead-lettered, and nothing lost while Postgres is away.
use std::time::Duration;

use quorum_bus::Bus;
use quorum_domain::topics::MARKET_TRADES;
use quorum_domain::{Decimal, Side, Trade, Venue};
use redis::AsyncCommands;
use redis::streams::StreamInfoGroupsReply;
use sqlx::{Connection, PgConnection};
use trade_history::consumer::GROUP;

use crate::harness::{DAY_START, Harness, eventually};

const PATIENCE: Duration = Duration::from_secs(30);

fn bus_trade(index: i64) -> Trade {
    Trade {
        venue: Venue::Coinbase,
        symbol: "BTC-USD".parse().unwrap(),
        trade_id: format!("cb-{index}"),
        price: Decimal::new(4_200_000 + index, 2),
        quantity: Decimal::new(1, 3),
        taker_side: if index % 2 == 0 {
            Side::Buy
        } else {
            Side::Sell
        },
        traded_at_ms: DAY_START + index * 10,
    }
}

/// Publishes `trades`; returns the id of the last message.
async fn publish(bus: &Bus, trades: impl IntoIterator<Item = Trade>) -> String {
    let mut last = String::new();
    for trade in trades {
        last = bus.publish(MARKET_TRADES, &trade).await.unwrap();
    }
    last
}

/// What the consumer group has done with the topic.
struct GroupState {
    /// Delivered but not acknowledged.
    pending: usize,
    last_delivered_id: String,
    /// Messages delivered so far. Redis 7 counts them, but reports none while it does
    /// not know the count (e.g. right after a dead-lettered message was acknowledged).
    entries_read: Option<usize>,
}

async fn group_state(harness: &Harness) -> Option<GroupState> {
    let client = redis::Client::open(harness.redis.url.as_str()).unwrap();
    let mut connection = client.get_multiplexed_async_connection().await.unwrap();
    let reply: StreamInfoGroupsReply = connection
        .xinfo_groups(format!("quorum:{MARKET_TRADES}"))
        .await
        .ok()?;
    let group = reply.groups.into_iter().find(|group| group.name == GROUP)?;
    Some(GroupState {
        pending: group.pending,
        last_delivered_id: group.last_delivered_id,
        entries_read: group.entries_read,
    })
}

/// Waits until the group has taken and acknowledged everything up to `last_id`.
async fn wait_all_acknowledged(harness: &Harness, last_id: &str) {
    eventually("every message acknowledged", PATIENCE, || async {
        let state = group_state(harness).await?;
        (state.pending == 0 && state.last_delivered_id == last_id).then_some(())
    })
    .await;
}

async fn wait_stored(harness: &Harness, count: i64) {
    eventually(&format!("{count} trades stored"), PATIENCE, || async {
        (harness.stored().await == count).then_some(())
    })
    .await;
}

#[tokio::test]
async fn published_trades_are_stored_and_acknowledged() {
    let mut harness = Harness::start().await;
    let bus = Bus::connect(&harness.redis.url, "quorum").await.unwrap();
    let last = publish(&bus, (0..300).map(bus_trade)).await;
    wait_stored(&harness, 300).await;
    wait_all_acknowledged(&harness, &last).await;

    let page = harness
        .query(quorum_proto::marketdata::v1::QueryTradesRequest {
            symbol: "BTC-USD".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(page.trades.len(), 300);
    let seventh = &page.trades[7];
    assert_eq!(seventh.trade_id, "cb-7");
    assert_eq!(seventh.price.as_ref().unwrap().value, "42000.07");
    assert_eq!(seventh.quantity.as_ref().unwrap().value, "0.001");
    assert_eq!(
        seventh.taker_side,
        quorum_proto::market::v1::Side::Sell as i32
    );
    assert_eq!(seventh.traded_at_unix_ms, DAY_START + 70);
}

#[tokio::test]
async fn replaying_the_same_trades_twice_stores_them_once() {
    let harness = Harness::start().await;
    let bus = Bus::connect(&harness.redis.url, "quorum").await.unwrap();
    publish(&bus, (0..100).map(bus_trade)).await;
    publish(&bus, (0..100).map(bus_trade)).await;
    let last = publish(&bus, [bus_trade(100)]).await;
    wait_all_acknowledged(&harness, &last).await;
    assert_eq!(harness.stored().await, 101);
    assert_eq!(bus.len(&format!("{MARKET_TRADES}:dead")).await.unwrap(), 0);
}

#[tokio::test]
async fn malformed_trades_are_dead_lettered_and_not_stored() {
    let harness = Harness::start().await;
    let bus = Bus::connect(&harness.redis.url, "quorum").await.unwrap();
    let mut zero_price = bus_trade(1);
    zero_price.price = Decimal::ZERO;
    publish(&bus, [zero_price]).await;
    bus.publish_raw(MARKET_TRADES, "{\"not\": \"a trade\"}")
        .await
        .unwrap();
    let last = publish(&bus, [bus_trade(2)]).await;
    wait_all_acknowledged(&harness, &last).await;
    assert_eq!(harness.stored().await, 1);
    assert_eq!(bus.len(&format!("{MARKET_TRADES}:dead")).await.unwrap(), 2);
}

#[tokio::test]
async fn trades_arriving_while_postgres_is_unreachable_are_stored_once_it_is_back() {
    let harness = Harness::start().await;
    let bus = Bus::connect(&harness.redis.url, "quorum").await.unwrap();
    let before = publish(&bus, (0..10).map(bus_trade)).await;
    wait_all_acknowledged(&harness, &before).await;

    let admin_url = std::env::var("QUORUM_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://quorum:quorum@127.0.0.1:5432/postgres".to_string());
    let mut admin = PgConnection::connect(&admin_url).await.unwrap();
    let name = harness.db.name.clone();
    // Refuse new connections and cut the service's: to it, the database is gone.
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "ALTER DATABASE {name} ALLOW_CONNECTIONS false"
    )))
    .execute(&mut admin)
    .await
    .unwrap();
    sqlx::query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1")
        .bind(&name)
        .execute(&mut admin)
        .await
        .unwrap();

    let last = publish(&bus, (10..60).map(bus_trade)).await;
    // Every consumer lane takes a trade and waits for the database with it.
    eventually("new trades to be delivered", PATIENCE, || async {
        (group_state(&harness).await?.pending > 0).then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let state = group_state(&harness).await.unwrap();
    assert!(state.pending > 0);
    assert_eq!(
        state.pending,
        state
            .entries_read
            .expect("redis-server 7 or later, which counts entries read")
            - 10,
        "a trade was acknowledged while it could not be stored"
    );

    sqlx::query(sqlx::AssertSqlSafe(format!(
        "ALTER DATABASE {name} ALLOW_CONNECTIONS true"
    )))
    .execute(&mut admin)
    .await
    .unwrap();
    wait_all_acknowledged(&harness, &last).await;
    assert_eq!(harness.stored().await, 60);
}
