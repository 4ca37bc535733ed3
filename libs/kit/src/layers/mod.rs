//! Tower layers wrapped around every service: observation (request id, trace, metrics,
//! access log) and the guard (load shedding and deadlines).
mod guard;
mod observe;

pub use guard::{GuardConfig, GuardLayer};
pub use observe::{ObserveLayer, REQUEST_ID_HEADER, RequestId};

/// Whether a path belongs to health checking, which stays out of traces and access logs.
pub(crate) fn is_health_path(path: &str) -> bool {
    path.starts_with("/grpc.health.v1.Health/")
}
