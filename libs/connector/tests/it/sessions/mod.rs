//! Session tests: the connector on its live source, pointed at a fake venue that plays a
//! scripted stream with stale, duplicate and gapped messages. The book must end exactly
//! as expected and a gap must cost exactly one resync.
mod binance;
mod binance_wire;
mod coinbase;
mod gateio;
mod live_orders;
mod okx;
mod reconnect;

use std::sync::Arc;
use std::time::Duration;

use quorum_connector::{MarketSource, VenueEnv};
use quorum_proto::exchange::v1::BookState;
use quorum_venues::VenueProtocol;

use crate::fake_venue::{FakeVenue, Step};
use crate::harness::{Harness, PATIENCE, Servers, eventually, levels};

/// What a session must end with.
pub struct Expected {
    pub symbol: &'static str,
    pub bids: &'static [&'static str],
    pub asks: &'static [&'static str],
}

/// Starts the fake venue and a connector of venue `V` on it, and waits for the book to
/// end as `expected`.
pub async fn run<V: VenueEnv>(
    protocol: Arc<dyn VenueProtocol>,
    answers: Vec<(&str, u16, String)>,
    script: Vec<Step>,
    expected: &Expected,
) -> (FakeVenue, Harness) {
    run_scripts::<V>(protocol, answers, vec![script], expected).await
}

/// [`run`] with one script per stream connection.
pub async fn run_scripts<V: VenueEnv>(
    protocol: Arc<dyn VenueProtocol>,
    answers: Vec<(&str, u16, String)>,
    scripts: Vec<Vec<Step>>,
    expected: &Expected,
) -> (FakeVenue, Harness) {
    let venue = FakeVenue::start_with_scripts(answers, scripts).await;
    let servers = Servers::start().await;
    let mut config = servers.config::<V>();
    config.market.market_source = MarketSource::Live;
    config.market.book_snapshot_secs = 3600;
    config.venue.symbols = expected.symbol.into();
    config.venue.rest_url = Some(venue.rest_url.clone());
    config.venue.ws_url = Some(venue.ws_url.clone());
    let harness = Harness::serve(servers, config, protocol).await;
    eventually("the book the script ends with", PATIENCE, || async {
        let book = harness.synced_book(expected.symbol, 0).await;
        (levels(&book.bids) == expected.bids && levels(&book.asks) == expected.asks).then_some(())
    })
    .await;
    (venue, harness)
}

/// After a quiet moment, the book is still synced with exactly one resync.
pub async fn assert_one_resync(harness: &Harness, symbol: &str) {
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let status = harness.status().await;
    let book = status
        .books
        .iter()
        .find(|book| book.symbol == symbol)
        .unwrap();
    assert_eq!(book.state(), BookState::Synced);
    assert_eq!(book.resyncs, 1, "{status:?}");
}
