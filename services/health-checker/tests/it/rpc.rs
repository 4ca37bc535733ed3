//! The RPC surface over the real catalog: listing, filters, bad input and auth.
use health_checker::{Target, registry};
use quorum_catalog::Catalog;
use quorum_proto::health::v1::{
    GetHistoryRequest, GetStatusRequest, Grade, ListServicesRequest, ServiceState,
};
use quorum_testkit::TestServer;
use tonic::Code;

use crate::support::{client, free_address, start_checker};

/// Every catalog service, with the implemented ones pointed at dead loopback ports so
/// the test never probes whatever may be running on the real ports.
fn catalog_registry() -> Vec<Target> {
    let catalog = Catalog::load().expect("catalog loads");
    registry::from_catalog(catalog)
        .into_iter()
        .map(|mut target| {
            if target.implemented {
                target.endpoint = format!("http://{}", free_address());
                target.admin_addr = free_address();
            }
            target
        })
        .collect()
}

async fn list(checker: &TestServer, category: &str, implemented_only: bool) -> Vec<String> {
    let request = ListServicesRequest {
        category: category.into(),
        implemented_only,
    };
    client(checker)
        .list_services(checker.request(request, &["viewer"]))
        .await
        .expect("list answers")
        .into_inner()
        .services
        .into_iter()
        .map(|status| status.name)
        .collect()
}

#[tokio::test]
async fn lists_every_catalog_service_and_filters() {
    let checker = start_checker(catalog_registry()).await;
    let catalog = Catalog::load().expect("catalog loads");

    assert_eq!(list(&checker, "", false).await.len(), 52);
    let implemented: Vec<&str> = catalog.implemented().map(|s| s.name.as_str()).collect();
    assert!(implemented.len() >= 3, "{implemented:?}");
    assert_eq!(list(&checker, "", true).await, implemented);
    let infra = list(&checker, "infra", false).await;
    let expected: Vec<&str> = catalog
        .services
        .iter()
        .filter(|service| service.category == quorum_catalog::Category::Infra)
        .map(|service| service.name.as_str())
        .collect();
    assert_eq!(infra, expected);
    assert_eq!(list(&checker, "INFRA", true).await, ["health-checker"]);

    let request = GetStatusRequest {
        name: "volume-analyzer".into(),
    };
    let status = client(&checker)
        .get_status(checker.request(request, &["viewer"]))
        .await
        .expect("status")
        .into_inner()
        .status
        .expect("a status");
    assert_eq!(status.state(), ServiceState::NotImplemented);
    assert_eq!(status.grade(), Grade::L1);
    assert!(!status.implemented);
    assert_eq!(status.hard_dependencies, ["auth-manager"]);
}

#[tokio::test]
async fn bad_input_gets_the_right_codes() {
    let checker = start_checker(catalog_registry()).await;
    let mut client = client(&checker);

    let empty = GetStatusRequest {
        name: String::new(),
    };
    let error = client
        .get_status(checker.request(empty, &["viewer"]))
        .await
        .expect_err("empty");
    assert_eq!(error.code(), Code::InvalidArgument);

    let unknown = GetStatusRequest {
        name: "no-such-service".into(),
    };
    let error = client
        .get_status(checker.request(unknown, &["viewer"]))
        .await
        .expect_err("unknown");
    assert_eq!(error.code(), Code::NotFound);

    let bad_category = ListServicesRequest {
        category: "GPU".into(),
        implemented_only: false,
    };
    let error = client
        .list_services(checker.request(bad_category, &["viewer"]))
        .await
        .expect_err("bad category");
    assert_eq!(error.code(), Code::InvalidArgument);
    assert!(error.message().contains("category"), "{}", error.message());

    let too_many = GetHistoryRequest {
        name: "auth-manager".into(),
        limit: 1001,
    };
    let error = client
        .get_history(checker.request(too_many, &["viewer"]))
        .await
        .expect_err("limit");
    assert_eq!(error.code(), Code::InvalidArgument);
    let most = GetHistoryRequest {
        name: "auth-manager".into(),
        limit: 1000,
    };
    assert!(
        client
            .get_history(checker.request(most, &["viewer"]))
            .await
            .is_ok()
    );

    let unknown = GetHistoryRequest {
        name: "no-such-service".into(),
        limit: 0,
    };
    let error = client
        .get_history(checker.request(unknown, &["viewer"]))
        .await
        .expect_err("unknown");
    assert_eq!(error.code(), Code::NotFound);
    let empty = GetHistoryRequest {
        name: String::new(),
        limit: 0,
    };
    let error = client
        .get_history(checker.request(empty, &["viewer"]))
        .await
        .expect_err("empty");
    assert_eq!(error.code(), Code::InvalidArgument);
}

#[tokio::test]
async fn calls_without_a_token_are_unauthenticated() {
    let checker = start_checker(vec![]).await;
    let mut client = client(&checker);
    let error = client
        .get_status(GetStatusRequest {
            name: "health-checker".into(),
        })
        .await
        .expect_err("no token");
    assert_eq!(error.code(), Code::Unauthenticated);
    let error = client
        .list_services(ListServicesRequest::default())
        .await
        .expect_err("no token");
    assert_eq!(error.code(), Code::Unauthenticated);
    let request = ListServicesRequest::default();
    assert!(
        client
            .list_services(checker.request(request, &["viewer"]))
            .await
            .is_ok()
    );
}
