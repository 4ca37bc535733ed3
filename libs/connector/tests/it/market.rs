//! Market data on the simulated market: instruments, synced books, the gRPC stream and
//! the bus topics.
use std::time::Duration;

use quorum_domain::{BookUpdate, Trade};
use quorum_proto::exchange::v1::stream_market_data_response::Event;
use quorum_proto::exchange::v1::{
    BookState, ListInstrumentsRequest, MarketDataKind, ResyncBookRequest, StreamMarketDataRequest,
};
use quorum_proto::market::v1::Venue;

use crate::harness::{Harness, PATIENCE, eventually, number};

#[tokio::test]
async fn instruments_are_listed_with_the_venue_rules() {
    let harness = Harness::sim().await;
    let answer = eventually("the instrument list", PATIENCE, || {
        let mut client = harness.client.clone();
        let request = harness.request(ListInstrumentsRequest {}, &["viewer"]);
        async move { client.list_instruments(request).await.ok() }
    })
    .await
    .into_inner();
    assert_eq!(answer.venue(), Venue::Binance);
    let symbols: Vec<&str> = answer
        .instruments
        .iter()
        .map(|i| i.symbol.as_str())
        .collect();
    assert_eq!(symbols, ["BTC-USDT", "ETH-USDT", "ETH-BTC"]);
    let btc = &answer.instruments[0];
    assert_eq!(btc.venue_symbol, "BTCUSDT");
    assert_eq!(
        (btc.base_asset.as_str(), btc.quote_asset.as_str()),
        ("BTC", "USDT")
    );
    for instrument in &answer.instruments {
        assert!(number(&instrument.tick_size) > 0.into(), "{instrument:?}");
        assert!(number(&instrument.lot_size) > 0.into(), "{instrument:?}");
    }
    let status = harness.status().await;
    assert_eq!(
        (status.market_source.as_str(), status.trading_mode.as_str()),
        ("sim", "paper")
    );
    assert_eq!(status.books.len(), 3);
}

#[tokio::test]
async fn books_sync_within_seconds_and_never_cross() {
    let harness = Harness::sim().await;
    for symbol in ["BTC-USDT", "ETH-USDT", "ETH-BTC"] {
        let book = harness.synced_book(symbol, 10).await;
        assert_eq!(book.symbol, symbol);
        assert!(!book.bids.is_empty() && !book.asks.is_empty(), "{book:?}");
        assert!(book.bids.len() <= 10 && book.asks.len() <= 10);
        let bids: Vec<_> = book.bids.iter().map(|l| number(&l.price)).collect();
        let asks: Vec<_> = book.asks.iter().map(|l| number(&l.price)).collect();
        assert!(
            bids.windows(2).all(|w| w[0] > w[1]),
            "bids best first: {bids:?}"
        );
        assert!(
            asks.windows(2).all(|w| w[0] < w[1]),
            "asks best first: {asks:?}"
        );
        assert!(bids[0] < asks[0], "crossed: {} >= {}", bids[0], asks[0]);
        assert!(book.updated_unix_ms > 0);
    }
    let status = harness.status().await;
    assert!(
        status
            .books
            .iter()
            .all(|book| book.state() == BookState::Synced),
        "{status:?}"
    );
}

#[tokio::test]
async fn the_stream_starts_with_snapshots_then_delivers_trades_book_updates_and_tickers() {
    let harness = Harness::sim().await;
    harness.synced_book("BTC-USDT", 1).await;
    let mut client = harness.client.clone();
    let request = StreamMarketDataRequest {
        symbols: vec!["BTC-USDT".into()],
        kinds: vec![],
    };
    let mut stream = client
        .stream_market_data(harness.request(request, &["viewer"]))
        .await
        .unwrap()
        .into_inner();
    let first = stream.message().await.unwrap().unwrap();
    let Some(Event::Book(snapshot)) = first.event else {
        panic!("the stream starts with the book snapshot, not {first:?}");
    };
    assert!(snapshot.snapshot);
    assert!(!snapshot.bids.is_empty());
    let (mut trades, mut deltas, mut tickers) = (0, 0, 0);
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while trades == 0 || deltas == 0 || tickers == 0 {
        let next = tokio::time::timeout_at(deadline, stream.message())
            .await
            .expect("trades, book updates and tickers within the patience")
            .unwrap()
            .unwrap();
        match next.event.unwrap() {
            Event::Trade(trade) => {
                assert_eq!(trade.symbol, "BTC-USDT");
                trades += 1;
            }
            Event::Book(update) => {
                assert_eq!(update.symbol, "BTC-USDT");
                deltas += usize::from(!update.snapshot);
            }
            Event::Ticker(ticker) => {
                let (bid, ask) = (number(&ticker.best_bid), number(&ticker.best_ask));
                assert!(bid < ask, "ticker crossed: {bid} {ask}");
                tickers += 1;
            }
        }
    }
}

#[tokio::test]
async fn a_stream_of_trades_for_one_symbol_carries_nothing_else() {
    let harness = Harness::sim().await;
    harness.synced_book("ETH-USDT", 1).await;
    let mut client = harness.client.clone();
    let request = StreamMarketDataRequest {
        symbols: vec!["eth-usdt".into()],
        kinds: vec![MarketDataKind::Trades as i32],
    };
    let mut stream = client
        .stream_market_data(harness.request(request, &["viewer"]))
        .await
        .unwrap()
        .into_inner();
    for _ in 0..3 {
        let next = tokio::time::timeout(PATIENCE, stream.message())
            .await
            .expect("a trade within the patience")
            .unwrap()
            .unwrap();
        let Some(Event::Trade(trade)) = next.event else {
            panic!("only trades were asked for, got {next:?}");
        };
        assert_eq!(trade.symbol, "ETH-USDT");
    }
}

#[tokio::test]
async fn trades_and_book_updates_reach_the_bus() {
    let harness = Harness::sim().await;
    let (trades, books) = eventually("md.trades and md.book entries", PATIENCE, || async {
        let trades = harness.bus_entries("md.trades").await;
        let books = harness.bus_entries("md.book").await;
        (!trades.is_empty() && books.len() > 1).then_some((trades, books))
    })
    .await;
    let trade: Trade = serde_json::from_value(trades[0].clone()).unwrap();
    assert_eq!(trade.venue, quorum_domain::Venue::Binance);
    assert!(trade.price > 0.into() && trade.quantity > 0.into());
    let first: BookUpdate = serde_json::from_value(books[0].clone()).unwrap();
    assert!(
        first.snapshot,
        "each sync starts with a snapshot on the bus"
    );
    assert_eq!(first.sequence, 0);
    let tickers = eventually("md.ticker entries", PATIENCE, || async {
        let tickers = harness.bus_entries("md.ticker").await;
        (!tickers.is_empty()).then_some(tickers)
    })
    .await;
    assert_eq!(tickers[0]["venue"], "binance");
}

#[tokio::test]
async fn resync_book_resyncs_and_counts() {
    let mut harness = Harness::sim().await;
    harness.synced_book("BTC-USDT", 1).await;
    let request = harness.request(
        ResyncBookRequest {
            symbol: "BTC-USDT".into(),
        },
        &["viewer"],
    );
    let answer = harness
        .client
        .resync_book(request)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(answer.resyncs, 1);
    // The book comes back from a fresh snapshot.
    harness.synced_book("BTC-USDT", 1).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let status = harness.status().await;
    let btc = status
        .books
        .iter()
        .find(|b| b.symbol == "BTC-USDT")
        .unwrap();
    assert_eq!(btc.resyncs, 1);
    let eth = status
        .books
        .iter()
        .find(|b| b.symbol == "ETH-USDT")
        .unwrap();
    assert_eq!(eth.resyncs, 0, "other books are left alone");
}
