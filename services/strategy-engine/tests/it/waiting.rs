//! Failing closed: a strategy waits while its book is not synced or stale, or while an
//! order's fate is unknown, says why, and resumes by itself.
use quorum_proto::trading::v1::{RunOutcome, StrategyState};

use crate::harness::Harness;

#[tokio::test]
async fn a_syncing_book_makes_the_strategy_wait_and_it_resumes() {
    let harness = Harness::start().await;
    harness.exchange.edit(|state| state.synced = false);
    let id = harness.running_strategy().await;
    harness.publish_candle(2, 50_000).await;
    let waiting = harness.wait_state(&id, StrategyState::Waiting).await;
    assert!(
        waiting.status_reason.contains("syncing"),
        "{}",
        waiting.status_reason
    );
    assert!(harness.runs(&id).await.is_empty());
    harness.exchange.edit(|state| state.synced = true);
    harness.publish_candle(1, 50_000).await;
    let run = &harness.finished_runs(&id, 1).await[0];
    assert_eq!(run.outcome(), RunOutcome::OrderPlaced);
    let running = harness.wait_state(&id, StrategyState::Running).await;
    assert_eq!(running.status_reason, "trading");
}

#[tokio::test]
async fn a_stale_price_makes_the_strategy_wait() {
    let harness = Harness::start().await;
    harness.exchange.edit(|state| state.book_age_ms = 60_000);
    let id = harness.running_strategy().await;
    harness.publish_candle(1, 50_000).await;
    let waiting = harness.wait_state(&id, StrategyState::Waiting).await;
    assert!(
        waiting.status_reason.contains("stale"),
        "{}",
        waiting.status_reason
    );
    assert_eq!(harness.exchange.snapshot().place_calls, 0);
}

#[tokio::test]
async fn an_old_candle_is_not_acted_on() {
    let harness = Harness::start().await;
    let id = harness.running_strategy().await;
    harness.publish_candle(10, 50_000).await;
    let waiting = harness.wait_state(&id, StrategyState::Waiting).await;
    assert!(
        waiting.status_reason.contains("too late"),
        "{}",
        waiting.status_reason
    );
    assert!(harness.runs(&id).await.is_empty());
}

#[tokio::test]
async fn a_lost_order_answer_blocks_the_account_until_the_venue_confirms_the_order() {
    let harness = Harness::start().await;
    harness.exchange.edit(|state| state.lose_answers = true);
    let id = harness.running_strategy().await;
    harness.publish_candle(2, 50_000).await;
    // The order was placed but its answer lost: recovery asks the venue by client order
    // id and records it, without placing it again.
    let run = &harness.finished_runs(&id, 1).await[0];
    assert_eq!(run.outcome(), RunOutcome::OrderPlaced, "{run:?}");
    assert!(run.detail.contains("found at the venue"), "{}", run.detail);
    let exchange = harness.exchange.snapshot();
    assert_eq!((exchange.place_calls, exchange.orders.len()), (1, 1));
    assert_eq!(run.order_id, exchange.orders[&run.client_order_id].order_id);
}

#[tokio::test]
async fn an_order_that_never_reached_the_venue_is_not_sent_again() {
    let harness = Harness::start().await;
    harness
        .exchange
        .edit(|state| state.fail_place = Some("connector restarting".into()));
    let id = harness.running_strategy().await;
    harness.publish_candle(2, 50_000).await;
    let run = &harness.finished_runs(&id, 1).await[0];
    assert_eq!(run.outcome(), RunOutcome::Failed, "{run:?}");
    assert!(run.detail.contains("not sent again"), "{}", run.detail);
    assert_eq!(harness.exchange.snapshot().place_calls, 1);
    assert!(harness.exchange.snapshot().orders.is_empty());
}
