//! What every Postgres access here shares: errors turned into gRPC codes, and times.
use chrono::{DateTime, Utc};
use quorum_kit::errors::{internal, unavailable};
use tonic::Status;

/// UNAVAILABLE when Postgres cannot be reached or is shedding work, INTERNAL (logged)
/// for anything else.
pub fn database_status(context: &str, error: sqlx::Error) -> Status {
    if is_unavailable(&error) {
        unavailable("postgres", error)
    } else {
        internal(context, error)
    }
}

/// Errors that a retry after a while may cure.
pub fn is_unavailable(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        // Connection exceptions (08), insufficient resources (53), shutdown (57P), and
        // serialization failures or deadlocks (40).
        sqlx::Error::Database(database) => database.code().is_some_and(|code| {
            ["08", "53", "57P", "40"]
                .iter()
                .any(|class| code.starts_with(class))
        }),
        _ => false,
    }
}

/// Whether an insert failed on a unique constraint.
pub fn is_unique_violation(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(database) if database.code().as_deref() == Some("23505"))
}

/// A Unix time in milliseconds as a timestamp (the epoch when out of range).
pub fn timestamp(unix_ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(unix_ms).unwrap_or_default()
}

pub fn unix_ms(time: DateTime<Utc>) -> i64 {
    time.timestamp_millis()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_round_trip_and_connection_errors_are_unavailable() {
        assert_eq!(unix_ms(timestamp(1_700_000_000_123)), 1_700_000_000_123);
        assert_eq!(unix_ms(timestamp(i64::MAX)), 0);
        assert!(is_unavailable(&sqlx::Error::PoolTimedOut));
        assert!(!is_unavailable(&sqlx::Error::RowNotFound));
        let status = database_status("reading", sqlx::Error::PoolTimedOut);
        assert_eq!(status.code(), tonic::Code::Unavailable);
        assert!(status.message().contains("postgres"));
        let status = database_status("reading", sqlx::Error::RowNotFound);
        assert_eq!(status.code(), tonic::Code::Internal);
    }
}
