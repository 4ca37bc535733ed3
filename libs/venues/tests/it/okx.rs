//! OKX: documented responses and stream messages read into the normalized model, and
//! signed requests compared with signatures computed independently of this crate.
use std::str::FromStr;

use quorum_domain::{Decimal, Instrument, OrderType, Side, TimeInForce, Venue};
use quorum_quant::OrderBook;
use quorum_venues::okx::{self, Okx};
use quorum_venues::{
    BookMessage, BookMessageKind, Credentials, InstrumentIndex, OrderRequest, ParseError,
    RestRequest, StreamEvent, SyncRule, VenueProtocol,
};

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/okx/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{path}: {error}"))
}

fn decimal(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

fn btc_usdt() -> Instrument {
    Instrument {
        venue: Venue::Okx,
        symbol: "BTC-USDT".parse().unwrap(),
        venue_symbol: "BTC-USDT".into(),
        tick_size: decimal("0.1"),
        lot_size: decimal("0.00000001"),
        min_notional: Decimal::ZERO,
    }
}

fn index() -> InstrumentIndex {
    InstrumentIndex::new([btc_usdt()])
}

fn credentials() -> Credentials {
    Credentials {
        key: "6a7e2c1d-okx-key".into(),
        secret: "qz5nK7cT2mVb8XhL4wRj".into(),
        passphrase: "correct horse".into(),
    }
}

fn book_message(text: &str) -> BookMessage {
    let parsed = Okx.parse_message(text, &index()).unwrap();
    assert_eq!(parsed.events.len(), 1, "{parsed:?}");
    match parsed.events.into_iter().next() {
        Some(StreamEvent::Book(book)) => book,
        other => panic!("expected a book message, got {other:?}"),
    }
}

#[test]
fn describes_itself_as_okx_with_prev_sequence_books_and_base_fees() {
    assert_eq!(Okx.venue(), Venue::Okx);
    assert_eq!(Okx.sync_rule(), SyncRule::PrevSequence);
    assert_eq!(Okx.base_fees(), (decimal("0.001"), decimal("0.0008")));
    assert!(Okx.default_ws_url().starts_with("wss://"));
}

#[test]
fn instrument_list_keeps_live_spot_instruments_with_their_steps() {
    let request = Okx.instruments_request();
    assert_eq!(
        (
            request.method,
            request.path.as_str(),
            request.query.as_str()
        ),
        ("GET", "/api/v5/public/instruments", "instType=SPOT")
    );
    let instruments = Okx.parse_instruments(&fixture("instruments.json")).unwrap();
    let names: Vec<&str> = instruments
        .iter()
        .map(|i| i.venue_symbol.as_str())
        .collect();
    assert_eq!(
        names,
        ["BTC-USDT", "ETH-USDT"],
        "preopen and suspended are skipped"
    );
    assert_eq!(instruments[0], btc_usdt());
    assert_eq!(instruments[1].tick_size, decimal("0.01"));
    assert_eq!(instruments[1].lot_size, decimal("0.000001"));
}

#[test]
fn an_error_envelope_is_the_venues_refusal() {
    let refused = Okx.parse_instruments(&fixture("error_invalid_key.json"));
    assert_eq!(
        refused,
        Err(ParseError::Venue {
            code: "50111".into(),
            message: "Invalid OK-ACCESS-KEY".into()
        })
    );
}

#[test]
fn rest_snapshot_is_requested_by_inst_id_and_anchored_on_its_seq_id() {
    let request = Okx.snapshot_request(&btc_usdt(), 200).unwrap();
    assert_eq!(request.path, "/api/v5/market/books");
    assert_eq!(request.query, "instId=BTC-USDT&sz=200");
    let snapshot = Okx
        .parse_snapshot(&btc_usdt(), &fixture("books_snapshot_rest.json"))
        .unwrap();
    assert_eq!(snapshot.kind, BookMessageKind::Snapshot);
    assert_eq!(
        (snapshot.first_id, snapshot.last_id),
        (3_048_716_843, 3_048_716_843)
    );
    assert_eq!(snapshot.prev_id, Some(-1));
    assert_eq!(snapshot.event_ms, 1_629_966_436_396);
    assert_eq!(snapshot.checksum, None);
    assert_eq!(snapshot.asks.len(), 3);
    assert_eq!(snapshot.bids[0].price, decimal("41006.3"));
    assert_eq!(snapshot.bids[0].quantity, decimal("0.30178218"));
    // The scale of the text survives, as the checksum needs.
    assert_eq!(snapshot.asks[2].price.to_string(), "41007.0");
}

#[test]
fn stream_snapshot_and_update_carry_sequence_ids_and_a_matching_checksum() {
    let snapshot = book_message(&fixture("ws_books_snapshot.json"));
    assert_eq!(snapshot.kind, BookMessageKind::Snapshot);
    assert_eq!(snapshot.symbol.as_str(), "BTC-USDT");
    assert_eq!((snapshot.prev_id, snapshot.first_id), (Some(-1), 123_456));
    assert_eq!((snapshot.bids.len(), snapshot.asks.len()), (8, 8));
    assert_eq!(snapshot.event_ms, 1_597_026_383_085);

    let mut book = OrderBook::from_levels(&snapshot.bids, &snapshot.asks);
    assert_eq!(Some(okx::checksum(&book)), snapshot.checksum);

    let update = book_message(&fixture("ws_books_update.json"));
    assert_eq!(update.kind, BookMessageKind::Delta);
    assert_eq!(
        (update.prev_id, update.first_id, update.last_id),
        (Some(123_456), 123_457, 123_457)
    );
    book.apply_all(Side::Buy, &update.bids);
    book.apply_all(Side::Sell, &update.asks);
    assert_eq!(
        book.best_ask().unwrap().price,
        decimal("8477"),
        "8476.98 was removed"
    );
    assert_eq!(Some(okx::checksum(&book)), update.checksum);
}

#[test]
fn trades_carry_the_taker_side() {
    let parsed = Okx
        .parse_message(&fixture("ws_trades.json"), &index())
        .unwrap();
    let trades: Vec<_> = parsed
        .events
        .into_iter()
        .map(|event| match event {
            StreamEvent::Trade(trade) => trade,
            other => panic!("expected trades, got {other:?}"),
        })
        .collect();
    assert_eq!(trades.len(), 2);
    assert_eq!(trades[0].trade_id, "130639474");
    assert_eq!(trades[0].price, decimal("42219.9"));
    assert_eq!(trades[0].quantity, decimal("0.12060306"));
    assert_eq!(trades[0].taker_side, Side::Buy);
    assert_eq!(trades[0].traded_at_ms, 1_630_048_897_897);
    assert_eq!(trades[1].taker_side, Side::Sell);
    assert_eq!(trades[1].venue, Venue::Okx);
}

#[test]
fn acks_and_pong_publish_nothing_and_errors_are_venue_errors() {
    for quiet in [fixture("ws_subscribe_ack.json"), "pong".to_string()] {
        let parsed = Okx.parse_message(&quiet, &index()).unwrap();
        assert!(
            parsed.events.is_empty() && parsed.reply.is_none(),
            "{quiet}"
        );
    }
    match Okx.parse_message(&fixture("ws_error.json"), &index()) {
        Err(ParseError::Venue { code, message }) => {
            assert_eq!(code, "60012");
            assert!(message.starts_with("Invalid request"), "{message}");
        }
        other => panic!("expected the venue's error, got {other:?}"),
    }
    assert!(matches!(
        Okx.parse_message("{not json", &index()),
        Err(ParseError::Format(_))
    ));
}

#[test]
fn subscribes_books_and_trades_per_instrument() {
    let messages = Okx.subscribe_messages(&[btc_usdt()], None, 0).unwrap();
    let message: serde_json::Value = serde_json::from_str(&messages[0]).unwrap();
    assert_eq!(
        message,
        serde_json::json!({"op": "subscribe", "args": [
            {"channel": "books", "instId": "BTC-USDT"},
            {"channel": "trades", "instId": "BTC-USDT"},
        ]})
    );
}

#[test]
fn signs_a_get_with_its_query_as_the_venue_documents() {
    let mut request = RestRequest::get("/api/v5/account/balance", "ccy=BTC");
    Okx.sign(&mut request, &credentials(), 1_607_418_537_715)
        .unwrap();
    // Base64(HMAC-SHA256) of "2020-12-08T09:08:57.715ZGET/api/v5/account/balance?ccy=BTC",
    // computed with `openssl dgst -sha256 -hmac`.
    assert_eq!(
        request.header("OK-ACCESS-SIGN"),
        Some("MeklOftGV1/KvtRMK97igT1cFgHRVC8C+eQkpFgM90w=")
    );
    assert_eq!(
        request.header("OK-ACCESS-TIMESTAMP"),
        Some("2020-12-08T09:08:57.715Z")
    );
    assert_eq!(request.header("OK-ACCESS-KEY"), Some("6a7e2c1d-okx-key"));
    assert_eq!(
        request.header("OK-ACCESS-PASSPHRASE"),
        Some("correct horse")
    );
}

#[test]
fn signs_a_post_over_its_body_and_re_signing_replaces_the_headers() {
    let body = r#"{"instId":"BTC-USDT","tdMode":"cash","clOrdId":"b15","side":"buy","ordType":"limit","px":"2.15","sz":"2"}"#;
    let mut request = RestRequest {
        method: "POST",
        path: "/api/v5/trade/order".into(),
        query: String::new(),
        body: body.into(),
        headers: Vec::new(),
    };
    Okx.sign(&mut request, &credentials(), 0).unwrap();
    Okx.sign(&mut request, &credentials(), 1_607_418_537_715)
        .unwrap();
    assert_eq!(request.headers.len(), 4, "{:?}", request.headers);
    assert_eq!(
        request.header("OK-ACCESS-SIGN"),
        Some("nBwNr9H9pOf/mok6b2BwPtwY9Y2R8ZghjwmwahdtIKI=")
    );
}

#[test]
fn signing_without_a_passphrase_is_refused() {
    let mut request = RestRequest::get("/api/v5/account/balance", "");
    let without = Credentials {
        passphrase: String::new(),
        ..credentials()
    };
    let error = Okx.sign(&mut request, &without, 0).unwrap_err();
    assert!(error.0.contains("passphrase"), "{error}");
    assert!(request.headers.is_empty());
}

#[test]
fn place_order_bodies_name_the_order_type_size_and_price() {
    let limit = OrderRequest {
        client_order_id: "3f9a-77".into(),
        side: Side::Sell,
        order_type: OrderType::Limit,
        time_in_force: TimeInForce::Gtc,
        post_only: true,
        quantity: decimal("0.50"),
        price: Some(decimal("42000.10")),
    };
    let request = Okx.place_order_request(&btc_usdt(), &limit, 0);
    assert_eq!(
        (request.method, request.path.as_str()),
        ("POST", "/api/v5/trade/order")
    );
    assert_eq!(request.header("Content-Type"), Some("application/json"));
    let body: serde_json::Value = serde_json::from_str(&request.body).unwrap();
    assert_eq!(
        body,
        serde_json::json!({"instId": "BTC-USDT", "tdMode": "cash", "clOrdId": "3f9a77",
            "side": "sell", "ordType": "post_only", "sz": "0.5", "px": "42000.1"})
    );

    let market = OrderRequest {
        order_type: OrderType::Market,
        time_in_force: TimeInForce::Ioc,
        post_only: false,
        side: Side::Buy,
        price: None,
        ..limit
    };
    let body: serde_json::Value =
        serde_json::from_str(&Okx.place_order_request(&btc_usdt(), &market, 0).body).unwrap();
    assert_eq!(body["ordType"], "market");
    assert_eq!(
        body["tgtCcy"], "base_ccy",
        "a market buy is sized in the base asset"
    );
    assert!(body.get("px").is_none());
}

#[test]
fn cancel_names_the_instrument_and_order() {
    let request = Okx.cancel_order_request(&btc_usdt(), "312269865356374016", 0);
    assert_eq!(
        (request.method, request.path.as_str()),
        ("POST", "/api/v5/trade/cancel-order")
    );
    let body: serde_json::Value = serde_json::from_str(&request.body).unwrap();
    assert_eq!(
        body,
        serde_json::json!({"instId": "BTC-USDT", "ordId": "312269865356374016"})
    );
}

#[test]
fn order_answers_are_acks_or_the_per_order_refusal() {
    let placed = Okx
        .parse_order_response(200, &fixture("order_placed.json"))
        .unwrap();
    assert_eq!(placed.venue_order_id, "312269865356374016");
    assert_eq!(placed.client_order_id, "oktswap6");
    assert_eq!(placed.status, okx::ACCEPTED_STATUS);
    let canceled = Okx
        .parse_order_response(200, &fixture("order_canceled.json"))
        .unwrap();
    assert_eq!(canceled.venue_order_id, "312269865356374016");
    assert_eq!(
        Okx.parse_order_response(200, &fixture("order_rejected.json")),
        Err(ParseError::Venue {
            code: "51008".into(),
            message: "Order failed. Insufficient USDT balance in account.".into()
        })
    );
    assert_eq!(
        Okx.parse_order_response(401, &fixture("error_invalid_key.json")),
        Err(ParseError::Venue {
            code: "50111".into(),
            message: "Invalid OK-ACCESS-KEY".into()
        })
    );
}
