//! Closed candles on `md.candles`: trades from the bus become one event per market,
//! interval length and interval, in time order, equal to what GetCandles returns; a late
//! trade is stored but publishes nothing; a restart publishes what closed meanwhile and
//! nothing twice.
//!
//! The trades are stamped a few seconds ahead of the wall clock, so each is stored well
//! before its interval closes.
use std::collections::BTreeMap;
use std::time::Duration;

use quorum_bus::Bus;
use quorum_domain::topics::{MARKET_CANDLES, MARKET_TRADES};
use quorum_domain::{CandleClosed, Decimal, Side, Trade, Venue, convert};
use quorum_kit::{ConfigError, Kit, KitConfig};
use quorum_proto::marketdata::v1::GetCandlesRequest;
use quorum_testkit::http_get;
use redis::AsyncCommands;
use redis::streams::StreamRangeReply;
use trade_history::interval::Interval;
use trade_history::{Config, SERVICE, start};

use crate::harness::{Harness, eventually, range};

const PATIENCE: Duration = Duration::from_secs(30);

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// The start of the next 5 s interval.
fn upcoming_five_seconds() -> i64 {
    Interval::FiveSeconds.open_time(now_ms()) + 5_000
}

fn trade(venue: Venue, id: &str, at_ms: i64, price: &str, quantity: &str) -> Trade {
    Trade {
        venue,
        symbol: "BTC-USDT".parse().unwrap(),
        trade_id: id.into(),
        price: price.parse().unwrap(),
        quantity: quantity.parse().unwrap(),
        taker_side: Side::Buy,
        traded_at_ms: at_ms,
    }
}

async fn publish(harness: &Harness, trades: &[Trade]) {
    let bus = Bus::connect(&harness.redis.url, "quorum").await.unwrap();
    for trade in trades {
        bus.publish(MARKET_TRADES, trade).await.unwrap();
    }
}

/// Every event on `md.candles`, in stream order.
async fn published_events(harness: &Harness) -> Vec<CandleClosed> {
    events_in(&harness.redis.url).await
}

/// Every event on `md.candles` of the Redis at `redis_url`.
async fn events_in(redis_url: &str) -> Vec<CandleClosed> {
    let client = redis::Client::open(redis_url).unwrap();
    let mut connection = client.get_multiplexed_async_connection().await.unwrap();
    let reply: StreamRangeReply = connection
        .xrange_all(format!("quorum:{MARKET_CANDLES}"))
        .await
        .unwrap();
    reply
        .ids
        .iter()
        .map(|entry| {
            let data: String = entry.get("data").unwrap();
            serde_json::from_str(&data).unwrap()
        })
        .collect()
}

async fn wait_events(harness: &Harness, count: usize) -> Vec<CandleClosed> {
    eventually(&format!("{count} closed candles"), PATIENCE, || async {
        let events = published_events(harness).await;
        (events.len() >= count).then_some(events)
    })
    .await
}

/// The stored progress of a market and interval length (open time of the last closed).
async fn closed_through(harness: &Harness, venue: Venue, interval: &str) -> Option<i64> {
    let pool = harness.sql().await;
    let closed = sqlx::query_scalar(
        "SELECT last_open_ms FROM trade_history.candle_progress \
         WHERE venue = $1 AND symbol = 'BTC-USDT' AND candle_interval = $2",
    )
    .bind(venue.as_str())
    .bind(interval)
    .fetch_optional(&pool)
    .await
    .unwrap();
    pool.close().await;
    closed
}

async fn wait_closed_through(harness: &Harness, venue: Venue, interval: &str, open_ms: i64) {
    eventually(
        &format!("{interval} closed through {open_ms}"),
        PATIENCE,
        || async {
            let closed = closed_through(harness, venue, interval).await?;
            (closed >= open_ms).then_some(())
        },
    )
    .await;
}

/// (venue, interval, open time) -> how many events carried it.
fn counts(events: &[CandleClosed]) -> BTreeMap<(Venue, String, i64), usize> {
    let mut counts = BTreeMap::new();
    for event in events {
        let key = (
            event.venue,
            event.interval.clone(),
            event.candle.open_time_ms,
        );
        *counts.entry(key).or_default() += 1;
    }
    counts
}

fn decimal(text: &str) -> Decimal {
    text.parse().unwrap()
}

#[tokio::test]
async fn trades_on_the_bus_become_closed_candles_once_each_in_time_order() {
    let mut harness = Harness::start_with(|config| {
        config.candle_intervals = "1s,5s".into();
        config.candle_grace_ms = 1000;
    })
    .await;
    let base = upcoming_five_seconds();
    publish(
        &harness,
        &[
            trade(Venue::Okx, "o1", base + 100, "100", "1"),
            trade(Venue::Okx, "o2", base + 900, "102", "2"),
            trade(Venue::Okx, "o3", base + 1_500, "99", "0.5"),
            trade(Venue::Okx, "o4", base + 3_200, "101", "1"),
            trade(Venue::Binance, "b1", base + 3_300, "98", "4"),
        ],
    )
    .await;
    // Okx: three 1 s candles and one 5 s; binance: one of each.
    let events = wait_events(&harness, 6).await;
    // A further second closes with nothing new to publish.
    wait_closed_through(&harness, Venue::Okx, "1s", base + 6_000).await;
    assert_eq!(
        published_events(&harness).await,
        events,
        "published again or more"
    );
    assert!(
        counts(&events).values().all(|count| *count == 1),
        "{events:#?}"
    );

    let okx_seconds: Vec<&CandleClosed> = events
        .iter()
        .filter(|event| event.venue == Venue::Okx && event.interval == "1s")
        .collect();
    let opens: Vec<i64> = okx_seconds
        .iter()
        .map(|event| event.candle.open_time_ms - base)
        .collect();
    assert_eq!(
        opens,
        [0, 1_000, 3_000],
        "in time order, empty seconds absent"
    );
    let first = &okx_seconds[0].candle;
    assert_eq!(
        (first.open, first.high, first.low, first.close),
        (
            decimal("100"),
            decimal("102"),
            decimal("100"),
            decimal("102")
        )
    );
    assert_eq!(
        (first.volume, first.quote_volume, first.trade_count),
        (decimal("3"), decimal("304"), 2)
    );
    assert_eq!(okx_seconds[0].closed_at_ms, base + 1_000);

    let okx_five = events
        .iter()
        .find(|event| event.venue == Venue::Okx && event.interval == "5s")
        .unwrap();
    assert_eq!(okx_five.candle.open_time_ms, base);
    assert_eq!(okx_five.closed_at_ms, base + 5_000);
    let bar = &okx_five.candle;
    assert_eq!(
        (
            bar.open,
            bar.high,
            bar.low,
            bar.close,
            bar.volume,
            bar.quote_volume,
            bar.trade_count
        ),
        (
            decimal("100"),
            decimal("102"),
            decimal("99"),
            decimal("101"),
            decimal("4.5"),
            decimal("454.5"),
            4
        )
    );
    let binance: Vec<(String, i64, u64)> = events
        .iter()
        .filter(|event| event.venue == Venue::Binance)
        .map(|event| {
            (
                event.interval.clone(),
                event.candle.open_time_ms - base,
                event.candle.trade_count,
            )
        })
        .collect();
    assert_eq!(
        binance,
        [("1s".to_string(), 3_000, 1), ("5s".to_string(), 0, 1)]
    );

    // Each event equals what GetCandles computes from the stored trades.
    for (venue, interval) in [
        (Venue::Okx, "1s"),
        (Venue::Okx, "5s"),
        (Venue::Binance, "5s"),
    ] {
        let request = GetCandlesRequest {
            symbol: "BTC-USDT".into(),
            venue: convert::venue(venue) as i32,
            interval: interval.into(),
            range: range(base, base + 5_000),
        };
        let request = harness.server.request(request, &["trader"]);
        let served = harness
            .client
            .get_candles(request)
            .await
            .unwrap()
            .into_inner()
            .candles;
        let published: Vec<_> = events
            .iter()
            .filter(|event| event.venue == venue && event.interval == interval)
            .map(|event| convert::candle(&event.candle))
            .collect();
        assert_eq!(published, served, "{venue:?} {interval}");
    }
}

#[tokio::test]
async fn a_bad_interval_list_stops_the_start_naming_its_variable() {
    let mut config = Config::new("postgres://u:p@127.0.0.1/db", "redis://127.0.0.1:6379");
    config.candle_intervals = "5s,2s".into();
    let kit = Kit::new(SERVICE, KitConfig::for_tests());
    let error = start(kit, config).await.err().expect("start must fail");
    let config_error = error.downcast_ref::<ConfigError>().expect("a ConfigError");
    assert_eq!(
        config_error.variable,
        "QUORUM_TRADE_HISTORY_CANDLE_INTERVALS"
    );
    assert!(config_error.to_string().contains("'2s'"), "{config_error}");
}

#[tokio::test]
async fn a_trade_after_its_interval_closed_is_stored_but_not_published() {
    let mut harness = Harness::start_with(|config| {
        config.candle_intervals = "1s".into();
        config.candle_grace_ms = 500;
    })
    .await;
    let base = upcoming_five_seconds();
    publish(
        &harness,
        &[trade(Venue::Okx, "on-time", base + 100, "100", "1")],
    )
    .await;
    let events = wait_events(&harness, 1).await;
    assert_eq!(events[0].candle.trade_count, 1);

    // The second [base, base + 1 s) closed; a trade in it now is late.
    publish(
        &harness,
        &[trade(Venue::Okx, "late", base + 500, "90", "1")],
    )
    .await;
    eventually("the late trade stored", PATIENCE, || async {
        (harness.stored().await == 2).then_some(())
    })
    .await;
    let next = Interval::OneSecond.open_time(now_ms()) + 2_000;
    publish(&harness, &[trade(Venue::Okx, "after", next, "110", "1")]).await;
    let events = wait_events(&harness, 2).await;
    assert_eq!(events.len(), 2, "{events:#?}");
    assert_eq!(events[1].candle.open_time_ms, next);
    assert_eq!(
        counts(&events).get(&(Venue::Okx, "1s".into(), base)),
        Some(&1)
    );

    // GetCandles shows the late trade; the published candle does not.
    let request = GetCandlesRequest {
        symbol: "BTC-USDT".into(),
        venue: convert::venue(Venue::Okx) as i32,
        interval: "1s".into(),
        range: range(base, base + 1_000),
    };
    let request = harness.server.request(request, &["trader"]);
    let served = harness
        .client
        .get_candles(request)
        .await
        .unwrap()
        .into_inner()
        .candles;
    assert_eq!(served[0].trade_count, 2);
    let (status, metrics) = http_get(harness.server.admin_addr, "/metrics").await;
    assert_eq!(status, 200);
    let late = metrics
        .lines()
        .find(|line| {
            line.starts_with("trade_history_late_trades_total") && line.contains("interval=\"1s\"")
        })
        .unwrap_or_else(|| panic!("no late-trade counter in {metrics}"));
    assert!(late.ends_with(" 1"), "{late}");
}

#[tokio::test]
async fn a_restart_publishes_what_closed_while_down_and_nothing_twice() {
    let harness = Harness::start_with(|config| {
        config.candle_intervals = "1s".into();
        config.candle_grace_ms = 500;
    })
    .await;
    let base = upcoming_five_seconds();
    let before_stop = trade(Venue::Okx, "a", base + 100, "100", "1");
    let while_down = trade(Venue::Okx, "b", base + 6_100, "105", "2");
    publish(&harness, &[before_stop]).await;
    wait_events(&harness, 1).await;
    publish(&harness, &[while_down]).await;
    eventually("the second trade stored", PATIENCE, || async {
        (harness.stored().await == 2).then_some(())
    })
    .await;

    // Down from before [base + 6 s, base + 7 s) closes (at base + 7.5 s) until after.
    let closes_at = base + 7_500;
    let redis_url = harness.redis.url.clone();
    let harness = harness
        .restart(|| async move {
            assert!(
                now_ms() < closes_at,
                "the service stopped only after the interval closed: the test proves nothing"
            );
            let down_ms = (closes_at + 500 - now_ms()).max(0).unsigned_abs();
            tokio::time::sleep(Duration::from_millis(down_ms)).await;
            assert_eq!(events_in(&redis_url).await.len(), 1, "published while down");
        })
        .await;
    let last = Interval::OneSecond.open_time(now_ms()) + 2_000;
    publish(&harness, &[trade(Venue::Okx, "c", last, "110", "1")]).await;
    let events = wait_events(&harness, 3).await;
    wait_closed_through(&harness, Venue::Okx, "1s", last + 1_000).await;
    assert_eq!(
        published_events(&harness).await,
        events,
        "published again or more"
    );
    let opens: Vec<i64> = events
        .iter()
        .map(|event| event.candle.open_time_ms)
        .collect();
    assert_eq!(opens, [base, base + 6_000, last]);
    assert_eq!(events[1].candle.volume, decimal("2"));
}
