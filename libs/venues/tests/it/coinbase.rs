//! Coinbase Advanced Trade: documented responses and stream messages read into the
//! normalized model, and ES256 tokens verified with the key's public half.
use std::str::FromStr;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use p256::ecdsa::signature::Verifier;
use p256::ecdsa::{Signature, VerifyingKey};
use p256::pkcs8::DecodePublicKey;
use quorum_domain::{Decimal, Instrument, OrderType, Side, TimeInForce, Venue};
use quorum_quant::OrderBook;
use quorum_venues::coinbase::{self, Coinbase};
use quorum_venues::{
    BookMessage, BookMessageKind, Credentials, InstrumentIndex, OrderRequest, ParseError, Parsed,
    RestRequest, StreamEvent, SyncRule, VenueProtocol,
};
use serde_json::{Value, json};

const KEY_NAME: &str = "organizations/quorum-test/apiKeys/5b0e3c2a";
const NOW_MS: i64 = 1_700_000_000_250;

fn fixture(name: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/coinbase/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{path}: {error}"))
}

fn decimal(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

fn btc_usd() -> Instrument {
    Instrument {
        venue: Venue::Coinbase,
        symbol: "BTC-USD".parse().unwrap(),
        venue_symbol: "BTC-USD".into(),
        tick_size: decimal("0.01"),
        lot_size: decimal("0.00000001"),
        min_notional: decimal("1"),
    }
}

fn index() -> InstrumentIndex {
    InstrumentIndex::new([btc_usd()])
}

fn credentials(secret: String) -> Credentials {
    Credentials {
        key: KEY_NAME.into(),
        secret,
        passphrase: String::new(),
    }
}

fn parse(name: &str) -> Parsed {
    Coinbase.parse_message(&fixture(name), &index()).unwrap()
}

fn only_book(parsed: Parsed) -> BookMessage {
    assert_eq!(parsed.events.len(), 1, "{parsed:?}");
    match parsed.events.into_iter().next() {
        Some(StreamEvent::Book(book)) => book,
        other => panic!("expected a book message, got {other:?}"),
    }
}

/// Checks the signature with the public key and returns (header, claims).
fn verified_token(token: &str) -> (Value, Value) {
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3, "{token}");
    let public = VerifyingKey::from_public_key_pem(&fixture("test_key_public.pem")).unwrap();
    let signature = Signature::from_slice(&URL_SAFE_NO_PAD.decode(parts[2]).unwrap()).unwrap();
    public
        .verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &signature)
        .expect("the token's signature must verify with the key's public half");
    let decode = |part: &str| -> Value {
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
    };
    (decode(parts[0]), decode(parts[1]))
}

fn assert_standard_claims(header: &Value, claims: &Value) {
    assert_eq!(header["alg"], "ES256");
    assert_eq!(header["typ"], "JWT");
    assert_eq!(header["kid"], KEY_NAME);
    let nonce = header["nonce"].as_str().unwrap();
    assert!(
        nonce.len() >= 16 && nonce.chars().all(|c| c.is_ascii_hexdigit()),
        "{nonce}"
    );
    assert_eq!(claims["iss"], "cdp");
    assert_eq!(claims["sub"], KEY_NAME);
    assert_eq!(claims["nbf"], 1_700_000_000);
    assert_eq!(claims["exp"], 1_700_000_120);
}

#[test]
fn describes_itself_as_coinbase_with_a_stream_snapshot_and_base_fees() {
    assert_eq!(Coinbase.venue(), Venue::Coinbase);
    assert_eq!(Coinbase.sync_rule(), SyncRule::ConnectionSequence);
    assert_eq!(Coinbase.base_fees(), (decimal("0.006"), decimal("0.004")));
    assert_eq!(Coinbase.snapshot_request(&btc_usd(), 100), None);
    assert!(matches!(
        Coinbase.parse_snapshot(&btc_usd(), "{}"),
        Err(ParseError::Format(message)) if message.contains("level2")
    ));
}

#[test]
fn product_list_keeps_online_spot_products_that_trade() {
    let request = Coinbase.instruments_request();
    assert_eq!(
        (request.method, request.path.as_str()),
        ("GET", "/api/v3/brokerage/market/products")
    );
    let instruments = Coinbase
        .parse_instruments(&fixture("products.json"))
        .unwrap();
    let names: Vec<&str> = instruments
        .iter()
        .map(|i| i.venue_symbol.as_str())
        .collect();
    assert_eq!(
        names,
        ["BTC-USD", "ETH-BTC"],
        "disabled, delisted and futures are skipped"
    );
    assert_eq!(instruments[0], btc_usd());
    assert_eq!(instruments[1].symbol.as_str(), "ETH-BTC");
    assert_eq!(instruments[1].tick_size, decimal("0.00001"));
    assert_eq!(instruments[1].min_notional, decimal("0.000016"));
}

#[test]
fn a_refused_request_body_is_the_venues_error() {
    assert_eq!(
        Coinbase.parse_instruments(&fixture("error_invalid_argument.json")),
        Err(ParseError::Venue {
            code: "INVALID_ARGUMENT".into(),
            message: "Invalid product_id (product_id is not a valid product)".into()
        })
    );
}

#[test]
fn level2_snapshot_then_update_build_the_book_with_the_connection_sequence() {
    let snapshot_message = parse("l2_snapshot.json");
    assert_eq!(snapshot_message.connection_sequence, Some(0));
    let snapshot = only_book(snapshot_message);
    assert_eq!(snapshot.kind, BookMessageKind::Snapshot);
    assert_eq!(
        (snapshot.first_id, snapshot.last_id, snapshot.prev_id),
        (0, 0, None)
    );
    assert_eq!(snapshot.event_ms, 1_675_974_770_714);
    assert_eq!((snapshot.bids.len(), snapshot.asks.len()), (2, 2));
    assert_eq!(snapshot.asks[1].price.to_string(), "21922.50");

    let update_message = parse("l2_update.json");
    assert_eq!(update_message.connection_sequence, Some(1));
    let update = only_book(update_message);
    assert_eq!(update.kind, BookMessageKind::Delta);
    assert_eq!((update.first_id, update.last_id), (1, 1));

    let mut book = OrderBook::from_levels(&snapshot.bids, &snapshot.asks);
    book.apply_all(Side::Buy, &update.bids);
    book.apply_all(Side::Sell, &update.asks);
    assert_eq!(book.bid_levels(), 1, "new_quantity 0 removed 21921.3");
    assert_eq!(book.best_ask().unwrap().quantity, decimal("0.05"));
    assert_eq!(book.best_bid().unwrap().price, decimal("21921.73"));
}

#[test]
fn market_trades_are_read_with_side_as_the_taker_side() {
    let parsed = parse("market_trades.json");
    assert_eq!(parsed.connection_sequence, Some(2));
    let trades: Vec<_> = parsed
        .events
        .into_iter()
        .map(|event| match event {
            StreamEvent::Trade(trade) => trade,
            other => panic!("expected trades, got {other:?}"),
        })
        .collect();
    assert_eq!(trades.len(), 2);
    assert_eq!(trades[0].trade_id, "000000000");
    assert_eq!(trades[0].symbol.as_str(), "BTC-USD");
    assert_eq!(trades[0].price, decimal("21921.74"));
    assert_eq!(trades[0].quantity, decimal("0.1"));
    assert_eq!(trades[0].taker_side, Side::Buy);
    assert_eq!(trades[0].traded_at_ms, 1_675_973_975_265);
    assert_eq!(trades[1].taker_side, Side::Sell);
}

#[test]
fn heartbeats_and_subscriptions_publish_nothing_but_count_in_the_sequence() {
    for (name, sequence) in [("heartbeats.json", 3), ("subscriptions.json", 4)] {
        let parsed = parse(name);
        assert!(parsed.events.is_empty(), "{name}: {parsed:?}");
        assert_eq!(parsed.connection_sequence, Some(sequence), "{name}");
    }
    assert_eq!(
        Coinbase.parse_message(&fixture("ws_error.json"), &index()),
        Err(ParseError::Venue {
            code: "error".into(),
            message: "failure to subscribe".into()
        })
    );
}

#[test]
fn public_subscriptions_carry_no_token() {
    let messages = Coinbase
        .subscribe_messages(&[btc_usd()], None, NOW_MS)
        .unwrap();
    let messages: Vec<Value> = messages
        .iter()
        .map(|text| serde_json::from_str(text).unwrap())
        .collect();
    assert_eq!(
        messages,
        ["level2", "market_trades", "heartbeats"].map(|channel| json!({
            "type": "subscribe", "product_ids": ["BTC-USD"], "channel": channel
        }))
    );
}

#[test]
fn authenticated_subscriptions_carry_a_fresh_token_without_uri() {
    let credentials = credentials(fixture("test_key_sec1.pem"));
    let messages = Coinbase
        .subscribe_messages(&[btc_usd()], Some(&credentials), NOW_MS)
        .unwrap();
    assert_eq!(messages.len(), coinbase::CHANNELS.len());
    let mut nonces = Vec::new();
    for text in messages {
        let message: Value = serde_json::from_str(&text).unwrap();
        let (header, claims) = verified_token(message["jwt"].as_str().unwrap());
        assert_standard_claims(&header, &claims);
        assert!(claims.get("uri").is_none(), "{claims}");
        nonces.push(header["nonce"].clone());
    }
    nonces.dedup();
    assert_eq!(
        nonces.len(),
        coinbase::CHANNELS.len(),
        "each token has its own nonce"
    );
}

#[test]
fn rest_requests_get_a_bearer_token_naming_method_host_and_path() {
    // SEC1, PKCS#8, and a key pasted with "\n" escapes all sign the same way.
    let escaped = fixture("test_key_pkcs8.pem").trim().replace('\n', "\\n");
    for secret in [
        fixture("test_key_sec1.pem"),
        fixture("test_key_pkcs8.pem"),
        escaped,
    ] {
        let mut request = RestRequest::get("/api/v3/brokerage/accounts", "limit=10");
        Coinbase
            .sign(&mut request, &credentials(secret), NOW_MS)
            .unwrap();
        let token = request
            .header("Authorization")
            .and_then(|value| value.strip_prefix("Bearer "))
            .expect("a bearer token");
        let (header, claims) = verified_token(token);
        assert_standard_claims(&header, &claims);
        assert_eq!(
            claims["uri"],
            "GET api.coinbase.com/api/v3/brokerage/accounts"
        );
        assert_eq!(request.query, "limit=10", "signing leaves the query alone");
    }
}

#[test]
fn a_secret_that_is_not_an_ec_key_cannot_sign() {
    let mut request = RestRequest::get("/api/v3/brokerage/accounts", "");
    let error = Coinbase
        .sign(&mut request, &credentials("not a key".into()), NOW_MS)
        .unwrap_err();
    assert!(error.0.contains("PEM"), "{error}");
    assert!(request.header("Authorization").is_none());
}

fn order(order_type: OrderType, time_in_force: TimeInForce, post_only: bool) -> OrderRequest {
    OrderRequest {
        client_order_id: "0000-00000-000000".into(),
        side: Side::Buy,
        order_type,
        time_in_force,
        post_only,
        quantity: decimal("0.0010"),
        price: Some(decimal("10000.00")),
    }
}

fn configuration(order: &OrderRequest) -> Value {
    let request = Coinbase.place_order_request(&btc_usd(), order, NOW_MS);
    assert_eq!(
        (request.method, request.path.as_str()),
        ("POST", "/api/v3/brokerage/orders")
    );
    let body: Value = serde_json::from_str(&request.body).unwrap();
    assert_eq!(body["client_order_id"], "0000-00000-000000");
    assert_eq!(body["product_id"], "BTC-USD");
    assert_eq!(body["side"], "BUY");
    body["order_configuration"].clone()
}

#[test]
fn order_configurations_follow_type_time_in_force_and_post_only() {
    assert_eq!(
        configuration(&order(OrderType::Market, TimeInForce::Ioc, false)),
        json!({"market_market_ioc": {"base_size": "0.001"}})
    );
    assert_eq!(
        configuration(&order(OrderType::Limit, TimeInForce::Gtc, true)),
        json!({"limit_limit_gtc": {"base_size": "0.001", "limit_price": "10000", "post_only": true}})
    );
    assert_eq!(
        configuration(&order(OrderType::Limit, TimeInForce::Ioc, false)),
        json!({"sor_limit_ioc": {"base_size": "0.001", "limit_price": "10000"}})
    );
    assert_eq!(
        configuration(&order(OrderType::Limit, TimeInForce::Fok, false)),
        json!({"limit_limit_fok": {"base_size": "0.001", "limit_price": "10000"}})
    );
}

#[test]
fn cancel_is_a_batch_of_one() {
    let request = Coinbase.cancel_order_request(&btc_usd(), "11111-00000-000000", NOW_MS);
    assert_eq!(
        (request.method, request.path.as_str()),
        ("POST", "/api/v3/brokerage/orders/batch_cancel")
    );
    let body: Value = serde_json::from_str(&request.body).unwrap();
    assert_eq!(body, json!({"order_ids": ["11111-00000-000000"]}));
}

#[test]
fn order_answers_are_acks_or_the_venues_refusal() {
    let created = Coinbase
        .parse_order_response(200, &fixture("order_created.json"))
        .unwrap();
    assert_eq!(created.venue_order_id, "11111-00000-000000");
    assert_eq!(created.client_order_id, "0000-00000-000000");
    assert_eq!(created.status, coinbase::ACCEPTED_STATUS);
    match Coinbase.parse_order_response(200, &fixture("order_failed.json")) {
        Err(ParseError::Venue { code, message }) => {
            assert_eq!(code, "INSUFFICIENT_FUND");
            assert!(
                message.starts_with("Insufficient balance in source account"),
                "{message}"
            );
            assert!(message.contains("PREVIEW_INSUFFICIENT_FUND"), "{message}");
        }
        other => panic!("expected the venue's refusal, got {other:?}"),
    }
    let canceled = Coinbase
        .parse_order_response(200, &fixture("cancel_succeeded.json"))
        .unwrap();
    assert_eq!(canceled.venue_order_id, "11111-00000-000000");
    assert_eq!(canceled.status, coinbase::CANCELED_STATUS);
    assert!(matches!(
        Coinbase.parse_order_response(200, &fixture("cancel_failed.json")),
        Err(ParseError::Venue { code, .. }) if code == "UNKNOWN_CANCEL_ORDER"
    ));
    assert!(matches!(
        Coinbase.parse_order_response(400, &fixture("error_invalid_argument.json")),
        Err(ParseError::Venue { code, .. }) if code == "INVALID_ARGUMENT"
    ));
}
