//! Binance against a fake venue: snapshot plus buffered diff-depth deltas with stale,
//! duplicate and gapped messages; then paper orders on the exact resulting book.
use std::sync::Arc;
use std::time::Duration;

use quorum_connector::{BinanceEnv, MarketSource};
use quorum_proto::exchange::v1::{
    CancelOrderRequest, GetBalancesRequest, OrderStatus, OrderType, PlaceOrderRequest, TimeInForce,
};
use quorum_proto::market::v1::Side;
use tonic::Code;

use super::binance_wire::{DEPTH, depth, exchange_info, snapshot, trade};
use crate::fake_venue::{FakeVenue, Step};
use crate::harness::{Harness, PATIENCE, Servers, decimal, eventually, levels, number, text};

/// The fake venue and a paper-trading connector whose market source is it.
async fn connect() -> (FakeVenue, Harness) {
    let answers = vec![
        ("/api/v3/exchangeInfo", 200, exchange_info()),
        (
            DEPTH,
            200,
            snapshot(
                100,
                &[("100.00", "1"), ("99.00", "2")],
                &[("101.00", "1"), ("102.00", "3")],
            ),
        ),
        (
            DEPTH,
            200,
            snapshot(
                111,
                &[("100.00", "2"), ("98.00", "1")],
                &[("101.50", "1"), ("103.00", "2")],
            ),
        ),
    ];
    let script = vec![
        Step::AwaitReceived {
            text: "SUBSCRIBE",
            count: 1,
        },
        Step::Send(r#"{"result":null,"id":1}"#.into()),
        // Older than the snapshot: dropped once it arrives.
        depth(95, 99, &[("98.00", "5")], &[]),
        // Spans lastUpdateId + 1: the first delta applied.
        depth(100, 102, &[("100.00", "1.5")], &[("101.50", "2")]),
        // A duplicate of it.
        depth(101, 102, &[("100.00", "9")], &[]),
        Step::AwaitRequests {
            path: DEPTH,
            count: 1,
        },
        depth(103, 104, &[], &[("101.00", "0")]),
        depth(103, 104, &[], &[("101.00", "7")]),
        depth(100, 101, &[("100.00", "8")], &[]),
        trade(7001, "101.50", "0.25"),
        // Updates 105..109 never arrive: a gap, so the book is rebuilt from snapshot 111.
        depth(110, 112, &[("97.00", "4")], &[]),
        Step::AwaitRequests {
            path: DEPTH,
            count: 2,
        },
        depth(
            113,
            115,
            &[("98.00", "0")],
            &[("101.50", "0.5"), ("104.00", "1")],
        ),
    ];
    let venue = FakeVenue::start(answers, script).await;
    let servers = Servers::start().await;
    let mut config = servers.config::<BinanceEnv>();
    config.market.market_source = MarketSource::Live;
    config.venue.symbols = "BTC-USDT,DOGE-USDT".into();
    config.venue.rest_url = Some(venue.rest_url.clone());
    config.venue.ws_url = Some(venue.ws_url.clone());
    // Only the snapshots of each sync on the bus, not the periodic ones.
    config.market.book_snapshot_secs = 3600;
    let harness = Harness::serve(servers, config, Arc::new(quorum_venues::binance::Binance)).await;
    (venue, harness)
}

/// Waits for the book the script ends with.
async fn final_book(harness: &Harness) -> quorum_proto::market::v1::OrderBook {
    let expected_asks = ["101.5:0.5", "103:2", "104:1"];
    eventually("the book after the last delta", PATIENCE, || async {
        let book = harness.synced_book("BTC-USDT", 0).await;
        (levels(&book.asks) == expected_asks).then_some(book)
    })
    .await
}

#[tokio::test]
async fn the_book_ends_exact_and_one_gap_costs_exactly_one_resync() {
    let (venue, harness) = connect().await;
    let book = final_book(&harness).await;
    assert_eq!(levels(&book.bids), ["100:2", "97:4"]);
    assert_eq!(levels(&book.asks), ["101.5:0.5", "103:2", "104:1"]);

    // Give a spurious resync time to show, then count.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(venue.requests_to(DEPTH), 2, "{:?}", venue.requests());
    assert!(
        venue
            .requests()
            .iter()
            .any(|r| r.contains("symbol=BTCUSDT&limit=1000")),
        "{:?}",
        venue.requests()
    );
    let status = harness.status().await;
    assert_eq!(status.market_source, "live");
    assert_eq!(status.books.len(), 1, "DOGE-USDT is not listed, so skipped");
    assert_eq!(status.books[0].symbol, "BTC-USDT");
    assert_eq!(status.books[0].resyncs, 1);
    assert_eq!(venue.connections(), 1);

    let trades = harness.bus_entries("md.trades").await;
    assert_eq!(trades.len(), 1, "{trades:?}");
    assert_eq!(trades[0]["trade_id"], "7001");
    assert_eq!(
        trades[0]["taker_side"], "sell",
        "m = true: the buyer was the maker"
    );
    let books = harness.bus_entries("md.book").await;
    let snapshots = books
        .iter()
        .filter(|update| update["snapshot"] == true)
        .count();
    assert_eq!(snapshots, 2, "one per sync: {books:?}");
}

#[tokio::test]
async fn paper_orders_fill_at_the_venue_book_prices_with_its_fees() {
    let (_venue, mut harness) = connect().await;
    final_book(&harness).await;
    let buy = PlaceOrderRequest {
        client_order_id: "walk-1".into(),
        symbol: "BTC-USDT".into(),
        side: Side::Buy as i32,
        r#type: OrderType::Market as i32,
        quantity: decimal("1"),
        ..PlaceOrderRequest::default()
    };
    let order = harness
        .client
        .place_order(harness.request(buy, &["trader"]))
        .await
        .unwrap()
        .into_inner()
        .order
        .unwrap();
    assert_eq!(order.status(), OrderStatus::Filled);
    let fills: Vec<(String, String, String)> = order
        .fills
        .iter()
        .map(|f| (text(&f.price), text(&f.quantity), text(&f.fee)))
        .collect();
    // 0.5 at 101.5 and 0.5 at 103, each with Binance's 0.1 % taker fee in USDT.
    assert_eq!(
        fills,
        [
            ("101.5".into(), "0.5".into(), "0.05075".into()),
            ("103".into(), "0.5".into(), "0.0515".into())
        ]
    );
    assert_eq!(text(&order.average_price), "102.25");

    let published = eventually("the fills on exec.fills", PATIENCE, || async {
        let fills = harness.bus_entries("exec.fills").await;
        (fills.len() == 2).then_some(fills)
    })
    .await;
    assert_eq!(published[0]["fill_id"], order.fills[0].fill_id);
    let price: quorum_domain::Decimal = published[1]["price"].as_str().unwrap().parse().unwrap();
    assert_eq!(price, quorum_domain::Decimal::from(103));
    assert_eq!(published[0]["liquidity"], "taker");

    // Only 1.5 at 103 and 1 at 104 are left to this account's view of the book.
    let fok = PlaceOrderRequest {
        symbol: "BTC-USDT".into(),
        side: Side::Buy as i32,
        r#type: OrderType::Limit as i32,
        time_in_force: TimeInForce::Fok as i32,
        quantity: decimal("3"),
        price: decimal("104"),
        ..PlaceOrderRequest::default()
    };
    let expired = harness
        .client
        .place_order(harness.request(fok, &["trader"]))
        .await
        .unwrap()
        .into_inner()
        .order
        .unwrap();
    assert_eq!(expired.status(), OrderStatus::Expired);
    assert!(expired.fills.is_empty());

    let post_only = PlaceOrderRequest {
        symbol: "BTC-USDT".into(),
        side: Side::Buy as i32,
        r#type: OrderType::Limit as i32,
        time_in_force: TimeInForce::Gtc as i32,
        post_only: true,
        quantity: decimal("0.1"),
        price: decimal("101.50"),
        ..PlaceOrderRequest::default()
    };
    let refused = harness
        .client
        .place_order(harness.request(post_only, &["trader"]))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::FailedPrecondition);
    assert!(
        refused.message().contains("post-only"),
        "{}",
        refused.message()
    );

    let resting = PlaceOrderRequest {
        client_order_id: "rest-1".into(),
        symbol: "BTC-USDT".into(),
        side: Side::Buy as i32,
        r#type: OrderType::Limit as i32,
        time_in_force: TimeInForce::Gtc as i32,
        quantity: decimal("1"),
        price: decimal("99"),
        ..PlaceOrderRequest::default()
    };
    let placed = harness
        .client
        .place_order(harness.request(resting, &["trader"]))
        .await
        .unwrap()
        .into_inner()
        .order
        .unwrap();
    assert_eq!(placed.status(), OrderStatus::New);
    let usdt = usdt_balance(&mut harness).await;
    // 100000 - 102.25 - 0.10225 spent; 99 * 1.001 locked for the resting bid.
    assert_eq!(
        usdt,
        ("99798.548750".parse().unwrap(), "99.099".parse().unwrap())
    );

    let cancel = CancelOrderRequest {
        client_order_id: "rest-1".into(),
        ..CancelOrderRequest::default()
    };
    let cancelled = harness
        .client
        .cancel_order(harness.request(cancel, &["trader"]))
        .await
        .unwrap()
        .into_inner()
        .order
        .unwrap();
    assert_eq!(cancelled.status(), OrderStatus::Canceled);
    let usdt = usdt_balance(&mut harness).await;
    assert_eq!(usdt, ("99897.64775".parse().unwrap(), "0".parse().unwrap()));
}

async fn usdt_balance(harness: &mut Harness) -> (quorum_domain::Decimal, quorum_domain::Decimal) {
    let balances = harness
        .client
        .get_balances(harness.request(GetBalancesRequest::default(), &["viewer"]))
        .await
        .unwrap()
        .into_inner()
        .balances;
    let usdt = balances.iter().find(|b| b.asset == "USDT").unwrap();
    (number(&usdt.free), number(&usdt.locked))
}
