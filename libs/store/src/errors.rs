//! What a failed Postgres call means for the caller: the rows' own fault (retrying
//! cannot help), the database being away or overloaded (retry later), a duplicate key;
//! and the gRPC status a handler answers with.
use quorum_kit::errors::{internal, unavailable};
use tonic::Status;

/// The gRPC status for a failed database call: UNAVAILABLE (logged) when a retry later
/// may pass, INTERNAL (logged, without details) otherwise.
pub fn database_status(context: &str, error: sqlx::Error) -> Status {
    if is_unavailable(&error) {
        unavailable("postgres", error)
    } else {
        internal(context, error)
    }
}

/// Whether the database is unreachable, starting, stopping or overloaded: worth
/// retrying later.
pub fn is_unavailable(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(database) => database.code().is_some_and(|code| {
            // 08: connection exception, 53: insufficient resources, 57P: operator
            // intervention (shutdown, starting up), 40: serialization failure or
            // deadlock, 55000: object not in prerequisite state (recovery in progress).
            ["08", "53", "57P", "40"]
                .iter()
                .any(|class| code.starts_with(class))
                || code == "55000"
        }),
        _ => false,
    }
}

/// A failure caused by the rows themselves (SQLSTATE classes 22, data exception, and 23,
/// integrity constraint violation, or a value that cannot be encoded): retrying the same
/// rows cannot help.
pub fn is_data_error(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Database(database) => database
            .code()
            .is_some_and(|code| code.starts_with("22") || code.starts_with("23")),
        sqlx::Error::Encode(_) => true,
        _ => false,
    }
}

/// Whether a write failed on a unique constraint (SQLSTATE 23505).
pub fn is_unique_violation(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(database) if database.code().as_deref() == Some("23505"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn io_error() -> sqlx::Error {
        sqlx::Error::Io(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "reset",
        ))
    }

    #[test]
    fn connection_trouble_is_unavailable_and_other_errors_are_internal() {
        assert!(is_unavailable(&sqlx::Error::PoolTimedOut));
        assert!(is_unavailable(&io_error()));
        assert!(!is_unavailable(&sqlx::Error::RowNotFound));
        let status = database_status("reading", sqlx::Error::PoolTimedOut);
        assert_eq!(status.code(), tonic::Code::Unavailable);
        assert!(
            status.message().contains("postgres"),
            "{}",
            status.message()
        );
        let status = database_status("reading", sqlx::Error::RowNotFound);
        assert_eq!(status.code(), tonic::Code::Internal);
        assert!(
            status.message().starts_with("reading"),
            "{}",
            status.message()
        );
    }

    #[test]
    fn only_the_rows_own_faults_are_data_errors() {
        assert!(is_data_error(&sqlx::Error::Encode("bad".into())));
        assert!(!is_data_error(&sqlx::Error::PoolTimedOut));
        assert!(!is_data_error(&io_error()));
        assert!(!is_unique_violation(&sqlx::Error::RowNotFound));
    }
}
