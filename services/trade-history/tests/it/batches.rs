//! The batch writer on its own against a real database: many callers at once all get
//! their trade stored, and a row the database refuses fails alone.
use std::time::Duration;

use quorum_domain::{Decimal, Side, Trade, Venue};
use quorum_kit::CancellationToken;
use quorum_store::{StoreConfig, connect};
use quorum_testkit::TestDatabase;
use sqlx::PgPool;
use trade_history::batcher::{BatchWriter, WriteError};
use trade_history::{MIGRATOR, SERVICE};

use crate::harness::DAY_START;

async fn pool() -> PgPool {
    let database = TestDatabase::create().await;
    connect(&StoreConfig::for_service(SERVICE, &database.url), &MIGRATOR)
        .await
        .unwrap()
}

fn trade(index: i64) -> Trade {
    Trade {
        venue: Venue::Okx,
        symbol: "ETH-BTC".parse().unwrap(),
        trade_id: index.to_string(),
        price: Decimal::new(5_312, 5),
        quantity: Decimal::new(3, 0),
        taker_side: Side::Sell,
        traded_at_ms: DAY_START + index,
    }
}

async fn count(pool: &PgPool) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM trades")
        .fetch_one(pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn concurrent_callers_are_all_stored() {
    let pool = pool().await;
    let shutdown = CancellationToken::new();
    let (writer, task) = BatchWriter::new(pool.clone(), 64, shutdown.clone());
    let running = tokio::spawn(task.run());
    let calls: Vec<_> = (0..500)
        .map(|index| {
            let writer = writer.clone();
            tokio::spawn(async move { writer.write(trade(index % 400)).await })
        })
        .collect();
    for call in calls {
        assert_eq!(call.await.unwrap(), Ok(()));
    }
    // 100 of the 500 were repeats.
    assert_eq!(count(&pool).await, 400);

    shutdown.cancel();
    tokio::time::timeout(Duration::from_secs(5), running)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        writer.write(trade(1000)).await,
        Err(WriteError::ShuttingDown)
    );
    assert_eq!(count(&pool).await, 400);
}

#[tokio::test]
async fn a_refused_trade_fails_alone() {
    let pool = pool().await;
    let (writer, task) = BatchWriter::new(pool.clone(), 1000, CancellationToken::new());
    // Queue everything before the task runs, so all of it lands in one batch.
    let calls: Vec<_> = (0..20)
        .map(|index| {
            let writer = writer.clone();
            let mut trade = trade(index);
            if index == 7 {
                // The table's CHECK refuses it; the trades beside it must not suffer.
                trade.price = Decimal::ZERO;
            }
            tokio::spawn(async move { writer.write(trade).await })
        })
        .collect();
    tokio::task::yield_now().await;
    tokio::spawn(task.run());
    for (index, call) in calls.into_iter().enumerate() {
        let outcome = call.await.unwrap();
        if index == 7 {
            assert!(
                matches!(outcome, Err(WriteError::Refused(_))),
                "{outcome:?}"
            );
        } else {
            assert_eq!(outcome, Ok(()), "trade {index}");
        }
    }
    assert_eq!(count(&pool).await, 19);
}
