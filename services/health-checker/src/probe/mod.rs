//! Grading a serving service: L2 when reflection lists its declared services and its
//! `/metrics` answers 200; L3 when, besides, a call without a token is UNAUTHENTICATED.
mod metrics;
mod reflection;
mod smoke;

use std::time::Duration;

use quorum_proto::health::v1::Grade;
use tonic::transport::Channel;

use crate::registry::Target;

/// A probe's verdict and, below L3, what fell short.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grading {
    pub grade: Grade,
    pub message: String,
}

/// Runs the checks for one serving service. Every failure lowers the grade; none panics.
pub async fn grade(target: &Target, channel: Channel, timeout: Duration) -> Grading {
    let (methods, metrics) = tokio::join!(
        reflection::first_methods(channel.clone(), &target.grpc_services, timeout),
        metrics::check(&target.admin_addr, timeout),
    );
    let methods = match (methods, metrics) {
        (Err(problem), _) => return below(Grade::L1, "no L2", &format!("reflection: {problem}")),
        (_, Err(problem)) => return below(Grade::L1, "no L2", &format!("metrics: {problem}")),
        (Ok(methods), Ok(())) => methods,
    };
    let Some(method) = methods.first() else {
        return below(
            Grade::L2,
            "no L3",
            "it declares no gRPC method to smoke-check",
        );
    };
    match smoke::check(channel, method, timeout).await {
        Ok(()) => Grading {
            grade: Grade::L3,
            message: String::new(),
        },
        Err(problem) => below(Grade::L2, "no L3", &problem),
    }
}

fn below(grade: Grade, missing: &str, problem: &str) -> Grading {
    Grading {
        grade,
        message: format!("{missing}: {problem}"),
    }
}
