//! Equity history: a point after every fill and transfer and every interval, stored,
//! paged oldest first, filtered by time; no point while the equity is unknown.
use quorum_domain::{Side, Venue};
use quorum_proto::common::v1::{PageRequest, TimeRange};
use quorum_proto::trading::v1::{EquityPoint, GetEquityHistoryRequest, GetEquityHistoryResponse};
use tonic::Status;

use crate::harness::{Harness, PATIENCE, T0, eventually, fill, number, value};

async fn history(
    harness: &Harness,
    account: &str,
    range: Option<TimeRange>,
    page_size: u32,
    token: &str,
) -> Result<GetEquityHistoryResponse, Status> {
    let request = GetEquityHistoryRequest {
        account: account.into(),
        range,
        page: Some(PageRequest {
            page_size,
            page_token: token.into(),
        }),
    };
    harness
        .client
        .clone()
        .get_equity_history(harness.server.request(request, &["auditor"]))
        .await
        .map(|response| response.into_inner())
}

/// Every point of `account`, page after page, with the number of pages.
async fn all_points(harness: &Harness, account: &str, page_size: u32) -> (Vec<EquityPoint>, usize) {
    let mut points = Vec::new();
    let mut token = String::new();
    for pages in 1.. {
        let page = history(harness, account, None, page_size, &token)
            .await
            .unwrap();
        assert!(page.points.len() <= page_size as usize);
        points.extend(page.points);
        if page.next_page_token.is_empty() {
            return (points, pages);
        }
        token = page.next_page_token;
    }
    unreachable!("pages are counted without end")
}

#[tokio::test]
async fn equity_points_are_stored_and_paged_oldest_first() {
    let harness = Harness::start_with(|config| config.equity_interval_ms = 150).await;
    harness.price_feed.quote("BTC-USDT", Some("40000"), T0);
    harness
        .transfer("open", "alice", Venue::Binance, "USDT", "10000")
        .await;
    harness
        .apply_fill(&fill("1", "BTC-USDT", Side::Buy, "0.1", "40000", "4"))
        .await
        .unwrap();
    // A position without a mark: bob's equity is unknown, so bob gets no points.
    let mut unmarked = fill("2", "SOL-USDT", Side::Buy, "1", "100", "0");
    unmarked.account = "bob".into();
    harness.apply_fill(&unmarked).await.unwrap();

    let points = eventually("six equity points", PATIENCE, || async {
        let page = history(&harness, "alice", None, 1000, "").await.ok()?;
        (page.points.len() >= 6).then_some(page.points)
    })
    .await;
    // The transfer's point, then the fill's: cash and value at the 40000 mark.
    assert_eq!(value(&points[0].equity), number("10000"));
    assert_eq!(value(&points[0].positions_value), number("0"));
    let after_fill = points
        .iter()
        .find(|point| value(&point.positions_value) == number("4000"))
        .expect("a point after the fill");
    assert_eq!(value(&after_fill.cash), number("5996"));
    assert_eq!(value(&after_fill.equity), number("9996"));
    assert!(
        points
            .windows(2)
            .all(|pair| pair[0].at_unix_ms <= pair[1].at_unix_ms)
    );

    let (paged, pages) = all_points(&harness, "alice", 2).await;
    assert!(pages >= 3, "{pages} pages");
    assert!(paged.len() >= points.len());
    assert_eq!(paged[0], points[0]);
    assert!(
        paged
            .windows(2)
            .all(|pair| pair[0].at_unix_ms <= pair[1].at_unix_ms)
    );

    // Ranges are [from, to): the first point alone, then nothing in the far future.
    let first_only = TimeRange {
        from_unix_ms: points[0].at_unix_ms,
        to_unix_ms: points[0].at_unix_ms + 1,
    };
    let first = history(&harness, "alice", Some(first_only), 1000, "")
        .await
        .unwrap();
    assert!(first.points.contains(&points[0]));
    assert!(
        first
            .points
            .iter()
            .all(|point| point.at_unix_ms == points[0].at_unix_ms)
    );
    let future = TimeRange {
        from_unix_ms: T0 * 2,
        to_unix_ms: 0,
    };
    let none = history(&harness, "alice", Some(future), 1000, "")
        .await
        .unwrap();
    assert!(none.points.is_empty());

    let bob = history(&harness, "bob", None, 10, "").await.unwrap();
    assert!(bob.points.is_empty(), "{:?}", bob.points);
    let nobody = history(&harness, "nobody", None, 10, "").await.unwrap();
    assert!(nobody.points.is_empty() && nobody.next_page_token.is_empty());
}
