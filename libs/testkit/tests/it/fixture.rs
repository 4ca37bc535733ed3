//! A small real gRPC service for exercising the kit: `AuditService` whose Append sleeps
//! for `occurred_at_unix_ms` milliseconds and whose Query reports who called it.
use std::time::Duration;

use quorum_kit::auth::{AuthPolicy, caller};
use quorum_kit::{Kit, KitConfig, Service};
use quorum_proto::audit::v1::audit_service_server::{AuditService, AuditServiceServer};
use quorum_proto::audit::v1::*;
use quorum_testkit::TestServer;
use tonic::{Request, Response, Status};

pub struct Fixture;

#[tonic::async_trait]
impl AuditService for Fixture {
    async fn append(
        &self,
        request: Request<AppendRequest>,
    ) -> Result<Response<AppendResponse>, Status> {
        let event = request.into_inner().event.unwrap_or_default();
        tokio::time::sleep(Duration::from_millis(
            event.occurred_at_unix_ms.max(0) as u64
        ))
        .await;
        Ok(Response::new(AppendResponse {
            record: None,
            duplicate: false,
        }))
    }

    async fn query(
        &self,
        request: Request<QueryRequest>,
    ) -> Result<Response<QueryResponse>, Status> {
        let name = caller(&request)?.claims.name.clone();
        let record = AuditRecord {
            event: Some(AuditEvent {
                actor: name,
                ..AuditEvent::default()
            }),
            ..AuditRecord::default()
        };
        Ok(Response::new(QueryResponse {
            records: vec![record],
            next_page_token: String::new(),
        }))
    }

    async fn verify_chain(
        &self,
        _request: Request<VerifyChainRequest>,
    ) -> Result<Response<VerifyChainResponse>, Status> {
        Err(Status::failed_precondition("fixture"))
    }

    async fn list_checkpoints(
        &self,
        _request: Request<ListCheckpointsRequest>,
    ) -> Result<Response<ListCheckpointsResponse>, Status> {
        Ok(Response::new(ListCheckpointsResponse::default()))
    }
}

pub fn service() -> Service {
    Service::new()
        .add(AuditServiceServer::new(Fixture))
        .policy(AuthPolicy::new().require("/quorum.audit.v1.AuditService/Query", &["auditor"]))
}

pub async fn start(config: KitConfig) -> TestServer {
    TestServer::start("audit-logger", config, |_kit: Kit| async { Ok(service()) }).await
}

/// An Append that takes `millis` to answer.
pub fn slow_append(millis: i64) -> AppendRequest {
    AppendRequest {
        event: Some(AuditEvent {
            occurred_at_unix_ms: millis,
            ..AuditEvent::default()
        }),
    }
}
