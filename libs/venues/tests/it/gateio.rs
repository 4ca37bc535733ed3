//! Gate.io: documented responses and stream messages read into the normalized model,
//! and signed requests that reproduce the venue's published signature.
use std::str::FromStr;

use quorum_domain::{Decimal, Instrument, OrderType, Side, TimeInForce, Venue};
use quorum_venues::gateio::{self, Gateio};
use quorum_venues::{
    BookMessageKind, Credentials, InstrumentIndex, OrderRequest, ParseError, RestRequest,
    StreamEvent, SyncRule, VenueProtocol,
};

fn fixture(name: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/gateio/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{path}: {error}"))
}

fn decimal(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

fn instruments() -> Vec<Instrument> {
    Gateio
        .parse_instruments(&fixture("currency_pairs.json"))
        .unwrap()
}

fn btc_usdt() -> Instrument {
    instruments()
        .into_iter()
        .find(|instrument| instrument.venue_symbol == "BTC_USDT")
        .unwrap()
}

fn index() -> InstrumentIndex {
    InstrumentIndex::new(instruments())
}

fn credentials(secret: &str) -> Credentials {
    Credentials {
        key: "gate-key".into(),
        secret: secret.into(),
        passphrase: String::new(),
    }
}

fn order(order_type: OrderType, side: Side, quantity: &str, price: Option<&str>) -> OrderRequest {
    OrderRequest {
        client_order_id: String::new(),
        side,
        order_type,
        time_in_force: TimeInForce::Gtc,
        post_only: false,
        quantity: decimal(quantity),
        price: price.map(decimal),
    }
}

fn body(request: &RestRequest) -> serde_json::Value {
    serde_json::from_str(&request.body).unwrap()
}

#[test]
fn describes_itself_as_gateio_with_update_id_books_and_base_fees() {
    assert_eq!(Gateio.venue(), Venue::Gateio);
    assert_eq!(Gateio.sync_rule(), SyncRule::GateUpdateIdRange);
    assert_eq!(Gateio.base_fees(), (decimal("0.002"), decimal("0.002")));
    assert_eq!(Gateio.default_rest_url(), "https://api.gateio.ws");
    assert_eq!(Gateio.default_ws_url(), "wss://api.gateio.ws/ws/v4/");
}

#[test]
fn currency_pairs_keep_tradable_ones_with_steps_from_their_precisions() {
    let request = Gateio.instruments_request();
    assert_eq!(
        (request.method, request.path.as_str()),
        ("GET", "/api/v4/spot/currency_pairs")
    );
    let instruments = instruments();
    let names: Vec<&str> = instruments
        .iter()
        .map(|instrument| instrument.venue_symbol.as_str())
        .collect();
    assert_eq!(names, ["ETH_USDT", "BTC_USDT"], "untradable is skipped");
    let eth = &instruments[0];
    assert_eq!(eth.symbol.as_str(), "ETH-USDT");
    assert_eq!(eth.tick_size, decimal("0.000001"));
    assert_eq!(eth.lot_size, decimal("0.001"));
    assert_eq!(eth.min_notional, decimal("1"));
    assert_eq!(btc_usdt().tick_size, decimal("0.1"));
    assert_eq!(btc_usdt().min_notional, decimal("3"));

    let absurd = fixture("currency_pairs.json").replace("\"precision\": 6", "\"precision\": 40");
    let names: Vec<String> = Gateio
        .parse_instruments(&absurd)
        .unwrap()
        .into_iter()
        .map(|instrument| instrument.venue_symbol)
        .collect();
    assert_eq!(
        names,
        ["BTC_USDT"],
        "a precision no decimal can hold is skipped"
    );
}

#[test]
fn order_book_is_requested_with_its_id_and_anchored_on_it() {
    let request = Gateio.snapshot_request(&btc_usdt(), 0).unwrap();
    assert_eq!(
        request.path_and_query(),
        "/api/v4/spot/order_book?currency_pair=BTC_USDT&limit=100&with_id=true"
    );
    assert_eq!(
        Gateio.snapshot_request(&btc_usdt(), 20).unwrap().query,
        "currency_pair=BTC_USDT&limit=20&with_id=true"
    );
    let snapshot = Gateio
        .parse_snapshot(&btc_usdt(), &fixture("order_book.json"))
        .unwrap();
    assert_eq!(snapshot.kind, BookMessageKind::Snapshot);
    assert_eq!(
        (snapshot.first_id, snapshot.last_id),
        (48_776_300, 48_776_300)
    );
    assert_eq!(snapshot.event_ms, 1_623_898_993_123);
    assert_eq!((snapshot.bids.len(), snapshot.asks.len()), (3, 2));
    assert_eq!(snapshot.bids[0].price, decimal("19137.74"));
    assert_eq!(snapshot.asks[1].quantity, decimal("1.218"));
}

#[test]
fn book_update_carries_its_update_id_range() {
    let parsed = Gateio
        .parse_message(&fixture("order_book_update.json"), &index())
        .unwrap();
    let [StreamEvent::Book(update)] = parsed.events.as_slice() else {
        panic!("expected one book message, got {parsed:?}");
    };
    assert_eq!(update.kind, BookMessageKind::Delta);
    assert_eq!(update.symbol.as_str(), "BTC-USDT");
    assert_eq!((update.first_id, update.last_id), (48_776_301, 48_776_306));
    assert_eq!(update.event_ms, 1_606_294_781_123);
    assert_eq!(update.bids[0].quantity, decimal("0.0001"));
    assert!(update.bids[1].quantity.is_zero());
    assert_eq!(update.asks[0].price, decimal("19137.75"));
}

#[test]
fn trades_carry_the_taker_side_and_whole_milliseconds() {
    let parsed = Gateio
        .parse_message(&fixture("trades.json"), &index())
        .unwrap();
    let [StreamEvent::Trade(trade)] = parsed.events.as_slice() else {
        panic!("expected one trade, got {parsed:?}");
    };
    assert_eq!(trade.venue, Venue::Gateio);
    assert_eq!(trade.trade_id, "309143071");
    assert_eq!(trade.taker_side, Side::Sell);
    assert_eq!(trade.price, decimal("19137.74"));
    assert_eq!(trade.quantity, decimal("0.01647"));
    assert_eq!(trade.traded_at_ms, 1_606_292_218_213);

    let numeric = fixture("trades.json")
        .replace("\"1606292218213.4578\"", "1606292218214")
        .replace("\"sell\"", "\"buy\"");
    let parsed = Gateio.parse_message(&numeric, &index()).unwrap();
    let [StreamEvent::Trade(trade)] = parsed.events.as_slice() else {
        panic!("expected one trade, got {parsed:?}");
    };
    assert_eq!(
        (trade.traded_at_ms, trade.taker_side),
        (1_606_292_218_214, Side::Buy)
    );

    let sideways = fixture("trades.json").replace("\"sell\"", "\"both\"");
    assert!(matches!(
        Gateio.parse_message(&sideways, &index()),
        Err(ParseError::Format(_))
    ));
}

#[test]
fn acks_pongs_and_other_channels_publish_nothing_and_errors_are_the_venues() {
    let quiet = [
        fixture("subscribe_ack.json"),
        fixture("pong.json"),
        r#"{"time":1,"channel":"spot.tickers","event":"update","result":{"currency_pair":"BTC_USDT","last":"1"}}"#.into(),
        fixture("trades.json").replace("BTC_USDT", "XYZ_USDT"),
    ];
    for text in quiet {
        let parsed = Gateio.parse_message(&text, &index()).unwrap();
        assert!(parsed.events.is_empty() && parsed.reply.is_none(), "{text}");
    }
    match Gateio.parse_message(&fixture("ws_error.json"), &index()) {
        Err(ParseError::Venue { code, message }) => {
            assert_eq!(code, "2");
            assert_eq!(message, "unknown currency pair GT_XYZ");
        }
        other => panic!("expected the venue's error, got {other:?}"),
    }
    assert!(matches!(
        Gateio.parse_message("{not json", &index()),
        Err(ParseError::Format(_))
    ));
}

#[test]
fn subscribes_one_book_per_pair_and_all_trades_at_once() {
    let instruments = instruments();
    let messages = Gateio
        .subscribe_messages(&instruments, None, 1_606_292_218_999)
        .unwrap();
    let messages: Vec<serde_json::Value> = messages
        .iter()
        .map(|text| serde_json::from_str(text).unwrap())
        .collect();
    assert_eq!(
        messages,
        [
            serde_json::json!({"time": 1_606_292_218, "channel": "spot.order_book_update",
                "event": "subscribe", "payload": ["ETH_USDT", "100ms"]}),
            serde_json::json!({"time": 1_606_292_218, "channel": "spot.order_book_update",
                "event": "subscribe", "payload": ["BTC_USDT", "100ms"]}),
            serde_json::json!({"time": 1_606_292_218, "channel": "spot.trades",
                "event": "subscribe", "payload": ["ETH_USDT", "BTC_USDT"]}),
        ]
    );
    assert!(Gateio.subscribe_messages(&[], None, 0).unwrap().is_empty());
}

#[test]
fn signing_reproduces_the_documented_vector() {
    let mut request = RestRequest::get(
        "/api/v4/futures/orders",
        "contract=BTC_USD&status=finished&limit=50",
    );
    Gateio
        .sign(&mut request, &credentials("secret"), 1_541_993_715_000)
        .unwrap();
    assert_eq!(
        request.header("SIGN"),
        Some(
            "55f84ea195d6fe57ce62464daaa7c3c02fa9d1dde954e4c898289c9a2407a3d6fb3faf24deff16790d\
             726b66ac9f74526668b13bd01029199cc4fcc522418b8a"
        )
    );
    assert_eq!(request.header("KEY"), Some("gate-key"));
    assert_eq!(request.header("Timestamp"), Some("1541993715"));
    assert_eq!(
        request.query, "contract=BTC_USD&status=finished&limit=50",
        "the query is left as it was"
    );
}

/// The expected value was computed outside this crate (HMAC-SHA512 over the documented
/// text with the SHA-512 of this exact body).
#[test]
fn signing_a_body_hashes_the_exact_body() {
    let mut request = RestRequest {
        method: "POST",
        path: "/api/v4/spot/orders".into(),
        query: String::new(),
        body: r#"{"currency_pair":"BTC_USDT","type":"limit","account":"spot","side":"buy","amount":"0.001","price":"65000","time_in_force":"gtc","text":"t-abc"}"#.into(),
        headers: Vec::new(),
    };
    Gateio
        .sign(&mut request, &credentials("secret"), 1_700_000_000_123)
        .unwrap();
    assert_eq!(
        request.header("SIGN"),
        Some(
            "63095bbcf0f87ce81cf4530ea222aba2d3aab1c62725fa1cc9431b9f2f16fa20f591d134a94faedae9\
             6315d80f905dfdd07bbf219e6e8b44f702260d2823cec0"
        )
    );
    assert_eq!(request.header("Timestamp"), Some("1700000000"));
}

#[test]
fn orders_are_json_with_the_venues_words() {
    let limit = OrderRequest {
        client_order_id: "abc".into(),
        ..order(OrderType::Limit, Side::Buy, "0.0010", Some("65000.0"))
    };
    let request = Gateio.place_order_request(&btc_usdt(), &limit, 0);
    assert_eq!(
        (request.method, request.path.as_str()),
        ("POST", "/api/v4/spot/orders")
    );
    assert_eq!(request.header("Content-Type"), Some("application/json"));
    assert_eq!(
        body(&request),
        serde_json::json!({"currency_pair": "BTC_USDT", "type": "limit", "account": "spot",
            "side": "buy", "amount": "0.001", "price": "65000", "time_in_force": "gtc",
            "text": "t-abc"})
    );

    let post_only = OrderRequest {
        post_only: true,
        ..order(OrderType::Limit, Side::Sell, "1", Some("2"))
    };
    let post_only = body(&Gateio.place_order_request(&btc_usdt(), &post_only, 0));
    assert_eq!(post_only["time_in_force"], "poc");
    assert!(post_only.get("text").is_none(), "no client id, no text");

    let fok = OrderRequest {
        time_in_force: TimeInForce::Fok,
        ..order(OrderType::Limit, Side::Sell, "1", Some("2"))
    };
    assert_eq!(
        body(&Gateio.place_order_request(&btc_usdt(), &fok, 0))["time_in_force"],
        "fok"
    );

    // A market sell's amount is in the base currency; a market buy's in the quote.
    let sell = order(OrderType::Market, Side::Sell, "0.5", None);
    let sell = body(&Gateio.place_order_request(&btc_usdt(), &sell, 0));
    assert_eq!(
        (&sell["type"], &sell["amount"], &sell["time_in_force"]),
        (&"market".into(), &"0.5".into(), &"ioc".into())
    );
    assert!(sell.get("price").is_none());
    let buy = order(OrderType::Market, Side::Buy, "0.5", Some("60000"));
    let buy = body(&Gateio.place_order_request(&btc_usdt(), &buy, 0));
    assert_eq!(buy["amount"], "30000");
    assert!(buy.get("price").is_none(), "market orders carry no price");

    let cancel = Gateio.cancel_order_request(&btc_usdt(), "12332324", 0);
    assert_eq!(cancel.method, "DELETE");
    assert_eq!(
        cancel.path_and_query(),
        "/api/v4/spot/orders/12332324?currency_pair=BTC_USDT"
    );
}

#[test]
fn order_answers_give_the_venue_id_client_id_and_status() {
    let created = Gateio
        .parse_order_response(201, &fixture("order_created.json"))
        .unwrap();
    assert_eq!(created.venue_order_id, "12332324");
    assert_eq!(created.client_order_id, "123456", "t- is stripped");
    assert_eq!(created.status, "open");
    let cancelled = Gateio
        .parse_order_response(200, &fixture("order_cancelled.json"))
        .unwrap();
    assert_eq!(
        cancelled.client_order_id, "",
        "placed from the web: no client id"
    );
    assert_eq!(cancelled.status, "cancelled");
    assert_eq!(
        Gateio.parse_order_response(400, &fixture("error.json")),
        Err(ParseError::Venue {
            code: "BALANCE_NOT_ENOUGH".into(),
            message: "Not enough balance".into()
        })
    );
    assert_eq!(gateio::CLIENT_ID_PREFIX, "t-");
}
