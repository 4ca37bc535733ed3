//! One registered service: what was last observed, what is reported, and its history.
use std::collections::VecDeque;

use quorum_proto::health::v1::{Grade, ServiceState, ServiceStatus, StatusChange};

use crate::registry::Target;

/// The record kept for one target.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub target: Target,
    /// What the service's own health says (never DEGRADED).
    pub observed: ServiceState,
    /// What is reported: `observed`, or DEGRADED when a hard dependency is down.
    pub state: ServiceState,
    pub grade: Grade,
    pub down_dependencies: Vec<String>,
    pub since_unix_ms: i64,
    pub last_checked_unix_ms: i64,
    pub health_message: String,
    pub grade_message: String,
    pub history: VecDeque<StatusChange>,
    /// State, grade and down dependencies as last broadcast.
    published: (ServiceState, Grade, Vec<String>),
}

impl Entry {
    pub fn new(target: Target, now: i64) -> Self {
        let (observed, health_message) = if target.implemented {
            (ServiceState::Unknown, "not checked yet")
        } else {
            (
                ServiceState::NotImplemented,
                "in the catalog but not built yet",
            )
        };
        Self {
            target,
            observed,
            state: observed,
            grade: Grade::L1,
            down_dependencies: Vec::new(),
            since_unix_ms: now,
            last_checked_unix_ms: 0,
            health_message: health_message.to_string(),
            grade_message: String::new(),
            history: VecDeque::new(),
            published: (observed, Grade::L1, Vec::new()),
        }
    }

    /// The message reported with the status.
    pub fn message(&self) -> String {
        if self.state == ServiceState::Degraded {
            return format!(
                "hard dependencies not serving: {}",
                self.down_dependencies.join(", ")
            );
        }
        if self.grade_message.is_empty() {
            self.health_message.clone()
        } else {
            format!("{}; {}", self.health_message, self.grade_message)
        }
    }

    /// Records a transition in the bounded history.
    pub fn record(&mut self, change: StatusChange, capacity: usize) {
        while self.history.len() >= capacity.max(1) {
            self.history.pop_front();
        }
        self.history.push_back(change);
    }

    /// Whether state, grade or down dependencies changed since last published; marks
    /// them published.
    pub fn take_unpublished(&mut self) -> bool {
        let current = (self.state, self.grade, self.down_dependencies.clone());
        if current == self.published {
            return false;
        }
        self.published = current;
        true
    }

    pub fn status(&self) -> ServiceStatus {
        ServiceStatus {
            name: self.target.name.clone(),
            category: self.target.category.as_str().to_string(),
            address: self.target.endpoint.clone(),
            implemented: self.target.implemented,
            state: self.state as i32,
            grade: self.grade as i32,
            hard_dependencies: self.target.hard_deps.clone(),
            soft_dependencies: self.target.soft_deps.clone(),
            down_dependencies: self.down_dependencies.clone(),
            since_unix_ms: self.since_unix_ms,
            last_checked_unix_ms: self.last_checked_unix_ms,
            message: self.message(),
        }
    }
}
