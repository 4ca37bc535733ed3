//! The drawdown monitor: every interval it reads the equity of each watched account,
//! keeps its peak, and moves the trading state to REDUCING or HALTED when the drawdown
//! from the peak reaches the account's thresholds. It never moves the state back.
use std::sync::Arc;
use std::time::Duration;

use quorum_bus::events::TradingState;
use quorum_kit::CancellationToken;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crate::limits::Limits;
use crate::state::{self, Change};
use crate::{Shared, store};

/// Who the monitor's changes are recorded as.
pub const CHANGED_BY: &str = "drawdown-monitor";

/// Runs a pass every `interval` until shutdown.
pub async fn run(shared: Arc<Shared>, interval: Duration, shutdown: CancellationToken) {
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            _ = ticker.tick() => pass(&shared).await,
        }
    }
}

/// One look at every watched account. Failures are logged; the next pass tries again.
pub async fn pass(shared: &Shared) {
    let accounts = match store::watched_accounts(&shared.pool).await {
        Ok(accounts) => accounts,
        Err(error) => {
            tracing::warn!(%error, "drawdown monitor cannot list accounts");
            return;
        }
    };
    for account in accounts {
        if let Err(problem) = watch(shared, &account).await {
            tracing::warn!(account, problem, "drawdown monitor skipped an account");
        }
    }
    if let Err(error) = store::prune(&shared.pool, chrono::Utc::now().date_naive()).await {
        tracing::warn!(%error, "drawdown monitor cannot prune old records");
    }
}

/// Drawdown from the peak as a fraction: (peak - equity) / peak; 0 without a positive
/// peak.
pub fn drawdown(peak: Decimal, equity: Decimal) -> f64 {
    if peak <= Decimal::ZERO {
        return 0.0;
    }
    ((peak - equity) / peak).to_f64().unwrap_or(0.0).max(0.0)
}

/// The state a drawdown calls for under `limits`, if any.
pub fn called_for(drawdown: f64, limits: &Limits) -> Option<TradingState> {
    if drawdown >= limits.halting_drawdown {
        Some(TradingState::Halted)
    } else if drawdown >= limits.reducing_drawdown {
        Some(TradingState::Reducing)
    } else {
        None
    }
}

async fn watch(shared: &Shared, account: &str) -> Result<(), String> {
    let portfolio = shared
        .peers
        .portfolio(account)
        .await
        .map_err(|status| status.message().to_string())?;
    let Some(portfolio) = portfolio else {
        return Ok(());
    };
    let Some(equity) = portfolio.equity else {
        // Not valued is not a loss: no peak or day opening is recorded from it.
        tracing::warn!(
            account,
            "equity unknown (an asset without a mark); drawdown not measured"
        );
        return Ok(());
    };
    let today = chrono::Utc::now().date_naive();
    store::day_open_equity(&shared.pool, account, today, equity)
        .await
        .map_err(|error| error.to_string())?;
    let peak = store::observe_equity(&shared.pool, account, equity)
        .await
        .map_err(|error| error.to_string())?;
    let limits = shared
        .limits_of(account)
        .await
        .map_err(|status| status.message().to_string())?;
    let drawdown = drawdown(peak, equity);
    let Some(target) = called_for(drawdown, &limits) else {
        return Ok(());
    };
    let threshold = match target {
        TradingState::Halted => limits.halting_drawdown,
        _ => limits.reducing_drawdown,
    };
    let reason = format!(
        "drawdown of account {account} is {:.2}% from its peak {} (equity {}), at or over the \
         {} threshold of {:.2}%",
        drawdown * 100.0,
        peak.normalize(),
        equity.normalize(),
        crate::rules::state_name(target),
        threshold * 100.0
    );
    let change = Change {
        state: target,
        reason: &reason,
        changed_by: CHANGED_BY,
    };
    let moved = state::escalate(&shared.pool, &shared.outbox, &change)
        .await
        .map_err(|error| error.to_string())?;
    if let Some(previous) = moved {
        tracing::warn!(account, ?previous, state = ?target, drawdown, "drawdown monitor moved the trading state");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::DefaultLimitArgs;
    use rust_decimal::dec;

    #[test]
    fn drawdown_is_the_fall_from_the_peak() {
        assert!((drawdown(dec!(1000), dec!(850)) - 0.15).abs() < 1e-12);
        assert_eq!(drawdown(dec!(1000), dec!(1200)), 0.0);
        assert_eq!(drawdown(dec!(0), dec!(-5)), 0.0);
        assert!((drawdown(dec!(1000), dec!(-500)) - 1.5).abs() < 1e-12);
    }

    #[test]
    fn thresholds_call_for_reducing_then_halted() {
        let limits = DefaultLimitArgs::default().limits().unwrap(); // 10% and 20%
        assert_eq!(called_for(0.0999, &limits), None);
        assert_eq!(called_for(0.10, &limits), Some(TradingState::Reducing));
        assert_eq!(called_for(0.1999, &limits), Some(TradingState::Reducing));
        assert_eq!(called_for(0.20, &limits), Some(TradingState::Halted));
    }
}
