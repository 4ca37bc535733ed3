//! Auth, deadlines, load shedding, request ids and metrics as a client sees them.
use quorum_kit::KitConfig;
use quorum_proto::audit::v1::QueryRequest;
use quorum_proto::audit::v1::audit_service_client::AuditServiceClient;
use tonic::Code;

use crate::fixture::{slow_append, start};
use quorum_testkit::http_get;

#[tokio::test]
async fn calls_need_a_valid_token_and_the_method_role() {
    let server = start(KitConfig::for_tests()).await;
    let mut client = AuditServiceClient::new(server.channel());
    let anonymous = client.query(QueryRequest::default()).await.unwrap_err();
    assert_eq!(anonymous.code(), Code::Unauthenticated);
    assert!(
        anonymous.message().contains("authorization"),
        "{}",
        anonymous.message()
    );

    let trader = client
        .query(server.request(QueryRequest::default(), &["trader"]))
        .await
        .unwrap_err();
    assert_eq!(trader.code(), Code::PermissionDenied);
    assert!(trader.message().contains("auditor"), "{}", trader.message());

    let auditor = client
        .query(server.request(QueryRequest::default(), &["auditor"]))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        auditor.records[0].event.as_ref().unwrap().actor,
        "test-user"
    );
    client
        .query(server.request(QueryRequest::default(), &["admin"]))
        .await
        .unwrap();

    let forged = quorum_testkit::with_token(QueryRequest::default(), "eyJhbGciOiJub25lIn0.e30.");
    assert_eq!(
        client.query(forged).await.unwrap_err().code(),
        Code::Unauthenticated
    );
}

#[tokio::test]
async fn a_slow_call_ends_with_deadline_exceeded_not_a_protocol_error() {
    let mut config = KitConfig::for_tests();
    config.request_timeout_ms = 200;
    let server = start(config).await;
    let mut client = AuditServiceClient::new(server.channel());
    let slow = client
        .append(server.request(slow_append(2_000), &["admin"]))
        .await
        .unwrap_err();
    assert_eq!(slow.code(), Code::DeadlineExceeded, "{slow:?}");
    client
        .append(server.request(slow_append(10), &["admin"]))
        .await
        .unwrap();

    // A shorter deadline from the client wins over the server's.
    let mut request = server.request(slow_append(150), &["admin"]);
    request.set_timeout(std::time::Duration::from_millis(50));
    let code = client.append(request).await.unwrap_err().code();
    assert!(
        matches!(code, Code::DeadlineExceeded | Code::Cancelled),
        "{code:?}"
    );
}

#[tokio::test]
async fn calls_over_the_concurrency_limit_are_shed_with_resource_exhausted() {
    let mut config = KitConfig::for_tests();
    config.max_concurrent_requests = 2;
    let server = start(config).await;
    let client = AuditServiceClient::new(server.channel());
    let mut calls = Vec::new();
    for _ in 0..6 {
        let mut client = client.clone();
        let request = server.request(slow_append(500), &["admin"]);
        calls.push(tokio::spawn(async move { client.append(request).await }));
    }
    let mut ok = 0;
    let mut shed = 0;
    for call in calls {
        match call.await.unwrap() {
            Ok(_) => ok += 1,
            Err(status) if status.code() == Code::ResourceExhausted => shed += 1,
            Err(status) => panic!("unexpected {status:?}"),
        }
    }
    assert_eq!(ok, 2);
    assert_eq!(shed, 4);
}

#[tokio::test]
async fn request_ids_are_echoed_or_made_and_metrics_count_every_call() {
    let server = start(KitConfig::for_tests()).await;
    let mut client = AuditServiceClient::new(server.channel());
    let mut request = server.request(slow_append(0), &["admin"]);
    request
        .metadata_mut()
        .insert("x-request-id", "req-42".parse().unwrap());
    let response = client.append(request).await.unwrap();
    assert_eq!(response.metadata().get("x-request-id").unwrap(), "req-42");
    let made = client
        .append(server.request(slow_append(0), &["admin"]))
        .await
        .unwrap();
    assert!(made.metadata().get("x-request-id").is_some());
    let _ = client.query(QueryRequest::default()).await;

    let (code, metrics) = http_get(server.admin_addr, "/metrics").await;
    assert_eq!(code, 200);
    assert!(
        metrics.contains(r#"grpc_server_handled_total{service="audit-logger",method="/quorum.audit.v1.AuditService/Append",code="OK"} 2"#),
        "{metrics}"
    );
    assert!(
        metrics
            .contains(r#"method="/quorum.audit.v1.AuditService/Query",code="UNAUTHENTICATED"} 1"#),
        "{metrics}"
    );
}

/// Answers Query by asking another service the same question through the kit's client.
struct Relay {
    kit: quorum_kit::Kit,
    downstream: String,
}

#[tonic::async_trait]
impl quorum_proto::audit::v1::audit_service_server::AuditService for Relay {
    async fn append(
        &self,
        _: tonic::Request<quorum_proto::audit::v1::AppendRequest>,
    ) -> Result<tonic::Response<quorum_proto::audit::v1::AppendResponse>, tonic::Status> {
        Err(tonic::Status::unimplemented("relay"))
    }

    async fn query(
        &self,
        _: tonic::Request<QueryRequest>,
    ) -> Result<tonic::Response<quorum_proto::audit::v1::QueryResponse>, tonic::Status> {
        let channel = self
            .kit
            .client_channel_at(&self.downstream)
            .map_err(|error| tonic::Status::internal(error.to_string()))?;
        AuditServiceClient::new(channel)
            .query(QueryRequest::default())
            .await
    }

    async fn verify_chain(
        &self,
        _: tonic::Request<quorum_proto::audit::v1::VerifyChainRequest>,
    ) -> Result<tonic::Response<quorum_proto::audit::v1::VerifyChainResponse>, tonic::Status> {
        Err(tonic::Status::unimplemented("relay"))
    }

    async fn list_checkpoints(
        &self,
        _: tonic::Request<quorum_proto::audit::v1::ListCheckpointsRequest>,
    ) -> Result<tonic::Response<quorum_proto::audit::v1::ListCheckpointsResponse>, tonic::Status>
    {
        Err(tonic::Status::unimplemented("relay"))
    }
}

#[tokio::test]
async fn calls_made_for_a_caller_carry_the_callers_token() {
    let downstream = start(KitConfig::for_tests()).await;
    let url = format!("http://{}", downstream.addr);
    let relay = quorum_testkit::TestServer::start(
        "health-checker",
        KitConfig::for_tests(),
        move |kit: quorum_kit::Kit| async move {
            Ok(quorum_kit::Service::new().add(
                quorum_proto::audit::v1::audit_service_server::AuditServiceServer::new(Relay {
                    kit,
                    downstream: url,
                }),
            ))
        },
    )
    .await;
    // The relay and the downstream share no keys, so make the relay's token one the
    // downstream accepts: it is the downstream that must see the original caller.
    let token = downstream.token("alice", &["auditor"]);
    let mut client = AuditServiceClient::new(relay.channel());
    let unverifiable = client
        .query(quorum_testkit::with_token(QueryRequest::default(), &token))
        .await
        .unwrap_err();
    assert_eq!(
        unverifiable.code(),
        Code::Unauthenticated,
        "the relay must verify with its own keys"
    );

    let relay_token = relay.token("alice", &["auditor"]);
    let answer = client
        .query(quorum_testkit::with_token(
            QueryRequest::default(),
            &relay_token,
        ))
        .await
        .unwrap_err();
    // The downstream refuses the relay's key: proof the caller's own token travelled on.
    assert_eq!(answer.code(), Code::Unauthenticated, "{answer:?}");
    assert!(
        answer.message().contains("unknown key id"),
        "{}",
        answer.message()
    );
}
