//! Tokens, roles, bad requests that name their fields, and unknown accounts.
use quorum_domain::{Side, Venue};
use quorum_proto::common::v1::PageRequest;
use quorum_proto::exchange::v1 as exchange;
use quorum_proto::trading::v1::*;
use tonic::Code;

use crate::harness::{Harness, decimal, fill, venue_number, violated_fields};

/// A request with an admin's token.
fn admin<T>(harness: &Harness, message: T) -> tonic::Request<T> {
    harness.server.request(message, &["admin"])
}

#[tokio::test]
async fn calls_without_a_token_or_the_role_are_refused() {
    let harness = Harness::start().await;
    let mut client = harness.client.clone();
    let status = client
        .get_portfolio(GetPortfolioRequest {
            account: "alice".into(),
            venue: 0,
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated);

    let request = ApplyFillRequest {
        fill: Some(quorum_domain::convert::fill(&fill(
            "1",
            "BTC-USDT",
            Side::Buy,
            "1",
            "1",
            "0",
        ))),
    };
    let status = client
        .apply_fill(harness.server.request(request.clone(), &["trader"]))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied);
    let transfer = RecordTransferRequest {
        transfer_id: "t".into(),
        account: "alice".into(),
        venue: venue_number(Venue::Binance),
        asset: "USDT".into(),
        amount: decimal("1"),
        memo: String::new(),
    };
    let status = client
        .record_transfer(harness.server.request(transfer, &["trader", "service"]))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied);
    let status = client
        .get_portfolio(
            harness
                .server
                .request(GetPortfolioRequest::default(), &["nobody"]),
        )
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied);
}

#[tokio::test]
async fn bad_requests_name_their_fields() {
    let harness = Harness::start().await;
    let mut client = harness.client.clone();

    let status = client
        .get_portfolio(admin(
            &harness,
            GetPortfolioRequest {
                account: String::new(),
                venue: 0,
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert_eq!(violated_fields(&status), ["account"]);
    let status = client
        .get_positions(harness.server.request(
            GetPositionsRequest {
                account: "a b".into(),
                venue: 99,
                symbol: "BTCUSDT".into(),
            },
            &["viewer"],
        ))
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&status), ["account", "venue", "symbol"]);

    let status = client
        .apply_fill(
            harness
                .server
                .request(ApplyFillRequest { fill: None }, &["service"]),
        )
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&status), ["fill"]);
    let mut bad = quorum_domain::convert::fill(&fill("1", "BTC-USDT", Side::Buy, "1", "1", "0"));
    bad.side = 0;
    bad.symbol = "BTC".into();
    let status = client
        .apply_fill(
            harness
                .server
                .request(ApplyFillRequest { fill: Some(bad) }, &["service"]),
        )
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&status), ["fill.symbol", "fill.side"]);
    for (edit, field) in [
        (
            (|f: &mut exchange::Fill| f.quantity = decimal("0")) as fn(&mut exchange::Fill),
            "fill.quantity",
        ),
        (|f| f.price = decimal("-1"), "fill.price"),
        (|f| f.fee = decimal("-0.1"), "fill.fee"),
        (|f| f.fill_id = " ".into(), "fill.fill_id"),
        (|f| f.account = String::new(), "fill.account"),
    ] {
        let mut bad =
            quorum_domain::convert::fill(&fill("2", "BTC-USDT", Side::Buy, "1", "1", "0"));
        edit(&mut bad);
        let status = client
            .apply_fill(
                harness
                    .server
                    .request(ApplyFillRequest { fill: Some(bad) }, &["service"]),
            )
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument, "{field}");
        assert_eq!(violated_fields(&status), [field]);
    }

    let transfer = |id: &str, amount: &str, venue: Venue| RecordTransferRequest {
        transfer_id: id.into(),
        account: "alice".into(),
        venue: venue_number(venue),
        asset: "USDT".into(),
        amount: decimal(amount),
        memo: String::new(),
    };
    let status = client
        .record_transfer(admin(&harness, transfer("t", "0", Venue::Okx)))
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&status), ["amount"]);
    let mut no_venue = transfer("", "x", Venue::Okx);
    no_venue.venue = 0;
    let status = client
        .record_transfer(admin(&harness, no_venue))
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&status), ["venue", "amount", "transfer_id"]);

    let status = client
        .get_equity_history(admin(
            &harness,
            GetEquityHistoryRequest {
                account: "alice".into(),
                range: None,
                page: Some(PageRequest {
                    page_size: 5,
                    page_token: "not-ours".into(),
                }),
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&status), ["page.page_token"]);
    let status = client
        .reconcile(admin(
            &harness,
            ReconcileRequest {
                account: "alice".into(),
                venue: 0,
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&status), ["venue"]);
    let status = client
        .stream_portfolio(admin(
            &harness,
            StreamPortfolioRequest {
                account: " ".into(),
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&status), ["account"]);
}

#[tokio::test]
async fn an_account_without_entries_is_not_found() {
    let harness = Harness::start().await;
    let status = harness.portfolio("nobody").await.unwrap_err();
    assert_eq!(status.code(), Code::NotFound);
    assert!(status.message().contains("nobody"), "{}", status.message());
    let status = harness
        .client
        .clone()
        .get_pnl(harness.server.request(
            GetPnlRequest {
                account: "nobody".into(),
                ..GetPnlRequest::default()
            },
            &["viewer"],
        ))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound);
}
