//! The leader lease against a real Postgres.
#![allow(clippy::unwrap_used, clippy::expect_used)]
use std::time::Duration;

use quorum_store::lease::{LeaderLease, LeaseHolder};
use quorum_testkit::TestDatabase;
use sqlx::PgPool;

async fn pool() -> PgPool {
    let database = TestDatabase::create().await;
    PgPool::connect(&database.url).await.unwrap()
}

async fn lease(pool: &PgPool, holder: &str, ttl_ms: u64) -> LeaderLease {
    LeaderLease::open(
        pool.clone(),
        "venue-session",
        holder,
        Duration::from_millis(ttl_ms),
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn one_holder_at_a_time_and_a_takeover_after_expiry_fences_the_old_leader() {
    let pool = pool().await;
    let first = lease(&pool, "pod-a", 400).await;
    let second = lease(&pool, "pod-b", 400).await;
    let token = first
        .try_acquire()
        .await
        .unwrap()
        .expect("a free lease is taken");
    assert_eq!(second.try_acquire().await.unwrap(), None, "held by pod-a");
    assert!(first.renew(token).await.unwrap());
    assert_eq!(
        second.current().await.unwrap(),
        Some(LeaseHolder {
            holder: "pod-a".into(),
            token
        })
    );

    // pod-a stops renewing (a pause, a partition); after the ttl pod-b takes over.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let taken = second
        .try_acquire()
        .await
        .unwrap()
        .expect("an expired lease is taken");
    assert!(taken > token, "a new term has a larger token");
    assert!(
        !first.renew(token).await.unwrap(),
        "the old term cannot be renewed"
    );

    // The fence: the old token's writes are refused, the new one's allowed.
    let mut transaction = pool.begin().await.unwrap();
    assert!(!first.is_current(&mut transaction, token).await.unwrap());
    assert!(second.is_current(&mut transaction, taken).await.unwrap());
    transaction.commit().await.unwrap();
}

#[tokio::test]
async fn a_released_lease_is_taken_at_once_and_a_returning_holder_gets_a_new_token() {
    let pool = pool().await;
    let first = lease(&pool, "pod-a", 60_000).await;
    let second = lease(&pool, "pod-b", 60_000).await;
    let token = first.try_acquire().await.unwrap().unwrap();
    first.release(token).await.unwrap();
    assert_eq!(first.current().await.unwrap(), None);
    let taken = second
        .try_acquire()
        .await
        .unwrap()
        .expect("a released lease is free");
    second.release(taken).await.unwrap();
    // The same holder name after a restart is a new term: an old write of its previous
    // incarnation must not pass the fence.
    let again = first.try_acquire().await.unwrap().unwrap();
    assert!(
        again > taken && taken > token,
        "{token} < {taken} < {again}"
    );
}

#[tokio::test]
async fn of_replicas_starting_together_exactly_one_leads() {
    let pool = pool().await;
    let mut leases = Vec::new();
    for index in 0..8 {
        leases.push(lease(&pool, &format!("pod-{index}"), 60_000).await);
    }
    let attempts = leases.iter().map(LeaderLease::try_acquire);
    let won: Vec<i64> = futures::future::join_all(attempts)
        .await
        .into_iter()
        .filter_map(|attempt| attempt.unwrap())
        .collect();
    assert_eq!(won, [1], "exactly one term begins");
}
