//! The outbox: committed events reach the bus, rolled-back ones never do, and events
//! written while Redis is down are relayed once it is back.
use std::time::Duration;

use quorum_bus::Bus;
use quorum_bus::outbox::Outbox;
use quorum_testkit::{TestDatabase, TestRedis};
use tokio_util::sync::CancellationToken;

async fn stream_values(bus: &Bus, redis: &TestRedis, topic: &str) -> Vec<u32> {
    let client = redis::Client::open(redis.url.as_str()).unwrap();
    let mut connection = client.get_multiplexed_async_connection().await.unwrap();
    let reply: redis::streams::StreamRangeReply = redis::cmd("XRANGE")
        .arg(bus.stream_key(topic))
        .arg("-")
        .arg("+")
        .query_async(&mut connection)
        .await
        .unwrap_or_default();
    reply
        .ids
        .iter()
        .filter_map(|entry| entry.get::<String>("data"))
        .filter_map(|data| serde_json::from_str(&data).ok())
        .collect()
}

async fn wait_for(bus: &Bus, redis: &TestRedis, topic: &str, expected: &[u32]) {
    for _ in 0..300 {
        if stream_values(bus, redis, topic).await == expected {
            return;
        }
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
    panic!(
        "expected {expected:?} on the bus, found {:?}",
        stream_values(bus, redis, topic).await
    );
}

#[tokio::test]
async fn only_committed_events_are_relayed_and_in_order() {
    let database = TestDatabase::create().await;
    let redis = TestRedis::start().await;
    let pool = sqlx::PgPool::connect(&database.url).await.unwrap();
    let outbox = Outbox::open(pool.clone()).await.unwrap();
    let bus = Bus::connect(&redis.url, "t").await.unwrap();
    let stop = CancellationToken::new();
    let relay = tokio::spawn(outbox.clone().relay(bus.clone(), stop.clone()));

    let mut committed = pool.begin().await.unwrap();
    Outbox::enqueue(&mut committed, "events", &1u32)
        .await
        .unwrap();
    Outbox::enqueue(&mut committed, "events", &2u32)
        .await
        .unwrap();
    committed.commit().await.unwrap();
    let mut rolled_back = pool.begin().await.unwrap();
    Outbox::enqueue(&mut rolled_back, "events", &99u32)
        .await
        .unwrap();
    rolled_back.rollback().await.unwrap();
    outbox.wake();

    wait_for(&bus, &redis, "events", &[1, 2]).await;
    // The relay deletes rows after the bus accepted them, so the backlog drains next.
    let mut backlog = -1;
    for _ in 0..100 {
        backlog = outbox.backlog().await.unwrap();
        if backlog == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(backlog, 0);
    stop.cancel();
    relay.await.unwrap();
}

#[tokio::test]
async fn events_written_during_a_redis_outage_are_relayed_afterwards() {
    let database = TestDatabase::create().await;
    let mut redis = TestRedis::start().await;
    let pool = sqlx::PgPool::connect(&database.url).await.unwrap();
    let outbox = Outbox::open(pool.clone()).await.unwrap();
    let bus = Bus::connect(&redis.url, "t").await.unwrap();
    let stop = CancellationToken::new();
    let relay = tokio::spawn(outbox.clone().relay(bus.clone(), stop.clone()));

    redis.kill();
    for value in 1..=3u32 {
        let mut transaction = pool.begin().await.unwrap();
        Outbox::enqueue(&mut transaction, "events", &value)
            .await
            .unwrap();
        transaction.commit().await.unwrap();
        outbox.wake();
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        outbox.backlog().await.unwrap(),
        3,
        "nothing may be dropped while Redis is down"
    );
    redis.restart().await;
    wait_for(&bus, &redis, "events", &[1, 2, 3]).await;
    stop.cancel();
    relay.await.unwrap();
}
