//! The MarketDataService RPC handlers: request checks, then summaries from the markets.
use std::sync::Arc;

use quorum_domain::convert::{parse_symbol, parse_venue_filter};
use quorum_domain::{Symbol, Venue};
use quorum_kit::errors::{FieldErrors, invalid_field};
use quorum_proto::marketdata::v1::market_data_service_server::MarketDataService;
use quorum_proto::marketdata::v1::{
    GetMarketSummaryRequest, GetMarketSummaryResponse, GetTopMoversRequest, GetTopMoversResponse,
    ListMarketsRequest, ListMarketsResponse, MoverRanking,
};
use tonic::{Request, Response, Status};

use crate::convert;
use crate::markets::Markets;
use crate::ranking::{DEFAULT_LIMIT, MAX_LIMIT, Ranking, top_movers};

pub struct MarketDataHandler {
    markets: Arc<Markets>,
}

impl MarketDataHandler {
    pub fn new(markets: Arc<Markets>) -> Self {
        Self { markets }
    }
}

#[tonic::async_trait]
impl MarketDataService for MarketDataHandler {
    async fn get_market_summary(
        &self,
        request: Request<GetMarketSummaryRequest>,
    ) -> Result<Response<GetMarketSummaryResponse>, Status> {
        let request = request.into_inner();
        let mut errors = FieldErrors::new();
        let symbol = parse_symbol("symbol", &request.symbol)
            .map_err(|problem| errors.add(&problem.field, problem.problem))
            .ok();
        let venue = parse_venue_filter("venue", request.venue)
            .map_err(|problem| errors.add(&problem.field, problem.problem))
            .ok();
        errors.into_result()?;
        let (Some(symbol), Some(venue)) = (symbol, venue) else {
            return Err(invalid_field("symbol", "is required, e.g. BTC-USDT"));
        };
        let summary = self
            .markets
            .summary(&symbol, venue, crate::now_ms())
            .ok_or_else(|| not_found(&symbol, venue))?;
        Ok(Response::new(GetMarketSummaryResponse {
            summary: Some(convert::summary(&summary)),
        }))
    }

    async fn list_markets(
        &self,
        request: Request<ListMarketsRequest>,
    ) -> Result<Response<ListMarketsResponse>, Status> {
        let venue = parse_venue_filter("venue", request.into_inner().venue)
            .map_err(|problem| invalid_field(&problem.field, problem.problem))?;
        let markets = self.markets.list(venue, crate::now_ms());
        Ok(Response::new(ListMarketsResponse {
            markets: markets.iter().map(convert::summary).collect(),
        }))
    }

    async fn get_top_movers(
        &self,
        request: Request<GetTopMoversRequest>,
    ) -> Result<Response<GetTopMoversResponse>, Status> {
        let request = request.into_inner();
        let mut errors = FieldErrors::new();
        let ranking = match MoverRanking::try_from(request.ranking) {
            Ok(MoverRanking::Change) => Some(Ranking::Change),
            Ok(MoverRanking::Volume) => Some(Ranking::Volume),
            Ok(MoverRanking::Unspecified) | Err(_) => {
                errors.add(
                    "ranking",
                    "is required: MOVER_RANKING_CHANGE or MOVER_RANKING_VOLUME",
                );
                None
            }
        };
        let limit = match request.limit as usize {
            0 => DEFAULT_LIMIT,
            limit => limit,
        };
        errors.check(
            limit <= MAX_LIMIT,
            "limit",
            format!("must be at most {MAX_LIMIT} (0 means {DEFAULT_LIMIT})"),
        );
        let venue = parse_venue_filter("venue", request.venue)
            .map_err(|problem| errors.add(&problem.field, problem.problem))
            .ok();
        errors.into_result()?;
        let (Some(ranking), Some(venue)) = (ranking, venue) else {
            return Err(invalid_field("ranking", "is required"));
        };
        let summaries = self.markets.list(venue, crate::now_ms());
        let ranked = top_movers(summaries, ranking, limit);
        Ok(Response::new(GetTopMoversResponse {
            markets: ranked.iter().map(convert::summary).collect(),
        }))
    }
}

fn not_found(symbol: &Symbol, venue: Option<Venue>) -> Status {
    let market = match venue {
        Some(venue) => format!("{symbol} on {venue}"),
        None => symbol.to_string(),
    };
    Status::not_found(format!(
        "no trade of {market} seen since market-data started; ListMarkets shows the markets it has"
    ))
}
