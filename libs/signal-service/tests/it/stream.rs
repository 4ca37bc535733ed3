//! StreamSignals live from closed candles published on `quorum:md.candles`.
use quorum_domain::Venue;
use quorum_proto::trading::v1::signal_source_client::SignalSourceClient;
use quorum_proto::trading::v1::{Direction, Signal, StreamSignalsRequest, StreamSignalsResponse};
use tonic::{Code, Streaming};

use crate::harness::{
    Harness, INTERVAL_MS, PATIENCE, candles_from, closed, proto, trend, violated_fields,
};

async fn next(stream: &mut Streaming<StreamSignalsResponse>) -> Signal {
    tokio::time::timeout(PATIENCE, stream.message())
        .await
        .expect("a signal within the patience")
        .unwrap()
        .expect("the stream is open")
        .signal
        .unwrap()
}

async fn open(
    harness: &Harness,
    request: StreamSignalsRequest,
) -> Streaming<StreamSignalsResponse> {
    harness
        .signals
        .clone()
        .stream_signals(harness.request(request))
        .await
        .unwrap()
        .into_inner()
}

#[tokio::test]
async fn closed_candles_become_signals_of_the_chosen_keys() {
    let harness = Harness::start().await;
    let mut stream = open(
        &harness,
        StreamSignalsRequest {
            symbols: vec!["btc-usdt".into()],
            venue: 0,
            interval: "1m".into(),
        },
    )
    .await;
    let btc = candles_from(0, &trend(3, 0.01));
    let eth = candles_from(0, &trend(3, -0.01));
    let mut events = Vec::new();
    for (btc, eth) in btc.iter().zip(&eth) {
        events.push(closed(Venue::Okx, "ETH-USDT", eth));
        events.push(closed(Venue::Okx, "BTC-USDT", btc));
    }
    // A repeat, as at-least-once delivery may bring, makes no second signal.
    events.insert(2, closed(Venue::Okx, "BTC-USDT", &btc[0]));
    harness.publish(&events).await;
    for candle in &btc {
        let signal = next(&mut stream).await;
        assert_eq!(signal.symbol, "BTC-USDT");
        assert_eq!(
            signal.venue,
            i32::from(quorum_proto::market::v1::Venue::Okx)
        );
        assert_eq!(signal.interval, "1m");
        assert_eq!(signal.as_of_unix_ms, candle.open_time_ms + INTERVAL_MS);
        assert_eq!(signal.direction(), Direction::Flat);
        assert!(
            signal.reasons[0].starts_with("warming up"),
            "{:?}",
            signal.reasons
        );
    }
}

#[tokio::test]
async fn a_new_key_is_backfilled_from_trade_history() {
    let harness = Harness::start().await;
    let candles = candles_from(0, &trend(61, 0.005));
    *harness.history.candles.lock().unwrap() = proto(&candles[..60]);
    let mut stream = open(&harness, StreamSignalsRequest::default()).await;
    harness
        .publish(&[closed(Venue::Binance, "SOL-USDT", &candles[60])])
        .await;
    let signal = next(&mut stream).await;
    assert_eq!(signal.symbol, "SOL-USDT");
    assert_eq!(signal.direction(), Direction::Long, "{:?}", signal.reasons);
    let requests = harness.history.requests.lock().unwrap().clone();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].symbol, "SOL-USDT");
    assert_eq!(requests[0].interval, "1m");
    assert_eq!(
        requests[0].range.unwrap().to_unix_ms,
        candles[60].open_time_ms
    );
}

#[tokio::test]
async fn a_reader_that_falls_behind_gets_the_latest_signal_of_each_key() {
    const KEYS: [&str; 5] = ["BTC-USDT", "ETH-USDT", "SOL-USDT", "XRP-USDT", "ADA-USDT"];
    const CANDLES: usize = 300;
    let harness = Harness::start_with("momentum-trader", &quorum_strategies::Momentum, |config| {
        config.stream_buffer = 4;
        config.backfill = false;
    })
    .await;
    // A reader with small HTTP/2 windows, so few signals fit in flight.
    let channel =
        tonic::transport::Endpoint::from_shared(format!("http://{}", harness.server.addr))
            .unwrap()
            .initial_stream_window_size(16 * 1024)
            .initial_connection_window_size(16 * 1024)
            .connect_lazy();
    let mut stream = SignalSourceClient::new(channel)
        .stream_signals(harness.request(StreamSignalsRequest::default()))
        .await
        .unwrap()
        .into_inner();
    let candles = candles_from(0, &trend(CANDLES, 0.001));
    let events: Vec<_> = candles
        .iter()
        .flat_map(|candle| {
            KEYS.iter()
                .map(move |symbol| closed(Venue::Gateio, symbol, candle))
        })
        .collect();
    // Nothing is read until every candle was handled: far more signals than HTTP/2
    // flow control lets through wait for this reader.
    harness.publish(&events).await;
    harness.wait_until_consumed().await;
    let last_as_of = candles[CANDLES - 1].open_time_ms + INTERVAL_MS;
    let mut latest_seen = std::collections::BTreeSet::new();
    let mut received = 0;
    while latest_seen.len() < KEYS.len() {
        let signal = next(&mut stream).await;
        received += 1;
        if signal.as_of_unix_ms == last_as_of {
            latest_seen.insert(signal.symbol);
        }
    }
    assert!(
        received < events.len(),
        "all {received} signals were queued for a reader that fell behind"
    );
}

#[tokio::test]
async fn bad_filters_are_named() {
    let harness = Harness::start().await;
    let status = harness
        .signals
        .clone()
        .stream_signals(harness.request(StreamSignalsRequest {
            symbols: vec!["BTC-USDT".into(), "nope".into()],
            venue: 42,
            interval: "7x".into(),
        }))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert_eq!(
        violated_fields(&status),
        ["symbols[1]", "venue", "interval"]
    );
}
