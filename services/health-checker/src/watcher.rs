//! Background work per implemented service: follow its grpc.health.v1 Watch stream, and
//! grade it at every probe interval.
use std::sync::Arc;
use std::time::Duration;

use quorum_kit::client::{backoff, channel_to};
use quorum_kit::{CancellationToken, Kit};
use quorum_proto::health::v1::ServiceState;
use tonic::transport::Channel;
use tonic::{Code, Status};
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::{HealthCheckRequest, health_client::HealthClient};

use crate::probe;
use crate::registry::Target;
use crate::store::Store;

/// How often and how patiently services are checked.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    pub interval: Duration,
    pub timeout: Duration,
}

/// Starts the health watcher and the grading loop of every implemented service.
pub fn spawn_all(kit: &Kit, store: &Arc<Store>, timing: Timing) {
    for target in store
        .targets()
        .into_iter()
        .filter(|target| target.implemented)
    {
        let channel = match channel_to(&target.endpoint) {
            Ok(channel) => channel,
            Err(problem) => {
                store.observe(&target.name, ServiceState::Unreachable, &problem);
                continue;
            }
        };
        let watcher = Watcher {
            target,
            channel,
            store: store.clone(),
            timing,
            shutdown: kit.shutdown_token(),
        };
        kit.spawn(
            &format!("grade {}", watcher.target.name),
            watcher.clone().grade_loop(),
        );
        kit.spawn(
            &format!("watch {}", watcher.target.name),
            watcher.watch_loop(),
        );
    }
}

#[derive(Clone)]
struct Watcher {
    target: Target,
    channel: Channel,
    store: Arc<Store>,
    timing: Timing,
    shutdown: CancellationToken,
}

/// Why following the health stream stopped.
enum Stopped {
    Shutdown,
    /// The service said it is not serving; the stream is dropped so a draining service
    /// is not held open by us, and watched again after the probe interval.
    NotServing,
    Failed(ServiceState, String),
}

impl Watcher {
    async fn watch_loop(self) {
        let mut failures = 0u32;
        loop {
            let pause = match self.follow().await {
                Stopped::Shutdown => return,
                Stopped::NotServing => {
                    failures = 0;
                    self.timing.interval
                }
                Stopped::Failed(state, message) => {
                    self.store.observe(&self.target.name, state, &message);
                    failures = failures.saturating_add(1);
                    backoff(failures).min(self.timing.interval.max(Duration::from_millis(100)) * 4)
                }
            };
            tokio::select! {
                () = self.shutdown.cancelled() => return,
                () = tokio::time::sleep(pause) => {}
            }
        }
    }

    /// Opens the Watch stream and records every update until it stops.
    async fn follow(&self) -> Stopped {
        let mut client = HealthClient::new(self.channel.clone());
        let request = HealthCheckRequest {
            service: String::new(),
        };
        let opened = tokio::select! {
            () = self.shutdown.cancelled() => return Stopped::Shutdown,
            opened = tokio::time::timeout(self.timing.timeout, client.watch(request)) => opened,
        };
        let mut stream = match opened {
            Err(_) => return self.no_answer(),
            Ok(Err(status)) => return failed(&status),
            Ok(Ok(response)) => response.into_inner(),
        };
        loop {
            let update = tokio::select! {
                () = self.shutdown.cancelled() => return Stopped::Shutdown,
                update = stream.message() => update,
            };
            let status = match update {
                Ok(Some(update)) => update.status(),
                Ok(None) => {
                    let message = "the health stream ended".to_string();
                    return Stopped::Failed(ServiceState::Unreachable, message);
                }
                Err(status) => return failed(&status),
            };
            if status == ServingStatus::Serving {
                self.store
                    .observe(&self.target.name, ServiceState::Serving, "serving");
                continue;
            }
            let message = format!("health reports {}", status.as_str_name());
            self.store
                .observe(&self.target.name, ServiceState::NotServing, &message);
            return Stopped::NotServing;
        }
    }

    fn no_answer(&self) -> Stopped {
        let message = format!(
            "health did not answer within {} ms",
            self.timing.timeout.as_millis()
        );
        Stopped::Failed(ServiceState::Unreachable, message)
    }

    /// Grades the service at every interval while it is serving.
    async fn grade_loop(self) {
        let mut ticker = tokio::time::interval(self.timing.interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                () = self.shutdown.cancelled() => return,
                _ = ticker.tick() => {}
            }
            if !self.store.is_serving(&self.target.name) {
                continue;
            }
            let grading = tokio::select! {
                () = self.shutdown.cancelled() => return,
                grading = probe::grade(&self.target, self.channel.clone(), self.timing.timeout) => grading,
            };
            self.store
                .grade(&self.target.name, grading.grade, &grading.message);
        }
    }
}

/// A failed health call: no connection is UNREACHABLE; any other answer means the
/// service is there but not serving health properly.
fn failed(status: &Status) -> Stopped {
    let state = match status.code() {
        Code::Unavailable | Code::DeadlineExceeded | Code::Unknown | Code::Cancelled => {
            ServiceState::Unreachable
        }
        _ => ServiceState::NotServing,
    };
    let message = format!("health: {:?}: {}", status.code(), status.message());
    Stopped::Failed(state, message)
}
