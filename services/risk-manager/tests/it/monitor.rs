//! The drawdown monitor moves the state down by itself as the scripted equity falls, and
//! never back up.
use std::time::Duration;

use quorum_proto::trading::v1::TradingState;

use crate::harness::*;

async fn peak_of(harness: &Harness, account: &str) -> Option<String> {
    let pool = harness.sql().await;
    let peak =
        sqlx::query_scalar("SELECT peak::text FROM risk_manager.equity_peaks WHERE account = $1")
            .bind(account)
            .fetch_optional(&pool)
            .await
            .unwrap();
    pool.close().await;
    peak
}

async fn state_becomes(harness: &Harness, wanted: TradingState) {
    eventually(&format!("the state {wanted:?}"), PATIENCE, || async {
        (harness.get_state().await.state() == wanted).then_some(())
    })
    .await;
}

#[tokio::test]
async fn falling_equity_moves_the_state_to_reducing_then_halted() {
    let harness = Harness::start_with(|config| config.monitor_interval_secs = 1).await;
    let mut limits = roomy_limits();
    limits.reducing_drawdown = 0.1;
    limits.halting_drawdown = 0.2;
    // Before the limits, which make the monitor watch the account.
    harness.set_equity(ACCOUNT, "1000");
    harness.set_limits(limits).await.unwrap();
    eventually("the peak of 1000", PATIENCE, || async {
        (peak_of(&harness, ACCOUNT).await.as_deref() == Some("1000")).then_some(())
    })
    .await;
    assert_eq!(harness.get_state().await.state(), TradingState::Active);

    // 15% below the peak.
    harness.set_equity(ACCOUNT, "850");
    state_becomes(&harness, TradingState::Reducing).await;
    let state = harness.get_state().await;
    assert_eq!(state.changed_by, "drawdown-monitor");
    assert!(state.reason.contains("15.00%"), "{state:?}");

    // 21% below the peak.
    harness.set_equity(ACCOUNT, "790");
    state_becomes(&harness, TradingState::Halted).await;
    assert_eq!(harness.get_state().await.changed_by, "drawdown-monitor");
    let audit = harness
        .event_where("audit", |event| {
            event["action"] == "risk.trading_state" && event["details"]["state"] == "HALTED"
        })
        .await;
    assert_eq!(audit["actor"], "drawdown-monitor");
    let published = harness
        .event_where("risk.state", |event| event["state"] == "halted")
        .await;
    assert_eq!(published["previous"], "reducing");

    // A recovery does not lift the halt: that is a risk officer's call.
    harness.set_equity(ACCOUNT, "1200");
    let calls = harness.fakes.script.lock().unwrap().portfolio_calls;
    eventually("two more monitor passes", PATIENCE, || async {
        (harness.fakes.script.lock().unwrap().portfolio_calls >= calls + 2).then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(harness.get_state().await.state(), TradingState::Halted);
    assert_eq!(peak_of(&harness, ACCOUNT).await.as_deref(), Some("1200"));
}

#[tokio::test]
async fn a_drawdown_never_eases_a_stricter_state() {
    let harness = Harness::start_with(|config| config.monitor_interval_secs = 1).await;
    let mut limits = roomy_limits();
    limits.reducing_drawdown = 0.1;
    limits.halting_drawdown = 0.2;
    // Before the limits, which make the monitor watch the account.
    harness.set_equity(ACCOUNT, "1000");
    harness.set_limits(limits).await.unwrap();
    eventually("the peak of 1000", PATIENCE, || async {
        (peak_of(&harness, ACCOUNT).await.as_deref() == Some("1000")).then_some(())
    })
    .await;
    harness
        .set_state(TradingState::Halted, "manual halt", &["risk-officer"])
        .await
        .unwrap();
    // A drawdown that calls for REDUCING leaves HALTED alone.
    harness.set_equity(ACCOUNT, "880");
    let calls = harness.fakes.script.lock().unwrap().portfolio_calls;
    eventually("two more monitor passes", PATIENCE, || async {
        (harness.fakes.script.lock().unwrap().portfolio_calls >= calls + 2).then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let state = harness.get_state().await;
    assert_eq!(state.state(), TradingState::Halted);
    assert_eq!(state.reason, "manual halt");
}
