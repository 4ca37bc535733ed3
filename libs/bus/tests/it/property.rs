//! Property: whatever the order of publishes and transient handler failures (fewer than
//! max_deliveries per message), every published event is handled and acknowledged.
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

use proptest::prelude::*;
use quorum_bus::{Bus, ConsumerConfig, HandlerError};
use quorum_testkit::TestRedis;
use tokio_util::sync::CancellationToken;

use crate::quick;

async fn run_case(redis: &TestRedis, case: usize, failures: Vec<u8>) {
    let bus = Bus::connect(&redis.url, &format!("p{case}")).await.unwrap();
    let config = ConsumerConfig {
        max_deliveries: 10,
        ..quick()
    };
    let remaining: Arc<Mutex<HashMap<u32, u8>>> = Arc::new(Mutex::new(
        failures
            .iter()
            .enumerate()
            .map(|(index, fails)| (index as u32, *fails))
            .collect(),
    ));
    let handled: Arc<Mutex<BTreeSet<u32>>> = Arc::default();
    let stop = CancellationToken::new();
    let (remaining_in, handled_in) = (remaining.clone(), handled.clone());
    let task = tokio::spawn(bus.consumer("events", "g", "c", config).run(
        stop.clone(),
        move |message| {
            let value: u32 = message.decode().unwrap();
            let mut remaining = remaining_in.lock().unwrap();
            let left = remaining.entry(value).or_insert(0);
            let outcome = if *left > 0 {
                *left -= 1;
                Err(HandlerError::Retry("transient".into()))
            } else {
                handled_in.lock().unwrap().insert(value);
                Ok(())
            };
            std::future::ready(outcome)
        },
    ));
    for value in 0..failures.len() as u32 {
        bus.publish("events", &value).await.unwrap();
    }
    let expected: BTreeSet<u32> = (0..failures.len() as u32).collect();
    crate::eventually("every event handled", || {
        *handled.lock().unwrap() == expected
    })
    .await;
    stop.cancel();
    task.await.unwrap();
    assert_eq!(bus.len("events:dead").await.unwrap(), 0);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 8, ..ProptestConfig::default() })]

    #[test]
    fn nothing_is_lost_under_transient_failures(failures in proptest::collection::vec(0u8..4, 1..25)) {
        let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            let redis = TestRedis::start().await;
            static CASE: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
            let case = CASE.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            run_case(&redis, case, failures).await;
        });
    }
}
