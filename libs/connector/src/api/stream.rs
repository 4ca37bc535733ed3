//! StreamMarketData: the current book snapshots first, then trades, book updates and
//! tickers as they happen. A subscriber too slow to keep up gets fresh snapshots of its
//! books instead of an unbounded queue; book updates with a sequence at or below a
//! snapshot's are already in that snapshot.
use std::collections::BTreeSet;
use std::pin::Pin;
use std::sync::Arc;

use futures::{Stream, StreamExt, stream};
use quorum_domain::Symbol;
use quorum_domain::convert::{self, parse_symbol};
use quorum_kit::CancellationToken;
use quorum_proto::exchange::v1::stream_market_data_response::Event;
use quorum_proto::exchange::v1::{StreamMarketDataRequest, StreamMarketDataResponse};
use tokio_stream::wrappers::BroadcastStream;
use tokio_stream::wrappers::errors::BroadcastStreamRecvError;
use tonic::Status;

use super::not_tracked;
use super::requests::{Kinds, field_status, kinds};
use crate::runtime::snapshot_update;
use crate::state::{MarketEvent, Shared, Tracked, lock, now_ms};

pub type MarketDataStream =
    Pin<Box<dyn Stream<Item = Result<StreamMarketDataResponse, Status>> + Send>>;

/// Opens a subscription after checking the request.
pub fn open(
    shared: &Arc<Shared>,
    tracked: &Tracked,
    request: &StreamMarketDataRequest,
    shutdown: CancellationToken,
) -> Result<MarketDataStream, Status> {
    let kinds = kinds(&request.kinds)?;
    let symbols = symbols(shared, tracked, &request.symbols)?;
    // Subscribe before taking snapshots so nothing falls between the two.
    let events = shared.events.subscribe();
    let initial = if kinds.book {
        snapshots(shared, &symbols)
    } else {
        Vec::new()
    };
    let filter = Filter { kinds, symbols };
    let shared = shared.clone();
    let live = BroadcastStream::new(events).flat_map(move |item| {
        let responses = match item {
            Ok(event) => filter.response(&event).into_iter().collect(),
            Err(BroadcastStreamRecvError::Lagged(missed)) => {
                tracing::debug!(
                    missed,
                    "a market data subscriber lagged; sending fresh snapshots"
                );
                if filter.kinds.book {
                    snapshots(&shared, &filter.symbols)
                } else {
                    Vec::new()
                }
            }
        };
        stream::iter(responses.into_iter().map(Ok))
    });
    let initial = stream::iter(initial.into_iter().map(Ok));
    Ok(Box::pin(
        initial.chain(live).take_until(shutdown.cancelled_owned()),
    ))
}

/// The wanted symbols (every tracked one when none is named).
fn symbols(
    shared: &Shared,
    tracked: &Tracked,
    texts: &[String],
) -> Result<BTreeSet<Symbol>, Status> {
    if texts.is_empty() {
        return Ok(tracked.books.keys().cloned().collect());
    }
    let mut symbols = BTreeSet::new();
    for (position, text) in texts.iter().enumerate() {
        let symbol = parse_symbol(&format!("symbols[{position}]"), text).map_err(field_status)?;
        if !tracked.books.contains_key(&symbol) {
            return Err(not_tracked(shared, &symbol));
        }
        symbols.insert(symbol);
    }
    Ok(symbols)
}

/// Snapshots of the synced books among `symbols`.
fn snapshots(shared: &Shared, symbols: &BTreeSet<Symbol>) -> Vec<StreamMarketDataResponse> {
    let Some(tracked) = shared.tracked.get() else {
        return Vec::new();
    };
    let now = now_ms();
    symbols
        .iter()
        .filter_map(|symbol| {
            let sync = tracked.books.get(symbol)?;
            let guard = lock(sync);
            let book = guard.book()?;
            let update = snapshot_update(shared.venue, symbol, guard.sequence(), book, now);
            Some(StreamMarketDataResponse {
                event: Some(Event::Book(convert::book_update(&update))),
            })
        })
        .collect()
}

struct Filter {
    kinds: Kinds,
    symbols: BTreeSet<Symbol>,
}

impl Filter {
    fn response(&self, event: &MarketEvent) -> Option<StreamMarketDataResponse> {
        if !self.symbols.contains(event.symbol()) {
            return None;
        }
        let event = match event {
            MarketEvent::Trade(trade) if self.kinds.trades => Event::Trade(convert::trade(trade)),
            MarketEvent::Book(update) if self.kinds.book => {
                Event::Book(convert::book_update(update))
            }
            MarketEvent::Ticker(ticker) if self.kinds.ticker => {
                Event::Ticker(convert::ticker(ticker))
            }
            _ => return None,
        };
        Some(StreamMarketDataResponse { event: Some(event) })
    }
}
