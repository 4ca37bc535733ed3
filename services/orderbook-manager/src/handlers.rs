//! The gRPC service quorum.marketdata.v1.OrderBookService over the shared books.
use std::pin::Pin;
use std::sync::Arc;

use futures::Stream;
use quorum_domain::convert;
use quorum_kit::CancellationToken;
use quorum_proto::market::v1 as market;
use quorum_proto::marketdata::v1::order_book_service_server::OrderBookService;
use quorum_proto::marketdata::v1::{
    DepthBand, GetBookRequest, GetBookResponse, GetDepthStatsRequest, GetDepthStatsResponse,
    StreamBookRequest, StreamBookResponse,
};
use tonic::{Request, Response, Status};

use crate::books::{Books, Target};
use crate::depth::{self, Band, DepthStats};
use crate::request::{self, depth_status, read_status};
use crate::stream::Subscription;

pub struct OrderBookHandler {
    books: Arc<Books>,
    shutdown: CancellationToken,
}

impl OrderBookHandler {
    /// Streams end when `shutdown` is cancelled.
    pub fn new(books: Arc<Books>, shutdown: CancellationToken) -> Self {
        Self { books, shutdown }
    }
}

type BookStream = Pin<Box<dyn Stream<Item = Result<StreamBookResponse, Status>> + Send>>;

#[tonic::async_trait]
impl OrderBookService for OrderBookHandler {
    async fn get_book(
        &self,
        request: Request<GetBookRequest>,
    ) -> Result<Response<GetBookResponse>, Status> {
        let message = request.into_inner();
        let (book, depth) = request::book_request(message.venue, &message.symbol, message.depth)?;
        let view = self
            .books
            .view(&book.symbol, book.target, depth)
            .map_err(|error| read_status(&book, &error))?;
        let venue = match book.target {
            Target::Venue(venue) => convert::venue(venue),
            Target::Aggregate => market::Venue::Unspecified,
        };
        Ok(Response::new(GetBookResponse {
            book: Some(market::OrderBook {
                venue: venue.into(),
                symbol: book.symbol.to_string(),
                sequence: view.sequence,
                bids: convert::levels(&view.sides.bids),
                asks: convert::levels(&view.sides.asks),
                updated_unix_ms: view.event_ms,
            }),
            venues: view
                .venues
                .iter()
                .map(|&venue| convert::venue(venue).into())
                .collect(),
        }))
    }

    type StreamBookStream = BookStream;

    async fn stream_book(
        &self,
        request: Request<StreamBookRequest>,
    ) -> Result<Response<Self::StreamBookStream>, Status> {
        let message = request.into_inner();
        let (book, depth) = request::book_request(message.venue, &message.symbol, message.depth)?;
        let subscription =
            Subscription::open(self.books.clone(), book, depth, self.shutdown.clone())?;
        Ok(Response::new(Box::pin(subscription.into_stream())))
    }

    async fn get_depth_stats(
        &self,
        request: Request<GetDepthStatsRequest>,
    ) -> Result<Response<GetDepthStatsResponse>, Status> {
        let message = request.into_inner();
        let (book, bands) =
            request::depth_request(message.venue, &message.symbol, &message.bands_bps)?;
        let view = self
            .books
            .view(&book.symbol, book.target, 0)
            .map_err(|error| read_status(&book, &error))?;
        let stats =
            depth::depth_stats(&view.sides, &bands).map_err(|error| depth_status(&book, error))?;
        Ok(Response::new(stats_response(&stats)))
    }
}

fn stats_response(stats: &DepthStats) -> GetDepthStatsResponse {
    GetDepthStatsResponse {
        best_bid: Some(convert::decimal(stats.best_bid.price)),
        best_ask: Some(convert::decimal(stats.best_ask.price)),
        mid: Some(convert::decimal(stats.mid)),
        spread: Some(convert::decimal(stats.spread)),
        spread_bps: Some(convert::decimal(stats.spread_bps)),
        bands: stats.bands.iter().map(band).collect(),
        top_imbalance: stats.top_imbalance,
    }
}

fn band(band: &Band) -> DepthBand {
    DepthBand {
        bps: band.bps,
        bid_quantity: Some(convert::decimal(band.bid_quantity)),
        ask_quantity: Some(convert::decimal(band.ask_quantity)),
        bid_notional: Some(convert::decimal(band.bid_notional)),
        ask_notional: Some(convert::decimal(band.ask_notional)),
    }
}
