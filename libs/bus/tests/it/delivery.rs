//! At-least-once delivery, redelivery after a crash, claiming, and dead letters.
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use quorum_bus::{Bus, HandlerError};
use quorum_testkit::TestRedis;
use redis::AsyncCommands;
use tokio_util::sync::CancellationToken;

use crate::{eventually, quick};

type Seen = Arc<Mutex<Vec<u32>>>;

fn recorder(
    seen: &Seen,
) -> impl Fn(quorum_bus::Message) -> std::future::Ready<Result<(), HandlerError>> + use<> {
    let seen = seen.clone();
    move |message| {
        let value: u32 = match message.decode() {
            Ok(value) => value,
            Err(error) => return std::future::ready(Err(error)),
        };
        seen.lock().unwrap().push(value);
        std::future::ready(Ok(()))
    }
}

async fn pending(redis: &TestRedis, stream: &str, group: &str) -> u64 {
    let client = redis::Client::open(redis.url.as_str()).unwrap();
    let mut connection = client.get_multiplexed_async_connection().await.unwrap();
    let reply: redis::streams::StreamPendingReply =
        connection.xpending(stream, group).await.unwrap();
    reply.count() as u64
}

async fn stream_len(redis: &TestRedis, stream: &str) -> u64 {
    let client = redis::Client::open(redis.url.as_str()).unwrap();
    let mut connection = client.get_multiplexed_async_connection().await.unwrap();
    connection.xlen(stream).await.unwrap()
}

#[tokio::test]
async fn published_events_are_handled_once_and_acknowledged() {
    let redis = TestRedis::start().await;
    let bus = Bus::connect(&redis.url, "t").await.unwrap();
    let seen: Seen = Arc::default();
    let stop = CancellationToken::new();
    let consumer = bus.consumer("numbers", "g", "c1", quick());
    let task = tokio::spawn(consumer.run(stop.clone(), recorder(&seen)));
    for value in 0..20u32 {
        bus.publish("numbers", &value).await.unwrap();
    }
    eventually("20 events", || seen.lock().unwrap().len() == 20).await;
    assert_eq!(*seen.lock().unwrap(), (0..20).collect::<Vec<_>>());
    eventually("all acknowledged", || true).await;
    assert_eq!(pending(&redis, "t:numbers", "g").await, 0);
    stop.cancel();
    task.await.unwrap();
}

#[tokio::test]
async fn keyed_consumers_handle_keys_concurrently_and_each_key_in_order() {
    let redis = TestRedis::start().await;
    let bus = Bus::connect(&redis.url, "t").await.unwrap();
    // Published before the consumer starts, so that one read takes them all.
    for (key, n) in [
        ("slow", 1),
        ("fast", 1),
        ("slow", 2),
        ("fast", 2),
        ("fast", 3),
    ] {
        bus.publish("keyed", &serde_json::json!({"key": key, "n": n}))
            .await
            .unwrap();
    }
    let seen: Arc<Mutex<Vec<(String, u64)>>> = Arc::default();
    let record = seen.clone();
    let stop = CancellationToken::new();
    let consumer = bus.consumer("keyed", "g", "c1", quick());
    let key = |data: &str| {
        serde_json::from_str::<serde_json::Value>(data).map_or(String::new(), |value| {
            value["key"].as_str().unwrap_or_default().to_string()
        })
    };
    let task = tokio::spawn(consumer.run_keyed(stop.clone(), key, move |message| {
        let record = record.clone();
        async move {
            let event: serde_json::Value = message.decode()?;
            let key = event["key"].as_str().unwrap_or_default().to_string();
            if key == "slow" {
                tokio::time::sleep(Duration::from_millis(300)).await;
            }
            let n = event["n"].as_u64().unwrap_or_default();
            record.lock().unwrap().push((key, n));
            Ok(())
        }
    }));
    eventually("five events", || seen.lock().unwrap().len() == 5).await;
    let seen = seen.lock().unwrap().clone();
    let order = |key: &str| -> Vec<u64> {
        seen.iter()
            .filter(|(known, _)| known == key)
            .map(|(_, n)| *n)
            .collect()
    };
    assert_eq!(order("slow"), [1, 2]);
    assert_eq!(order("fast"), [1, 2, 3]);
    // The fast key did not wait behind the slow one.
    let first_slow = seen.iter().position(|(key, _)| key == "slow").unwrap();
    assert_eq!(first_slow, 3, "{seen:?}");
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while pending(&redis, "t:keyed", "g").await > 0 {
        assert!(std::time::Instant::now() < deadline, "not all acknowledged");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    stop.cancel();
    task.await.unwrap();
}

#[tokio::test]
async fn a_consumer_that_crashed_mid_handling_gets_its_messages_again() {
    let redis = TestRedis::start().await;
    let bus = Bus::connect(&redis.url, "t").await.unwrap();
    for value in 0..5u32 {
        bus.publish("jobs", &value).await.unwrap();
    }
    // The first incarnation takes the messages and never finishes handling them.
    let taken = Arc::new(Mutex::new(0));
    let counter = taken.clone();
    let crashed = tokio::spawn(bus.consumer("jobs", "g", "worker-1", quick()).run(
        CancellationToken::new(),
        move |_| {
            *counter.lock().unwrap() += 1;
            std::future::pending::<Result<(), HandlerError>>()
        },
    ));
    eventually("first message taken", || *taken.lock().unwrap() == 1).await;
    crashed.abort();
    let _ = crashed.await;
    assert!(pending(&redis, "t:jobs", "g").await >= 1);

    // Restarted under the same name, it handles what it had been given, then the rest.
    let seen: Seen = Arc::default();
    let stop = CancellationToken::new();
    let task = tokio::spawn(
        bus.consumer("jobs", "g", "worker-1", quick())
            .run(stop.clone(), recorder(&seen)),
    );
    eventually("all five handled", || {
        seen.lock().unwrap().iter().collect::<BTreeSet<_>>().len() == 5
    })
    .await;
    stop.cancel();
    task.await.unwrap();
    assert_eq!(pending(&redis, "t:jobs", "g").await, 0);
}

#[tokio::test]
async fn messages_of_a_dead_consumer_are_claimed_by_another() {
    let redis = TestRedis::start().await;
    let bus = Bus::connect(&redis.url, "t").await.unwrap();
    bus.publish("jobs", &7u32).await.unwrap();
    let dead = tokio::spawn(
        bus.consumer("jobs", "g", "dead", quick())
            .run(CancellationToken::new(), |_| {
                std::future::pending::<Result<(), HandlerError>>()
            }),
    );
    eventually("taken by the dead consumer", || true).await;
    tokio::time::sleep(Duration::from_millis(150)).await;
    dead.abort();
    let seen: Seen = Arc::default();
    let stop = CancellationToken::new();
    let task = tokio::spawn(
        bus.consumer("jobs", "g", "alive", quick())
            .run(stop.clone(), recorder(&seen)),
    );
    eventually("claimed and handled", || {
        seen.lock().unwrap().as_slice() == [7]
    })
    .await;
    stop.cancel();
    task.await.unwrap();
}

#[tokio::test]
async fn failing_messages_are_retried_then_dead_lettered() {
    let redis = TestRedis::start().await;
    let bus = Bus::connect(&redis.url, "t").await.unwrap();
    let attempts = Arc::new(Mutex::new(0));
    let counter = attempts.clone();
    let stop = CancellationToken::new();
    let task = tokio::spawn(
        bus.consumer("jobs", "g", "c", quick())
            .run(stop.clone(), move |_| {
                *counter.lock().unwrap() += 1;
                std::future::ready(Err(HandlerError::Retry("dependency down".into())))
            }),
    );
    bus.publish("jobs", &1u32).await.unwrap();
    bus.publish_raw("jobs", "not json").await.unwrap();
    let mut dead = 0;
    for _ in 0..500 {
        dead = stream_len(&redis, "t:jobs:dead").await;
        if dead == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(dead, 2, "both messages dead-lettered");
    stop.cancel();
    task.await.unwrap();
    // The retried one was tried max_deliveries times; the malformed one never reached
    // a handler that could succeed, and was retried the same way.
    assert_eq!(*attempts.lock().unwrap(), 6);
    assert_eq!(pending(&redis, "t:jobs", "g").await, 0);
}

#[tokio::test]
async fn poison_messages_are_dead_lettered_at_once() {
    let redis = TestRedis::start().await;
    let bus = Bus::connect(&redis.url, "t").await.unwrap();
    let seen: Seen = Arc::default();
    let stop = CancellationToken::new();
    let task = tokio::spawn(
        bus.consumer("numbers", "g", "c", quick())
            .run(stop.clone(), recorder(&seen)),
    );
    bus.publish_raw("numbers", "\"not a number\"")
        .await
        .unwrap();
    bus.publish("numbers", &3u32).await.unwrap();
    eventually("the good one handled", || {
        seen.lock().unwrap().as_slice() == [3]
    })
    .await;
    let mut dead = 0;
    for _ in 0..100 {
        dead = stream_len(&redis, "t:numbers:dead").await;
        if dead == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(dead, 1);
    stop.cancel();
    task.await.unwrap();
}

#[tokio::test]
async fn consumers_and_publishers_carry_on_after_a_redis_restart() {
    let mut redis = TestRedis::start().await;
    let bus = Bus::connect(&redis.url, "t").await.unwrap();
    let seen: Seen = Arc::default();
    let stop = CancellationToken::new();
    let task = tokio::spawn(
        bus.consumer("numbers", "g", "c", quick())
            .run(stop.clone(), recorder(&seen)),
    );
    bus.publish("numbers", &1u32).await.unwrap();
    eventually("first handled", || seen.lock().unwrap().len() == 1).await;
    redis.restart().await;
    let mut published = false;
    for _ in 0..100 {
        if bus.publish("numbers", &2u32).await.is_ok() {
            published = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(published, "publisher did not reconnect");
    eventually("second handled after restart", || {
        seen.lock().unwrap().contains(&2)
    })
    .await;
    stop.cancel();
    task.await.unwrap();
}

#[tokio::test]
async fn a_group_that_starts_at_the_latest_message_skips_the_history() {
    let redis = TestRedis::start().await;
    let bus = Bus::connect(&redis.url, "t").await.unwrap();
    for value in 0..5u32 {
        bus.publish("live", &value).await.unwrap();
    }
    let seen: Seen = Arc::default();
    let stop = CancellationToken::new();
    let config = quorum_bus::ConsumerConfig {
        start: quorum_bus::StartFrom::Latest,
        ..quick()
    };
    let task = tokio::spawn(
        bus.consumer("live", "g", "c1", config)
            .run(stop.clone(), recorder(&seen)),
    );
    let client = redis::Client::open(redis.url.as_str()).unwrap();
    let mut connection = client.get_multiplexed_async_connection().await.unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let groups: redis::streams::StreamInfoGroupsReply =
            connection.xinfo_groups("t:live").await.unwrap();
        if !groups.groups.is_empty() {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "group never made");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    for value in 5..10u32 {
        bus.publish("live", &value).await.unwrap();
    }
    eventually("5 new events", || seen.lock().unwrap().len() == 5).await;
    assert_eq!(*seen.lock().unwrap(), (5..10).collect::<Vec<_>>());
    stop.cancel();
    task.await.unwrap();
}

#[tokio::test]
async fn a_capped_handle_keeps_its_streams_short() {
    let redis = TestRedis::start().await;
    let bus = Bus::connect(&redis.url, "t")
        .await
        .unwrap()
        .with_max_len(10);
    for value in 0..1000u32 {
        bus.publish("short", &value).await.unwrap();
    }
    // Trimming is approximate (whole stream nodes of about 100 entries go at once).
    let length = stream_len(&redis, "t:short").await;
    assert!(length < 250, "stream kept {length} of 1000 entries");
}
