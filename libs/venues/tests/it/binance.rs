//! Binance: documented responses and stream messages read into the normalized model,
//! and signed requests that reproduce the venue's published signature.
use std::str::FromStr;

use quorum_domain::{Decimal, Instrument, OrderType, Side, TimeInForce, Venue};
use quorum_venues::binance::{self, Binance};
use quorum_venues::{
    BookMessageKind, Credentials, InstrumentIndex, OrderRequest, ParseError, StreamEvent, SyncRule,
    VenueProtocol,
};

fn fixture(name: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/binance/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{path}: {error}"))
}

fn decimal(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

fn instruments() -> Vec<Instrument> {
    Binance
        .parse_instruments(&fixture("exchange_info.json"))
        .unwrap()
}

fn instrument(venue_symbol: &str) -> Instrument {
    instruments()
        .into_iter()
        .find(|instrument| instrument.venue_symbol == venue_symbol)
        .unwrap()
}

fn index() -> InstrumentIndex {
    InstrumentIndex::new(instruments())
}

/// The venue's documented signing example.
fn documented_credentials() -> Credentials {
    Credentials {
        key: "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A".into(),
        secret: "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j".into(),
        passphrase: String::new(),
    }
}

fn limit_order(side: Side, quantity: &str, price: &str) -> OrderRequest {
    OrderRequest {
        client_order_id: String::new(),
        side,
        order_type: OrderType::Limit,
        time_in_force: TimeInForce::Gtc,
        post_only: false,
        quantity: decimal(quantity),
        price: Some(decimal(price)),
    }
}

#[test]
fn describes_itself_as_binance_with_update_id_books_and_base_fees() {
    assert_eq!(Binance.venue(), Venue::Binance);
    assert_eq!(Binance.sync_rule(), SyncRule::UpdateIdRange);
    assert_eq!(Binance.base_fees(), (decimal("0.001"), decimal("0.001")));
    assert_eq!(Binance.default_rest_url(), "https://api.binance.com");
    assert!(
        Binance.default_ws_url().ends_with("/stream"),
        "combined streams"
    );
}

#[test]
fn exchange_info_keeps_trading_symbols_with_their_filters() {
    let request = Binance.instruments_request();
    assert_eq!(
        (
            request.method,
            request.path.as_str(),
            request.query.as_str()
        ),
        ("GET", "/api/v3/exchangeInfo", "")
    );
    let instruments = instruments();
    let names: Vec<&str> = instruments
        .iter()
        .map(|instrument| instrument.venue_symbol.as_str())
        .collect();
    assert_eq!(names, ["ETHBTC", "BNBBTC", "BTCUSDT"], "BREAK is skipped");
    let btc_usdt = &instruments[2];
    assert_eq!(btc_usdt.symbol.as_str(), "BTC-USDT");
    assert_eq!(btc_usdt.venue, Venue::Binance);
    assert_eq!(btc_usdt.tick_size, decimal("0.01"));
    assert_eq!(btc_usdt.lot_size, decimal("0.00001"));
    assert_eq!(btc_usdt.min_notional, decimal("5"), "from NOTIONAL");
    assert_eq!(
        instruments[1].min_notional,
        decimal("0.001"),
        "from MIN_NOTIONAL"
    );
    assert_eq!(instruments[0].symbol.as_str(), "ETH-BTC");
    assert_eq!(
        instruments[0].tick_size.to_string(),
        "0.00001",
        "normalized"
    );
}

#[test]
fn an_error_body_is_the_venues_refusal() {
    let expected = ParseError::Venue {
        code: "-2010".into(),
        message: "Account has insufficient balance for requested action.".into(),
    };
    assert_eq!(
        Binance.parse_order_response(400, &fixture("error.json")),
        Err(expected.clone())
    );
    assert_eq!(
        Binance.parse_instruments(&fixture("error.json")),
        Err(expected.clone())
    );
    assert_eq!(
        Binance.parse_snapshot(&instrument("BNBBTC"), &fixture("error.json")),
        Err(expected)
    );
    match Binance.parse_order_response(503, "<html>Service Unavailable</html>") {
        Err(ParseError::Venue { code, .. }) => assert_eq!(code, "http 503"),
        other => panic!("expected a venue error, got {other:?}"),
    }
    assert!(matches!(
        Binance.parse_instruments("{\"symbols\": 3}"),
        Err(ParseError::Format(_))
    ));
}

#[test]
fn depth_snapshot_is_requested_by_symbol_and_anchored_on_last_update_id() {
    let bnb = instrument("BNBBTC");
    let request = Binance.snapshot_request(&bnb, 1000).unwrap();
    assert_eq!(
        request.path_and_query(),
        "/api/v3/depth?symbol=BNBBTC&limit=1000"
    );
    let capped = Binance.snapshot_request(&bnb, 100_000).unwrap();
    assert_eq!(capped.query, "symbol=BNBBTC&limit=5000");
    let default = Binance.snapshot_request(&bnb, 0).unwrap();
    assert_eq!(default.query, "symbol=BNBBTC&limit=100");

    let snapshot = Binance
        .parse_snapshot(&bnb, &fixture("depth_snapshot.json"))
        .unwrap();
    assert_eq!(snapshot.kind, BookMessageKind::Snapshot);
    assert_eq!(snapshot.symbol.as_str(), "BNB-BTC");
    assert_eq!(
        (snapshot.first_id, snapshot.last_id),
        (1_027_024, 1_027_024)
    );
    assert_eq!(snapshot.prev_id, None);
    assert_eq!(snapshot.bids.len(), 2);
    assert_eq!(snapshot.bids[0].price, decimal("4"));
    assert_eq!(snapshot.bids[0].quantity, decimal("431"));
    assert_eq!(snapshot.asks[0].price, decimal("4.000002"));
}

#[test]
fn depth_update_carries_its_update_id_range_and_absolute_quantities() {
    let parsed = Binance
        .parse_message(&fixture("depth_update.json"), &index())
        .unwrap();
    assert_eq!(parsed.events.len(), 1);
    let StreamEvent::Book(update) = &parsed.events[0] else {
        panic!("expected a book message, got {parsed:?}");
    };
    assert_eq!(update.kind, BookMessageKind::Delta);
    assert_eq!(update.symbol.as_str(), "BNB-BTC");
    assert_eq!((update.first_id, update.last_id), (1_027_021, 1_027_027));
    assert_eq!(update.event_ms, 1_672_515_782_136);
    assert_eq!(update.bids.len(), 2);
    assert_eq!(update.bids[1].price, decimal("3.99"));
    assert!(update.bids[1].quantity.is_zero(), "0 removes the level");
    assert_eq!(update.asks[0].quantity, decimal("100"));

    // The same event from a raw (not combined) stream reads the same.
    let whole: serde_json::Value = serde_json::from_str(&fixture("depth_update.json")).unwrap();
    let raw = Binance
        .parse_message(&whole["data"].to_string(), &index())
        .unwrap();
    assert_eq!(raw.events, parsed.events);
}

#[test]
fn trade_taker_is_the_seller_when_the_buyer_was_the_maker() {
    let parsed = Binance
        .parse_message(&fixture("trade.json"), &index())
        .unwrap();
    let [StreamEvent::Trade(trade)] = parsed.events.as_slice() else {
        panic!("expected one trade, got {parsed:?}");
    };
    assert_eq!(trade.venue, Venue::Binance);
    assert_eq!(trade.symbol.as_str(), "BNB-BTC");
    assert_eq!(trade.trade_id, "12345");
    assert_eq!(trade.price, decimal("0.001"));
    assert_eq!(trade.quantity, decimal("100"));
    assert_eq!(trade.taker_side, Side::Sell);
    assert_eq!(trade.traded_at_ms, 1_672_515_782_136);

    let taker_buy = fixture("trade.json").replace("\"m\":true", "\"m\":false");
    let parsed = Binance.parse_message(&taker_buy, &index()).unwrap();
    let [StreamEvent::Trade(trade)] = parsed.events.as_slice() else {
        panic!("expected one trade, got {parsed:?}");
    };
    assert_eq!(trade.taker_side, Side::Buy);
}

#[test]
fn acks_other_streams_and_unknown_symbols_publish_nothing_and_errors_are_the_venues() {
    let quiet = [
        fixture("subscribe_ack.json"),
        r#"{"stream":"bnbbtc@kline_1m","data":{"e":"kline","E":1,"s":"BNBBTC","k":{}}}"#.into(),
        fixture("trade.json").replace("BNBBTC", "XYZBTC"),
    ];
    for text in quiet {
        let parsed = Binance.parse_message(&text, &index()).unwrap();
        assert!(parsed.events.is_empty() && parsed.reply.is_none(), "{text}");
    }
    match Binance.parse_message(&fixture("ws_error.json"), &index()) {
        Err(ParseError::Venue { code, message }) => {
            assert_eq!(code, "2");
            assert!(message.starts_with("Invalid request"), "{message}");
        }
        other => panic!("expected the venue's error, got {other:?}"),
    }
    for broken in [
        "{not json",
        "[1,2]",
        r#"{"stream":"x@depth","data":{"e":"depthUpdate"}}"#,
    ] {
        assert!(
            matches!(
                Binance.parse_message(broken, &index()),
                Err(ParseError::Format(_))
            ),
            "{broken}"
        );
    }
}

#[test]
fn subscribes_depth_and_trades_in_bounded_messages() {
    let messages = Binance
        .subscribe_messages(&[instrument("BTCUSDT")], None, 0)
        .unwrap();
    let message: serde_json::Value = serde_json::from_str(&messages[0]).unwrap();
    assert_eq!(
        message,
        serde_json::json!({
            "method": "SUBSCRIBE",
            "params": ["btcusdt@depth@100ms", "btcusdt@trade"],
            "id": 1
        })
    );

    let many: Vec<Instrument> = (0..150)
        .map(|number| Instrument {
            venue_symbol: format!("COIN{number}USDT"),
            symbol: format!("COIN{number}-USDT").parse().unwrap(),
            ..instrument("BTCUSDT")
        })
        .collect();
    let messages = Binance.subscribe_messages(&many, None, 0).unwrap();
    let counts: Vec<(usize, u64)> = messages
        .iter()
        .map(|text| {
            let message: serde_json::Value = serde_json::from_str(text).unwrap();
            (
                message["params"].as_array().unwrap().len(),
                message["id"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(counts, [(binance::STREAMS_PER_SUBSCRIBE, 1), (100, 2)]);
}

#[test]
fn signed_order_reproduces_the_documented_signature() {
    let ltc_btc = Instrument {
        venue_symbol: "LTCBTC".into(),
        symbol: "LTC-BTC".parse().unwrap(),
        ..instrument("ETHBTC")
    };
    let mut request = Binance.place_order_request(&ltc_btc, &limit_order(Side::Buy, "1", "0.1"), 0);
    assert_eq!(
        (request.method, request.path.as_str()),
        ("POST", "/api/v3/order")
    );
    assert_eq!(
        request.query,
        "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1"
    );
    Binance
        .sign(&mut request, &documented_credentials(), 1_499_827_319_559)
        .unwrap();
    assert_eq!(
        request.query,
        "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1\
         &recvWindow=5000&timestamp=1499827319559\
         &signature=c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71"
    );
    assert!(request.body.is_empty());
    assert_eq!(
        request.header(binance::API_KEY_HEADER),
        Some(documented_credentials().key.as_str())
    );
}

#[test]
fn a_request_with_its_own_timestamp_is_signed_as_it_is() {
    let mut request = quorum_venues::RestRequest::get(
        "/api/v3/order",
        "symbol=LTCBTC&orderId=4&timestamp=1499827319559",
    );
    Binance
        .sign(&mut request, &documented_credentials(), 42)
        .unwrap();
    let (unsigned, signature) = request.query.split_once("&signature=").unwrap();
    assert_eq!(unsigned, "symbol=LTCBTC&orderId=4&timestamp=1499827319559");
    assert_eq!(signature.len(), 64);
}

#[test]
fn order_types_map_to_the_venues_words() {
    let btc_usdt = instrument("BTCUSDT");
    let post_only = OrderRequest {
        post_only: true,
        client_order_id: "q-1:a/b".into(),
        ..limit_order(Side::Sell, "0.50000", "42150.10")
    };
    assert_eq!(
        Binance.place_order_request(&btc_usdt, &post_only, 0).query,
        "symbol=BTCUSDT&side=SELL&type=LIMIT_MAKER&quantity=0.5&price=42150.1\
         &newClientOrderId=q-1%3Aa%2Fb"
    );
    let ioc = OrderRequest {
        time_in_force: TimeInForce::Ioc,
        ..limit_order(Side::Buy, "2", "100")
    };
    assert!(
        Binance
            .place_order_request(&btc_usdt, &ioc, 0)
            .query
            .contains("&type=LIMIT&timeInForce=IOC&")
    );
    let market = OrderRequest {
        order_type: OrderType::Market,
        price: None,
        ..limit_order(Side::Buy, "0.001", "1")
    };
    assert_eq!(
        Binance.place_order_request(&btc_usdt, &market, 0).query,
        "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.001"
    );

    let cancel = Binance.cancel_order_request(&btc_usdt, "28", 0);
    assert_eq!(cancel.method, "DELETE");
    assert_eq!(
        cancel.path_and_query(),
        "/api/v3/order?symbol=BTCUSDT&orderId=28"
    );
}

#[test]
fn order_answers_give_the_venue_id_client_id_and_status() {
    let placed = Binance
        .parse_order_response(200, &fixture("order_full.json"))
        .unwrap();
    assert_eq!(placed.venue_order_id, "28");
    assert_eq!(placed.client_order_id, "6gCrw2kRUAF9CvJDGP16IP");
    assert_eq!(placed.status, "FILLED");
    let canceled = Binance
        .parse_order_response(200, &fixture("cancel.json"))
        .unwrap();
    assert_eq!(canceled.venue_order_id, "4");
    assert_eq!(
        canceled.client_order_id, "myOrder1",
        "the original id, not the cancel's"
    );
    assert_eq!(canceled.status, "CANCELED");
}
