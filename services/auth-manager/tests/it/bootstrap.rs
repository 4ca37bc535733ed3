//! The first admin, the generated secrets, and the JWKS.
use quorum_kit::auth::keys::from_jwk;
use quorum_kit::auth::token;
use quorum_proto::auth::v1::{GetJwksRequest, IssueServiceTokenRequest, WhoAmIRequest};
use tonic::Code;

use crate::harness::{ADMIN_PASSWORD, Harness, authed};

#[tokio::test]
async fn admin_from_the_environment_can_log_in_and_tokens_verify_with_the_jwks() {
    let harness = Harness::start().await;
    let tokens = harness.login("admin", ADMIN_PASSWORD).await.unwrap();
    assert_eq!(tokens.token_type, "Bearer");
    assert_eq!(tokens.expires_in_seconds, 900);
    assert!(tokens.refresh_token.starts_with("qrt_"));

    let jwks = harness
        .client()
        .get_jwks(GetJwksRequest {})
        .await
        .unwrap()
        .into_inner();
    assert_eq!(jwks.keys.len(), 1);
    let kid = token::peek_key_id(&tokens.access_token).unwrap();
    assert_eq!(jwks.keys[0].kid, kid);
    let key = from_jwk(&jwks.keys[0]).unwrap();
    let claims = token::verify(&tokens.access_token, &key, chrono::Utc::now().timestamp()).unwrap();
    assert_eq!(claims.name, "admin");
    assert_eq!(claims.roles, vec!["admin".to_string()]);

    let me = harness
        .client()
        .who_am_i(authed(WhoAmIRequest {}, &tokens.access_token))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(me.name, "admin");
    assert_eq!(me.subject, claims.sub);
}

#[tokio::test]
async fn generated_admin_password_is_written_with_owner_only_permissions() {
    let harness = Harness::start_with(None, |_| {}).await;
    let path = harness.state_dir.join("secrets").join("admin-password");
    let password = std::fs::read_to_string(&path).unwrap();
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert!(harness.login("admin", password.trim()).await.is_ok());
    assert_eq!(
        harness
            .login("admin", "wrong password!")
            .await
            .unwrap_err()
            .code(),
        Code::Unauthenticated
    );
}

#[tokio::test]
async fn jwks_is_served_over_http_on_the_admin_port() {
    let harness = Harness::start().await;
    let body = http_get(harness.server.admin_addr, "/.well-known/jwks.json").await;
    let document: serde_json::Value = serde_json::from_str(&body).unwrap();
    let key = &document["keys"][0];
    assert_eq!(key["kty"], "OKP");
    assert_eq!(key["crv"], "Ed25519");
    assert_eq!(key["alg"], "EdDSA");
    assert_eq!(key["use"], "sig");
    let grpc = harness
        .client()
        .get_jwks(GetJwksRequest {})
        .await
        .unwrap()
        .into_inner();
    assert_eq!(key["kid"], grpc.keys[0].kid.as_str());
}

#[tokio::test]
async fn services_obtain_tokens_with_the_generated_service_key() {
    let harness = Harness::start().await;
    let key_path = harness.state_dir.join("secrets").join("service-key");
    let key = std::fs::read_to_string(&key_path)
        .unwrap()
        .trim()
        .to_string();
    let now = chrono::Utc::now().timestamp_millis();
    let request = IssueServiceTokenRequest {
        service: "audit-logger".into(),
        timestamp_unix_ms: now,
        signature: quorum_kit::client::service_signature(&key, "audit-logger", now),
    };
    let tokens = harness
        .client()
        .issue_service_token(request.clone())
        .await
        .unwrap()
        .into_inner()
        .tokens
        .unwrap();
    let me = harness
        .client()
        .who_am_i(authed(WhoAmIRequest {}, &tokens.access_token))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(me.name, "audit-logger");
    assert_eq!(me.roles, vec!["service".to_string()]);

    let mut forged = request.clone();
    forged.signature = quorum_kit::client::service_signature("not the key", "audit-logger", now);
    assert_eq!(
        harness
            .client()
            .issue_service_token(forged)
            .await
            .unwrap_err()
            .code(),
        Code::Unauthenticated
    );

    let mut stale = request.clone();
    stale.timestamp_unix_ms = now - 3_600_000;
    stale.signature =
        quorum_kit::client::service_signature(&key, "audit-logger", stale.timestamp_unix_ms);
    assert_eq!(
        harness
            .client()
            .issue_service_token(stale)
            .await
            .unwrap_err()
            .code(),
        Code::Unauthenticated
    );

    let mut unknown = request;
    unknown.service = "no-such-service".into();
    assert_eq!(
        harness
            .client()
            .issue_service_token(unknown)
            .await
            .unwrap_err()
            .code(),
        Code::InvalidArgument
    );
}

async fn http_get(addr: std::net::SocketAddr, path: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    response.split("\r\n\r\n").nth(1).unwrap().to_string()
}
