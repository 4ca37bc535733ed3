//! The one global trading state: read, set by a risk officer, escalated by the drawdown
//! monitor. Every change writes its history row, its audit event and its `risk.state`
//! event in the transaction of the change.
use quorum_bus::audit::AuditEntry;
use quorum_bus::events::{AuditOutcome, RISK_STATE_TOPIC, TradingState, TradingStateChanged};
use quorum_bus::outbox::Outbox;
use quorum_proto::trading::v1 as pb;
use sqlx::{PgConnection, PgPool, Row};

/// The state now, with who set it, when and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateRecord {
    pub state: TradingState,
    pub reason: String,
    pub changed_by: String,
    pub changed_unix_ms: i64,
}

/// A change asked for.
#[derive(Debug, Clone)]
pub struct Change<'a> {
    pub state: TradingState,
    pub reason: &'a str,
    /// Who asks: a user name, or `drawdown-monitor`.
    pub changed_by: &'a str,
}

/// The audit action of trading state changes.
pub const AUDIT_ACTION: &str = "risk.trading_state";

/// The state orders are checked against now.
pub async fn current(pool: &PgPool) -> Result<StateRecord, sqlx::Error> {
    let mut connection = pool.acquire().await?;
    read(&mut connection, false).await
}

/// Sets the state whatever it was; returns the previous one.
pub async fn set(
    pool: &PgPool,
    outbox: &Outbox,
    change: &Change<'_>,
) -> Result<TradingState, sqlx::Error> {
    let mut transaction = pool.begin().await?;
    let previous = read(&mut transaction, true).await?.state;
    write(&mut transaction, change, previous).await?;
    transaction.commit().await?;
    outbox.wake();
    Ok(previous)
}

/// Moves the state to `change.state` only if that is more severe than the state now
/// (ACTIVE < REDUCING < HALTED); returns the previous state when it moved.
pub async fn escalate(
    pool: &PgPool,
    outbox: &Outbox,
    change: &Change<'_>,
) -> Result<Option<TradingState>, sqlx::Error> {
    let mut transaction = pool.begin().await?;
    let previous = read(&mut transaction, true).await?.state;
    if severity(change.state) <= severity(previous) {
        transaction.rollback().await?;
        return Ok(None);
    }
    write(&mut transaction, change, previous).await?;
    transaction.commit().await?;
    outbox.wake();
    Ok(Some(previous))
}

/// How restrictive a state is.
pub fn severity(state: TradingState) -> u8 {
    match state {
        TradingState::Active => 0,
        TradingState::Reducing => 1,
        TradingState::Halted => 2,
    }
}

/// The stored name of a state.
pub fn stored_name(state: TradingState) -> &'static str {
    match state {
        TradingState::Active => "active",
        TradingState::Reducing => "reducing",
        TradingState::Halted => "halted",
    }
}

/// The protobuf enum of a state.
pub fn to_proto(state: TradingState) -> pb::TradingState {
    match state {
        TradingState::Active => pb::TradingState::Active,
        TradingState::Reducing => pb::TradingState::Reducing,
        TradingState::Halted => pb::TradingState::Halted,
    }
}

/// A state from the protobuf enum; `None` for UNSPECIFIED or an unknown number.
pub fn from_proto(value: i32) -> Option<TradingState> {
    match pb::TradingState::try_from(value).ok()? {
        pb::TradingState::Active => Some(TradingState::Active),
        pb::TradingState::Reducing => Some(TradingState::Reducing),
        pb::TradingState::Halted => Some(TradingState::Halted),
        pb::TradingState::Unspecified => None,
    }
}

fn parse_stored(text: &str) -> Result<TradingState, sqlx::Error> {
    match text {
        "active" => Ok(TradingState::Active),
        "reducing" => Ok(TradingState::Reducing),
        "halted" => Ok(TradingState::Halted),
        other => Err(sqlx::Error::Decode(
            format!("stored trading state '{other}' is not a state").into(),
        )),
    }
}

async fn read(connection: &mut PgConnection, lock: bool) -> Result<StateRecord, sqlx::Error> {
    let query = if lock {
        "SELECT state, reason, changed_by, changed_at FROM trading_state FOR UPDATE"
    } else {
        "SELECT state, reason, changed_by, changed_at FROM trading_state"
    };
    let row = sqlx::query(query).fetch_one(&mut *connection).await?;
    let state: String = row.try_get("state")?;
    let changed_at: chrono::DateTime<chrono::Utc> = row.try_get("changed_at")?;
    Ok(StateRecord {
        state: parse_stored(&state)?,
        reason: row.try_get("reason")?,
        changed_by: row.try_get("changed_by")?,
        changed_unix_ms: changed_at.timestamp_millis(),
    })
}

async fn write(
    connection: &mut PgConnection,
    change: &Change<'_>,
    previous: TradingState,
) -> Result<(), sqlx::Error> {
    let changed_at: chrono::DateTime<chrono::Utc> = sqlx::query_scalar(
        "UPDATE trading_state SET state = $1, reason = $2, changed_by = $3, \
             changed_at = clock_timestamp() \
         RETURNING changed_at",
    )
    .bind(stored_name(change.state))
    .bind(change.reason)
    .bind(change.changed_by)
    .fetch_one(&mut *connection)
    .await?;
    sqlx::query(
        "INSERT INTO trading_state_history (state, previous, reason, changed_by, changed_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(stored_name(change.state))
    .bind(stored_name(previous))
    .bind(change.reason)
    .bind(change.changed_by)
    .bind(changed_at)
    .execute(&mut *connection)
    .await?;
    let event = TradingStateChanged {
        state: change.state,
        previous,
        reason: change.reason.to_string(),
        changed_by: change.changed_by.to_string(),
        changed_at_ms: changed_at.timestamp_millis(),
    };
    Outbox::enqueue(&mut *connection, RISK_STATE_TOPIC, &event).await?;
    let entry = AuditEntry {
        service: crate::SERVICE,
        actor: change.changed_by,
        action: AUDIT_ACTION,
        resource: "trading_state",
        outcome: AuditOutcome::Success,
        details: serde_json::json!({
            "state": state_label(change.state),
            "previous": state_label(previous),
            "reason": change.reason,
        }),
    };
    quorum_bus::audit::record(connection, entry).await
}

fn state_label(state: TradingState) -> &'static str {
    crate::rules::state_name(state)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_map_both_ways_and_order_by_severity() {
        for state in [
            TradingState::Active,
            TradingState::Reducing,
            TradingState::Halted,
        ] {
            assert_eq!(from_proto(to_proto(state) as i32), Some(state));
            assert_eq!(parse_stored(stored_name(state)).unwrap(), state);
        }
        assert_eq!(from_proto(0), None);
        assert_eq!(from_proto(42), None);
        assert!(parse_stored("paused").is_err());
        assert!(severity(TradingState::Active) < severity(TradingState::Reducing));
        assert!(severity(TradingState::Reducing) < severity(TradingState::Halted));
    }

    #[test]
    fn the_bus_event_names_states_in_snake_case() {
        let event = TradingStateChanged {
            state: TradingState::Halted,
            previous: TradingState::Active,
            reason: "kill switch".into(),
            changed_by: "olivia".into(),
            changed_at_ms: 7,
        };
        let text = serde_json::to_string(&event).unwrap();
        assert!(text.contains(r#""state":"halted""#), "{text}");
        assert!(text.contains(r#""previous":"active""#), "{text}");
    }
}
