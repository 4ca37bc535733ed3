//! The HealthCheckerService RPC handlers: input checks, then answers from the store.
use std::collections::{HashSet, VecDeque};
use std::pin::Pin;
use std::sync::Arc;

use futures::Stream;
use quorum_kit::CancellationToken;
use quorum_kit::errors::{FieldErrors, invalid_field};
use quorum_proto::health::v1::health_checker_service_server::HealthCheckerService;
use quorum_proto::health::v1::{
    GetHistoryRequest, GetHistoryResponse, GetStatusRequest, GetStatusResponse,
    ListServicesRequest, ListServicesResponse, ServiceStatus, WatchRequest, WatchResponse,
};
use tokio::sync::broadcast;
use tonic::{Request, Response, Status};

use crate::registry::parse_category;
use crate::store::{ListFilter, Store};

/// History entries returned when the request gives no limit.
pub const DEFAULT_HISTORY_LIMIT: u32 = 50;
/// The most history entries one request may ask for.
pub const MAX_HISTORY_LIMIT: u32 = 1000;

/// The gRPC face of the registry.
pub struct HealthCheckerApi {
    store: Arc<Store>,
    shutdown: CancellationToken,
}

impl HealthCheckerApi {
    /// Watch streams end when `shutdown` is cancelled.
    pub fn new(store: Arc<Store>, shutdown: CancellationToken) -> Self {
        Self { store, shutdown }
    }

    fn known_name(&self, name: &str) -> Result<(), Status> {
        if name.is_empty() {
            return Err(invalid_field(
                "name",
                "must not be empty; give a catalog service name such as auth-manager",
            ));
        }
        if !self.store.contains(name) {
            return Err(Status::not_found(format!(
                "no service named {name} in the registry; ListServices shows every name"
            )));
        }
        Ok(())
    }
}

type WatchStream = Pin<Box<dyn Stream<Item = Result<WatchResponse, Status>> + Send>>;

#[tonic::async_trait]
impl HealthCheckerService for HealthCheckerApi {
    async fn get_status(
        &self,
        request: Request<GetStatusRequest>,
    ) -> Result<Response<GetStatusResponse>, Status> {
        let name = request.into_inner().name;
        self.known_name(&name)?;
        let status = self.store.status(&name);
        Ok(Response::new(GetStatusResponse { status }))
    }

    async fn list_services(
        &self,
        request: Request<ListServicesRequest>,
    ) -> Result<Response<ListServicesResponse>, Status> {
        let request = request.into_inner();
        let category = if request.category.trim().is_empty() {
            None
        } else {
            let parsed = parse_category(&request.category).ok_or_else(|| {
                invalid_field(
                    "category",
                    "must be one of API, DATA, TRADING, AI, SECURITY, INFRA, or empty for all",
                )
            })?;
            Some(parsed)
        };
        let filter = ListFilter {
            category,
            implemented_only: request.implemented_only,
        };
        let services = self.store.list(filter);
        Ok(Response::new(ListServicesResponse { services }))
    }

    async fn get_history(
        &self,
        request: Request<GetHistoryRequest>,
    ) -> Result<Response<GetHistoryResponse>, Status> {
        let request = request.into_inner();
        let mut errors = FieldErrors::new();
        errors.check(
            !request.name.is_empty(),
            "name",
            "must not be empty; give a catalog service name",
        );
        errors.check(
            request.limit <= MAX_HISTORY_LIMIT,
            "limit",
            format!("must be at most {MAX_HISTORY_LIMIT} (0 means {DEFAULT_HISTORY_LIMIT})"),
        );
        errors.into_result()?;
        self.known_name(&request.name)?;
        let limit = match request.limit {
            0 => DEFAULT_HISTORY_LIMIT,
            limit => limit,
        };
        let changes = self
            .store
            .history(&request.name, limit as usize)
            .unwrap_or_default();
        Ok(Response::new(GetHistoryResponse { changes }))
    }

    type WatchStream = WatchStream;

    async fn watch(
        &self,
        request: Request<WatchRequest>,
    ) -> Result<Response<Self::WatchStream>, Status> {
        let names: HashSet<String> = request.into_inner().names.into_iter().collect();
        if names.contains("") {
            return Err(invalid_field("names", "must not contain an empty name"));
        }
        let mut unknown: Vec<&str> = names
            .iter()
            .filter(|name| !self.store.contains(name))
            .map(String::as_str)
            .collect();
        if !unknown.is_empty() {
            unknown.sort_unstable();
            return Err(Status::not_found(format!(
                "not in the registry: {}",
                unknown.join(", ")
            )));
        }
        let (current, changes) = self.store.subscribe(&names);
        let watching = Watching {
            store: self.store.clone(),
            names,
            pending: current.into(),
            changes,
            shutdown: self.shutdown.clone(),
        };
        Ok(Response::new(Box::pin(watching.into_stream())))
    }
}

/// One Watch call: statuses waiting to be sent, and the change feed behind them.
struct Watching {
    store: Arc<Store>,
    names: HashSet<String>,
    pending: VecDeque<ServiceStatus>,
    changes: broadcast::Receiver<ServiceStatus>,
    shutdown: CancellationToken,
}

impl Watching {
    fn into_stream(self) -> impl Stream<Item = Result<WatchResponse, Status>> + Send {
        futures::stream::unfold(self, |mut watching| async move {
            let status = watching.next_status().await?;
            Some((
                Ok(WatchResponse {
                    status: Some(status),
                }),
                watching,
            ))
        })
    }

    /// The next status to send; `None` once the service shuts down.
    async fn next_status(&mut self) -> Option<ServiceStatus> {
        loop {
            if let Some(status) = self.pending.pop_front() {
                return Some(status);
            }
            let received = tokio::select! {
                () = self.shutdown.cancelled() => return None,
                received = self.changes.recv() => received,
            };
            match received {
                Ok(status) if self.names.is_empty() || self.names.contains(&status.name) => {
                    return Some(status);
                }
                Ok(_) => {}
                Err(broadcast::error::RecvError::Lagged(missed)) => {
                    // Too slow to follow every change: start over from the current state.
                    tracing::debug!(missed, "watcher lagged; resending current statuses");
                    let (current, changes) = self.store.subscribe(&self.names);
                    self.pending = current.into();
                    self.changes = changes;
                }
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }
}
