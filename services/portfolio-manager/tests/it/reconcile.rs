//! Reconcile against an in-test venue connector: every differing asset is named; a
//! connector that is down is UNAVAILABLE, named.
use quorum_domain::{Side, Venue};
use quorum_proto::trading::v1::{ReconcileRequest, ReconcileResponse};
use tonic::{Code, Status};

use crate::harness::{Harness, fill, number, value, venue_number};

async fn reconcile(
    harness: &Harness,
    account: &str,
    venue: Venue,
) -> Result<ReconcileResponse, Status> {
    let request = ReconcileRequest {
        account: account.into(),
        venue: venue_number(venue),
    };
    harness
        .client
        .clone()
        .reconcile(harness.server.request(request, &["auditor"]))
        .await
        .map(|response| response.into_inner())
}

#[tokio::test]
async fn reconcile_names_every_asset_that_differs() {
    let harness = Harness::start().await;
    harness
        .transfer("open", "alice", Venue::Binance, "USDT", "1000")
        .await;
    harness
        .apply_fill(&fill("1", "BTC-USDT", Side::Buy, "0.01", "40000", "0.4"))
        .await
        .unwrap();
    // USDT agrees (free + locked); BTC differs; SOL is only on the venue.
    harness.binance.set_balances(&[
        ("USDT", "590", "9.6"),
        ("BTC", "0.02", "0"),
        ("SOL", "1", "0"),
    ]);
    let answer = reconcile(&harness, "alice", Venue::Binance).await.unwrap();
    assert!(!answer.matched);
    assert!(answer.checked_unix_ms > 0);
    let named: Vec<(&str, _, _, _)> = answer
        .differences
        .iter()
        .map(|d| {
            (
                d.asset.as_str(),
                value(&d.ledger),
                value(&d.venue),
                value(&d.difference),
            )
        })
        .collect();
    assert_eq!(
        named,
        [
            ("BTC", number("0.01"), number("0.02"), number("0.01")),
            ("SOL", number("0"), number("1"), number("1")),
        ]
    );
    assert_eq!(harness.binance.snapshot().balance_requests, ["alice"]);

    // An asset only the ledger knows is named too.
    harness.binance.set_balances(&[("USDT", "599.6", "0")]);
    let answer = reconcile(&harness, "alice", Venue::Binance).await.unwrap();
    assert_eq!(answer.differences.len(), 1);
    assert_eq!(answer.differences[0].asset, "BTC");
    assert_eq!(value(&answer.differences[0].difference), number("-0.01"));

    harness
        .binance
        .set_balances(&[("USDT", "599.6", "0"), ("BTC", "0.01", "0")]);
    let answer = reconcile(&harness, "alice", Venue::Binance).await.unwrap();
    assert!(answer.matched && answer.differences.is_empty());
}

#[tokio::test]
async fn a_connector_that_is_down_is_unavailable_and_named() {
    let harness = Harness::start().await;
    harness
        .transfer("open", "alice", Venue::Okx, "USDT", "1000")
        .await;
    let status = reconcile(&harness, "alice", Venue::Okx).await.unwrap_err();
    assert_eq!(status.code(), Code::Unavailable);
    assert!(status.message().contains("okx-api"), "{}", status.message());
}
