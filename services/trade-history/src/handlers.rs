//! The gRPC handlers of quorum.marketdata.v1.TradeHistoryService.
use quorum_domain::convert;
use quorum_kit::errors::internal;
use quorum_proto::marketdata::v1 as pb;
use quorum_proto::marketdata::v1::trade_history_service_server::TradeHistoryService;
use quorum_store::errors::database_status;
use sqlx::PgPool;
use tonic::{Request, Response, Status, Streaming};

use crate::query::{self, ReadError};
use crate::{import, validate};

#[derive(Debug, Clone)]
pub struct TradeHistoryHandler {
    pool: PgPool,
}

impl TradeHistoryHandler {
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }
}

#[tonic::async_trait]
impl TradeHistoryService for TradeHistoryHandler {
    async fn query_trades(
        &self,
        request: Request<pb::QueryTradesRequest>,
    ) -> Result<Response<pb::QueryTradesResponse>, Status> {
        let query = validate::trade_query(request.get_ref(), now_ms())?;
        let page = query::trades(&self.pool, &query)
            .await
            .map_err(|error| read_status("querying trades failed", error))?;
        Ok(Response::new(pb::QueryTradesResponse {
            trades: page.trades.iter().map(convert::trade).collect(),
            next_page_token: page
                .next
                .map(|key| validate::encode_page_token(&key))
                .unwrap_or_default(),
        }))
    }

    async fn get_candles(
        &self,
        request: Request<pb::GetCandlesRequest>,
    ) -> Result<Response<pb::GetCandlesResponse>, Status> {
        let query = validate::candle_query(request.get_ref(), now_ms())?;
        let candles = query::candles(&self.pool, &query)
            .await
            .map_err(|error| read_status("computing candles failed", error))?;
        Ok(Response::new(pb::GetCandlesResponse {
            candles: candles.iter().map(convert::candle).collect(),
        }))
    }

    async fn import_trades(
        &self,
        request: Request<Streaming<pb::ImportTradesRequest>>,
    ) -> Result<Response<pb::ImportTradesResponse>, Status> {
        let response = import::import(&self.pool, request.into_inner()).await?;
        Ok(Response::new(response))
    }
}

/// Unix time now in milliseconds.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

fn read_status(context: &str, error: ReadError) -> Status {
    match error {
        ReadError::Database(error) => database_status(context, error),
        corrupt @ ReadError::Corrupt(_) => internal(context, corrupt),
    }
}
