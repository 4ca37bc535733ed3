//! Times as the tables store them. What a failed Postgres call means (its gRPC status, a
//! unique violation) is `quorum_store::errors`.
use chrono::{DateTime, Utc};

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
    fn times_round_trip() {
        assert_eq!(unix_ms(timestamp(1_700_000_000_123)), 1_700_000_000_123);
        assert_eq!(unix_ms(timestamp(i64::MAX)), 0);
    }
}
