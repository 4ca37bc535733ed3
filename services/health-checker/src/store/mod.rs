//! The in-memory registry state: statuses, degradation, history and change broadcast.
mod entry;
#[cfg(test)]
mod tests;

use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, MutexGuard};

use quorum_catalog::Category;
use quorum_proto::health::v1::{Grade, ServiceState, ServiceStatus, StatusChange};
use tokio::sync::broadcast;

use crate::registry::Target;
use entry::Entry;

/// Changes buffered per subscriber; a subscriber that falls further behind resyncs.
pub const CHANGE_BUFFER: usize = 256;

/// Which services a listing wants.
#[derive(Debug, Clone, Copy, Default)]
pub struct ListFilter {
    pub category: Option<Category>,
    pub implemented_only: bool,
}

/// Every registered service and what is known about it.
pub struct Store {
    table: Mutex<Table>,
    changes: broadcast::Sender<ServiceStatus>,
    history_capacity: usize,
}

struct Table {
    entries: Vec<Entry>,
    index: HashMap<String, usize>,
}

impl Store {
    pub fn new(targets: Vec<Target>, history_capacity: usize) -> Self {
        let now = now_unix_ms();
        let mut index = HashMap::new();
        let mut entries = Vec::new();
        for target in targets {
            if index.contains_key(&target.name) {
                tracing::warn!(service = %target.name, "registered twice; keeping the first");
                continue;
            }
            index.insert(target.name.clone(), entries.len());
            entries.push(Entry::new(target, now));
        }
        let (changes, _) = broadcast::channel(CHANGE_BUFFER);
        let store = Self {
            table: Mutex::new(Table { entries, index }),
            changes,
            history_capacity: history_capacity.max(1),
        };
        store.refresh_all(&mut store.lock(), now);
        store
    }

    /// Records what a service's own health says (SERVING, NOT_SERVING, UNREACHABLE).
    /// Anything but SERVING drops the grade to L1 until the next probe.
    pub fn observe(&self, name: &str, observed: ServiceState, message: &str) {
        let now = now_unix_ms();
        let mut table = self.lock();
        let Some(&position) = table.index.get(name) else {
            return;
        };
        let entry = &mut table.entries[position];
        entry.observed = observed;
        entry.last_checked_unix_ms = now;
        entry.health_message = message.to_string();
        if observed != ServiceState::Serving {
            entry.grade = Grade::L1;
            entry.grade_message.clear();
        }
        self.refresh_all(&mut table, now);
    }

    /// Records a grading probe's outcome; ignored unless the service is serving.
    pub fn grade(&self, name: &str, grade: Grade, message: &str) {
        let now = now_unix_ms();
        let mut table = self.lock();
        let Some(&position) = table.index.get(name) else {
            return;
        };
        let entry = &mut table.entries[position];
        if entry.observed != ServiceState::Serving {
            return;
        }
        entry.last_checked_unix_ms = now;
        entry.grade_message = message.to_string();
        entry.grade = grade;
        self.refresh_all(&mut table, now);
    }

    /// Whether the service's own health last said SERVING.
    pub fn is_serving(&self, name: &str) -> bool {
        let table = self.lock();
        table
            .index
            .get(name)
            .is_some_and(|&position| table.entries[position].observed == ServiceState::Serving)
    }

    pub fn contains(&self, name: &str) -> bool {
        self.lock().index.contains_key(name)
    }

    pub fn status(&self, name: &str) -> Option<ServiceStatus> {
        let table = self.lock();
        let position = *table.index.get(name)?;
        Some(table.entries[position].status())
    }

    /// Statuses in registry order.
    pub fn list(&self, filter: ListFilter) -> Vec<ServiceStatus> {
        self.lock()
            .entries
            .iter()
            .filter(|entry| {
                filter
                    .category
                    .is_none_or(|category| entry.target.category == category)
            })
            .filter(|entry| !filter.implemented_only || entry.target.implemented)
            .map(Entry::status)
            .collect()
    }

    /// Up to `limit` transitions, newest first; `None` for an unknown service.
    pub fn history(&self, name: &str, limit: usize) -> Option<Vec<StatusChange>> {
        let table = self.lock();
        let position = *table.index.get(name)?;
        Some(
            table.entries[position]
                .history
                .iter()
                .rev()
                .take(limit)
                .cloned()
                .collect(),
        )
    }

    /// The current statuses of `names` (all when empty) and a receiver of every later
    /// change, taken together so nothing falls between them.
    pub fn subscribe(
        &self,
        names: &HashSet<String>,
    ) -> (Vec<ServiceStatus>, broadcast::Receiver<ServiceStatus>) {
        let table = self.lock();
        let current = table
            .entries
            .iter()
            .filter(|entry| names.is_empty() || names.contains(&entry.target.name))
            .map(Entry::status)
            .collect();
        (current, self.changes.subscribe())
    }

    /// The registered targets, in registry order.
    pub fn targets(&self) -> Vec<Target> {
        self.lock()
            .entries
            .iter()
            .map(|entry| entry.target.clone())
            .collect()
    }

    fn lock(&self) -> MutexGuard<'_, Table> {
        // A panic while holding the lock cannot leave the table half-updated in a way
        // that matters more than losing the whole registry, so keep serving.
        self.table
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Recomputes every reported state from the observed ones (dependents included),
    /// recording transitions and broadcasting what changed.
    fn refresh_all(&self, table: &mut Table, now: i64) {
        let observed: HashMap<String, ServiceState> = table
            .entries
            .iter()
            .map(|entry| (entry.target.name.clone(), entry.observed))
            .collect();
        for entry in &mut table.entries {
            let down: Vec<String> = entry
                .target
                .hard_deps
                .iter()
                .filter(|dep| observed.get(*dep) != Some(&ServiceState::Serving))
                .cloned()
                .collect();
            let state = if entry.observed == ServiceState::Serving && !down.is_empty() {
                ServiceState::Degraded
            } else {
                entry.observed
            };
            entry.down_dependencies = down;
            if state != entry.state {
                let from = entry.state;
                entry.state = state;
                entry.since_unix_ms = now;
                let change = StatusChange {
                    name: entry.target.name.clone(),
                    from_state: from as i32,
                    to_state: state as i32,
                    at_unix_ms: now,
                    message: entry.message(),
                };
                entry.record(change, self.history_capacity);
            }
            if entry.take_unpublished() {
                let _ = self.changes.send(entry.status());
            }
        }
    }
}

/// Milliseconds since the Unix epoch.
pub fn now_unix_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}
