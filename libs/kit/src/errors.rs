//! Building the gRPC errors services return: field violations for bad input, and
//! internal errors logged with the request id but returned without internals.
use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt};

/// Collects field violations, then turns them into one INVALID_ARGUMENT.
#[derive(Debug, Default)]
pub struct FieldErrors {
    violations: Vec<(String, String)>,
}

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, field: &str, problem: impl Into<String>) {
        self.violations.push((field.to_string(), problem.into()));
    }

    /// Adds a violation when `condition` is false.
    pub fn check(&mut self, condition: bool, field: &str, problem: impl Into<String>) {
        if !condition {
            self.add(field, problem);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.violations.is_empty()
    }

    /// `Ok` when nothing was added, else INVALID_ARGUMENT with google.rpc.BadRequest.
    pub fn into_result(self) -> Result<(), Status> {
        if self.violations.is_empty() {
            return Ok(());
        }
        let message = self
            .violations
            .iter()
            .map(|(field, problem)| format!("{field}: {problem}"))
            .collect::<Vec<_>>()
            .join("; ");
        let mut details = ErrorDetails::new();
        for (field, problem) in &self.violations {
            details.add_bad_request_violation(field.clone(), problem.clone());
        }
        Err(Status::with_error_details(
            Code::InvalidArgument,
            message,
            details,
        ))
    }
}

/// INVALID_ARGUMENT for a single field.
pub fn invalid_field(field: &str, problem: impl Into<String>) -> Status {
    let mut errors = FieldErrors::new();
    errors.add(field, problem);
    errors
        .into_result()
        .err()
        .unwrap_or_else(|| Status::invalid_argument(field.to_string()))
}

/// Logs an unexpected error in full and returns INTERNAL without its details.
pub fn internal(context: &str, error: impl std::fmt::Display) -> Status {
    tracing::error!(error = %error, "{context}");
    Status::internal(format!(
        "{context}; the error was logged with this call's request id"
    ))
}

/// UNAVAILABLE for a dependency that is down, logged.
pub fn unavailable(dependency: &str, error: impl std::fmt::Display) -> Status {
    tracing::warn!(error = %error, dependency, "dependency unavailable");
    Status::unavailable(format!("{dependency} is unavailable; retry later"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn violations_become_bad_request_details() {
        let mut errors = FieldErrors::new();
        errors.check(true, "ok", "never");
        errors.add("username", "must not be empty");
        errors.add("password", "must be at least 12 characters");
        let status = errors.into_result().unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument);
        assert!(status.message().contains("username: must not be empty"));
        let details = status.get_error_details();
        let bad_request = details.bad_request().unwrap();
        assert_eq!(bad_request.field_violations.len(), 2);
        assert_eq!(bad_request.field_violations[1].field, "password");
    }

    #[test]
    fn no_violations_is_ok() {
        assert!(FieldErrors::new().into_result().is_ok());
    }
}
