//! Tickers and trades from several venues become one quote.
use quorum_domain::Venue;
use quorum_proto::marketdata::v1::{Exclusion, GetQuotesRequest};
use rust_decimal::dec;
use tonic::Code;

use crate::harness::{Harness, exclusion_of, ticker, trade, value, venue_number, venue_quote};

#[tokio::test]
async fn tickers_and_a_trade_from_three_venues_consolidate() {
    let harness = Harness::start().await;
    // Mids and weights: binance 42000.1 (3), coinbase 42000.2 (2), okx 42000.0 (5).
    let symbol = "BTC-USDT";
    harness
        .publish_ticker(&ticker(
            Venue::Binance,
            symbol,
            (dec!(42000.0), dec!(2)),
            (dec!(42000.2), dec!(1)),
        ))
        .await;
    harness
        .publish_ticker(&ticker(
            Venue::Coinbase,
            symbol,
            (dec!(42000.1), dec!(1)),
            (dec!(42000.3), dec!(1)),
        ))
        .await;
    harness
        .publish_ticker(&ticker(
            Venue::Okx,
            symbol,
            (dec!(41999.9), dec!(2.5)),
            (dec!(42000.1), dec!(2.5)),
        ))
        .await;
    harness
        .quote_when(symbol, "three venues", |quote| quote.venues.len() == 3)
        .await;
    // Trades travel on their own topic; a venue's trade counts once its ticker is in.
    harness
        .publish_trade(&trade(Venue::Coinbase, symbol, dec!(42000.25), "t-1"))
        .await;

    let quote = harness
        .quote_when(symbol, "the trade as last", |quote| quote.last.is_some())
        .await;
    assert_eq!(quote.symbol, symbol);
    assert_eq!(value(&quote.best_bid), Some(dec!(42000.1)));
    assert_eq!(quote.best_bid_venue, venue_number(Venue::Coinbase));
    assert_eq!(value(&quote.best_ask), Some(dec!(42000.1)));
    assert_eq!(quote.best_ask_venue, venue_number(Venue::Okx));
    assert_eq!(value(&quote.mid), Some(dec!(42000.1)));
    // (42000.1 * 3 + 42000.2 * 2 + 42000.0 * 5) / 10
    assert_eq!(value(&quote.weighted_mid), Some(dec!(42000.07)));
    assert_eq!(value(&quote.last), Some(dec!(42000.25)));
    assert_eq!(quote.last_venue, venue_number(Venue::Coinbase));
    for venue in [Venue::Binance, Venue::Coinbase, Venue::Okx] {
        assert_eq!(exclusion_of(&quote, venue), Exclusion::None);
    }
    let okx = venue_quote(&quote, Venue::Okx);
    assert_eq!(value(&okx.bid_quantity), Some(dec!(2.5)));
    assert_eq!(value(&okx.ask), Some(dec!(42000.1)));
    assert!(quote.updated_unix_ms >= okx.updated_unix_ms);
}

#[tokio::test]
async fn get_quotes_answers_for_named_or_all_symbols() {
    let harness = Harness::start().await;
    harness
        .publish_ticker(&ticker(
            Venue::Binance,
            "ETH-USDT",
            (dec!(2500), dec!(1)),
            (dec!(2501), dec!(1)),
        ))
        .await;
    harness
        .publish_ticker(&ticker(
            Venue::Okx,
            "BTC-USDT",
            (dec!(42000), dec!(1)),
            (dec!(42001), dec!(1)),
        ))
        .await;
    harness
        .quote_when("ETH-USDT", "ETH-USDT known", |_| true)
        .await;
    harness
        .quote_when("BTC-USDT", "BTC-USDT known", |_| true)
        .await;

    let mut client = harness.client.clone();
    let all = client
        .get_quotes(
            harness
                .server
                .request(GetQuotesRequest::default(), &["viewer"]),
        )
        .await
        .unwrap()
        .into_inner()
        .quotes;
    let symbols: Vec<&str> = all.iter().map(|quote| quote.symbol.as_str()).collect();
    assert_eq!(symbols, ["BTC-USDT", "ETH-USDT"]);

    let request = GetQuotesRequest {
        symbols: vec!["eth-usdt".into(), "ETH-USDT".into()],
    };
    let named = client
        .get_quotes(harness.server.request(request, &["viewer"]))
        .await
        .unwrap()
        .into_inner()
        .quotes;
    assert_eq!(named.len(), 1, "duplicates are answered once");
    assert_eq!(value(&named[0].best_bid), Some(dec!(2500)));

    let request = GetQuotesRequest {
        symbols: vec!["ETH-USDT".into(), "SOL-USDT".into()],
    };
    let status = client
        .get_quotes(harness.server.request(request, &["viewer"]))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound);
    assert!(
        status.message().contains("SOL-USDT"),
        "{}",
        status.message()
    );
}
