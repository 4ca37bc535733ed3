//! Query: every filter, the time range, pagination and its limits.
use quorum_proto::audit::v1::{AuditEvent, Outcome, QueryRequest};
use tonic::Code;

use crate::harness::{Harness, event};

fn made(
    id: &str,
    actor: &str,
    action: &str,
    resource: &str,
    outcome: Outcome,
    at: i64,
) -> AuditEvent {
    AuditEvent {
        actor: actor.into(),
        action: action.into(),
        resource: resource.into(),
        outcome: outcome as i32,
        occurred_at_unix_ms: at,
        ..event(id)
    }
}

fn ids(records: &[quorum_proto::audit::v1::AuditRecord]) -> Vec<String> {
    records
        .iter()
        .map(|r| r.event.as_ref().unwrap().event_id.clone())
        .collect()
}

#[tokio::test]
async fn filters_combine_and_results_are_oldest_first() {
    let mut harness = Harness::start().await;
    let events = [
        made(
            "q1",
            "alice",
            "auth.login",
            "user:alice",
            Outcome::Success,
            1_000,
        ),
        made(
            "q2",
            "bob",
            "auth.login",
            "user:bob",
            Outcome::Denied,
            2_000,
        ),
        made(
            "q3",
            "alice",
            "order.place",
            "order:1",
            Outcome::Success,
            3_000,
        ),
        made(
            "q4",
            "alice",
            "auth.login",
            "user:alice",
            Outcome::Denied,
            4_000,
        ),
        made(
            "q5",
            "carol",
            "order.cancel",
            "order:1",
            Outcome::Failure,
            5_000,
        ),
    ];
    for sent in events {
        harness.append(sent).await;
    }
    let cases = [
        (
            QueryRequest {
                actor: "alice".into(),
                ..Default::default()
            },
            vec!["q1", "q3", "q4"],
        ),
        (
            QueryRequest {
                action: "auth.login".into(),
                ..Default::default()
            },
            vec!["q1", "q2", "q4"],
        ),
        (
            QueryRequest {
                resource: "order:1".into(),
                ..Default::default()
            },
            vec!["q3", "q5"],
        ),
        (
            QueryRequest {
                outcome: Outcome::Denied as i32,
                ..Default::default()
            },
            vec!["q2", "q4"],
        ),
        (
            QueryRequest {
                from_unix_ms: 2_000,
                to_unix_ms: 4_000,
                ..Default::default()
            },
            vec!["q2", "q3"],
        ),
        (
            QueryRequest {
                from_unix_ms: 4_000,
                ..Default::default()
            },
            vec!["q4", "q5"],
        ),
        (
            QueryRequest {
                actor: "alice".into(),
                outcome: Outcome::Denied as i32,
                ..Default::default()
            },
            vec!["q4"],
        ),
        (
            QueryRequest {
                actor: "nobody".into(),
                ..Default::default()
            },
            vec![],
        ),
        (QueryRequest::default(), vec!["q1", "q2", "q3", "q4", "q5"]),
    ];
    for (query, expected) in cases {
        let found = harness.query(query.clone()).await;
        assert_eq!(ids(&found), expected, "{query:?}");
    }
}

#[tokio::test]
async fn pages_follow_each_other_without_overlap() {
    let mut harness = Harness::start().await;
    harness.append_many("page", 7).await;
    let mut seen = Vec::new();
    let mut token = String::new();
    let mut pages = 0;
    loop {
        let query = QueryRequest {
            page_size: 3,
            page_token: token.clone(),
            ..Default::default()
        };
        let request = harness.server.request(query, &["auditor"]);
        let response = harness.client.query(request).await.unwrap().into_inner();
        pages += 1;
        assert!(response.records.len() <= 3);
        seen.extend(response.records.iter().map(|r| r.sequence));
        if response.next_page_token.is_empty() {
            break;
        }
        token = response.next_page_token;
        assert!(pages < 10, "pagination does not end");
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, (1..=7).collect::<Vec<u64>>());
}

#[tokio::test]
async fn bad_paging_and_ranges_are_invalid_argument() {
    let mut harness = Harness::start().await;
    harness.append_many("bad", 1).await;
    let bad = [
        QueryRequest {
            page_size: 1001,
            ..Default::default()
        },
        QueryRequest {
            page_token: "not a token".into(),
            ..Default::default()
        },
        QueryRequest {
            from_unix_ms: 10,
            to_unix_ms: 5,
            ..Default::default()
        },
        QueryRequest {
            outcome: 42,
            ..Default::default()
        },
    ];
    for query in bad {
        let request = harness.server.request(query.clone(), &["auditor"]);
        let status = harness.client.query(request).await.unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument, "{query:?}");
    }
    let query = QueryRequest {
        page_size: 1000,
        ..Default::default()
    };
    assert_eq!(harness.query(query).await.len(), 1);
}
