//! Small gRPC servers standing in for the peers the service calls: trade-history with
//! scripted candles and consensus-engine recording registrations.
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use quorum_proto::ai::v1::consensus_service_server::{ConsensusService, ConsensusServiceServer};
use quorum_proto::ai::v1::*;
use quorum_proto::market::v1::Candle;
use quorum_proto::marketdata::v1::trade_history_service_server::{
    TradeHistoryService, TradeHistoryServiceServer,
};
use quorum_proto::marketdata::v1::{
    GetCandlesRequest, GetCandlesResponse, ImportTradesRequest, ImportTradesResponse,
    QueryTradesRequest, QueryTradesResponse,
};
use tokio::net::TcpListener;
use tokio_stream::wrappers::TcpListenerStream;
use tonic::{Request, Response, Status, Streaming};

/// trade-history answering GetCandles with the scripted candles inside the range.
#[derive(Clone, Default)]
pub struct ScriptedHistory {
    pub candles: Arc<Mutex<Vec<Candle>>>,
    pub requests: Arc<Mutex<Vec<GetCandlesRequest>>>,
}

#[tonic::async_trait]
impl TradeHistoryService for ScriptedHistory {
    async fn query_trades(
        &self,
        _request: Request<QueryTradesRequest>,
    ) -> Result<Response<QueryTradesResponse>, Status> {
        Err(Status::unimplemented("not scripted"))
    }

    async fn get_candles(
        &self,
        request: Request<GetCandlesRequest>,
    ) -> Result<Response<GetCandlesResponse>, Status> {
        let request = request.into_inner();
        let range = request.range.unwrap_or_default();
        self.requests.lock().unwrap().push(request);
        let candles = self
            .candles
            .lock()
            .unwrap()
            .iter()
            .filter(|candle| {
                candle.open_time_unix_ms >= range.from_unix_ms
                    && candle.open_time_unix_ms < range.to_unix_ms
            })
            .cloned()
            .collect();
        Ok(Response::new(GetCandlesResponse { candles }))
    }

    async fn import_trades(
        &self,
        _request: Request<Streaming<ImportTradesRequest>>,
    ) -> Result<Response<ImportTradesResponse>, Status> {
        Err(Status::unimplemented("not scripted"))
    }
}

/// consensus-engine recording every RegisterVoter; everything else is unimplemented.
#[derive(Clone, Default)]
pub struct RecordingConsensus {
    pub registered: Arc<Mutex<Vec<VoterInfo>>>,
}

#[tonic::async_trait]
impl ConsensusService for RecordingConsensus {
    async fn decide(
        &self,
        _request: Request<DecideRequest>,
    ) -> Result<Response<DecideResponse>, Status> {
        Err(Status::unimplemented("not scripted"))
    }

    async fn get_decision(
        &self,
        _request: Request<GetDecisionRequest>,
    ) -> Result<Response<GetDecisionResponse>, Status> {
        Err(Status::unimplemented("not scripted"))
    }

    async fn list_decisions(
        &self,
        _request: Request<ListDecisionsRequest>,
    ) -> Result<Response<ListDecisionsResponse>, Status> {
        Err(Status::unimplemented("not scripted"))
    }

    async fn register_voter(
        &self,
        request: Request<RegisterVoterRequest>,
    ) -> Result<Response<RegisterVoterResponse>, Status> {
        let voter = request
            .into_inner()
            .voter
            .ok_or_else(|| Status::invalid_argument("voter is required"))?;
        self.registered.lock().unwrap().push(voter.clone());
        Ok(Response::new(RegisterVoterResponse {
            voter: Some(voter),
            ..Default::default()
        }))
    }

    async fn list_voters(
        &self,
        _request: Request<ListVotersRequest>,
    ) -> Result<Response<ListVotersResponse>, Status> {
        Err(Status::unimplemented("not scripted"))
    }

    async fn get_voter_stats(
        &self,
        _request: Request<GetVoterStatsRequest>,
    ) -> Result<Response<GetVoterStatsResponse>, Status> {
        Err(Status::unimplemented("not scripted"))
    }
}

/// Serves trade-history on a loopback port until the test ends.
pub async fn serve_history(history: ScriptedHistory) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    serve_history_on(history, listener).await
}

pub async fn serve_history_on(history: ScriptedHistory, listener: TcpListener) -> SocketAddr {
    let addr = listener.local_addr().unwrap();
    tokio::spawn(
        tonic::transport::Server::builder()
            .add_service(TradeHistoryServiceServer::new(history))
            .serve_with_incoming(TcpListenerStream::new(listener)),
    );
    addr
}

/// Serves consensus-engine on `listener` until the test ends.
pub async fn serve_consensus(consensus: RecordingConsensus, listener: TcpListener) -> SocketAddr {
    let addr = listener.local_addr().unwrap();
    tokio::spawn(
        tonic::transport::Server::builder()
            .add_service(ConsensusServiceServer::new(consensus))
            .serve_with_incoming(TcpListenerStream::new(listener)),
    );
    addr
}
