//! In-test peers over real gRPC on 127.0.0.1:0: voters that answer as scripted, and a
//! trade-history whose candles come from trades the test sets.
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use quorum_proto::ai::v1 as ai;
use quorum_proto::ai::v1::voter_server::{Voter, VoterServer};
use quorum_proto::common::v1::Decimal;
use quorum_proto::market::v1::Candle;
use quorum_proto::marketdata::v1 as marketdata;
use quorum_proto::marketdata::v1::trade_history_service_server::{
    TradeHistoryService, TradeHistoryServiceServer,
};
use tonic::transport::Server;
use tonic::{Code, Request, Response, Status};

/// How a scripted voter answers.
#[derive(Debug, Clone)]
pub enum Script {
    /// Always this decision with this confidence.
    Fixed(ai::Decision, f64),
    /// Answers `Fixed` only after sleeping this long (beyond any test deadline).
    Slow(Duration, ai::Decision),
    /// Answers with this error code.
    Failing(Code),
    /// A ballot whose confidence is not a probability.
    BadConfidence,
    /// `first` in round 1; from round 2 on, the previous round's leading decision.
    Follower(ai::Decision),
    /// The first decision in odd rounds, the second in even rounds.
    Alternating(ai::Decision, ai::Decision),
}

/// What a voter was asked, and with which authorization.
#[derive(Debug, Clone)]
pub struct Asked {
    pub request: ai::VoteRequest,
    pub authorization: Option<String>,
}

#[derive(Debug, Clone)]
pub struct ScriptedVoter {
    pub name: String,
    pub script: Arc<Mutex<Script>>,
    pub asked: Arc<Mutex<Vec<Asked>>>,
    pub kind: ai::VoterKind,
}

impl ScriptedVoter {
    pub fn new(name: &str, script: Script) -> Self {
        Self {
            name: name.into(),
            script: Arc::new(Mutex::new(script)),
            asked: Arc::default(),
            kind: ai::VoterKind::Strategy,
        }
    }

    /// Serves the voter; returns "http://127.0.0.1:<port>".
    pub async fn serve(&self) -> String {
        let addr = serve(Server::builder().add_service(VoterServer::new(self.clone()))).await;
        format!("http://{addr}")
    }

    pub fn set(&self, script: Script) {
        *self.script.lock().unwrap() = script;
    }

    pub fn asked(&self) -> Vec<Asked> {
        self.asked.lock().unwrap().clone()
    }
}

fn ballot(decision: ai::Decision, confidence: f64, rationale: String) -> ai::VoteResponse {
    ai::VoteResponse {
        ballot: Some(ai::Ballot {
            decision: decision.into(),
            confidence,
            rationale,
            evidence: Some(ai::Evidence {
                symbols: vec!["BTC-USDT".into()],
                interval: "1m".into(),
                facts: [("rsi".to_string(), "61.5".to_string())].into(),
                ..Default::default()
            }),
            voter_version: "v1".into(),
            cost: Some(ai::VoteCost {
                compute_micros: 120,
                prompt_tokens: 10,
                completion_tokens: 2,
                money: Some(Decimal {
                    value: "0.0005".into(),
                }),
            }),
        }),
    }
}

#[tonic::async_trait]
impl Voter for ScriptedVoter {
    async fn vote(
        &self,
        request: Request<ai::VoteRequest>,
    ) -> Result<Response<ai::VoteResponse>, Status> {
        let authorization = request
            .metadata()
            .get("authorization")
            .and_then(|value| value.to_str().ok())
            .map(str::to_string);
        let request = request.into_inner();
        self.asked.lock().unwrap().push(Asked {
            request: request.clone(),
            authorization,
        });
        let script = self.script.lock().unwrap().clone();
        let rationale = format!("{} in round {}", self.name, request.round);
        match script {
            Script::Fixed(decision, confidence) => {
                Ok(Response::new(ballot(decision, confidence, rationale)))
            }
            Script::Slow(pause, decision) => {
                tokio::time::sleep(pause).await;
                Ok(Response::new(ballot(decision, 0.5, rationale)))
            }
            Script::Failing(code) => Err(Status::new(code, "scripted failure")),
            Script::BadConfidence => Ok(Response::new(ballot(ai::Decision::Buy, 1.5, rationale))),
            Script::Follower(first) => {
                let decision = match &request.previous_round {
                    Some(previous) => ai::Decision::try_from(previous.leading).unwrap_or(first),
                    None => first,
                };
                Ok(Response::new(ballot(decision, 0.7, rationale)))
            }
            Script::Alternating(odd, even) => {
                let decision = if request.round % 2 == 1 { odd } else { even };
                Ok(Response::new(ballot(decision, 0.6, rationale)))
            }
        }
    }

    async fn describe_voter(
        &self,
        _request: Request<ai::DescribeVoterRequest>,
    ) -> Result<Response<ai::DescribeVoterResponse>, Status> {
        Ok(Response::new(ai::DescribeVoterResponse {
            name: self.name.clone(),
            kind: self.kind.into(),
            version: format!("{}-1.2.0", self.name),
            description: "a scripted voter".into(),
            kinds: vec![ai::ProposalKind::Direction.into()],
        }))
    }
}

/// trade-history's candles computed from trades the test sets: (time, price).
#[derive(Debug, Clone, Default)]
pub struct FakeTradeHistory {
    pub trades: Arc<Mutex<Vec<(i64, String)>>>,
    /// While set, GetCandles answers UNAVAILABLE.
    pub down: Arc<Mutex<bool>>,
    pub calls: Arc<Mutex<u64>>,
}

impl FakeTradeHistory {
    pub async fn serve(&self) -> String {
        let service = TradeHistoryServiceServer::new(self.clone());
        let addr = serve(Server::builder().add_service(service)).await;
        format!("http://{addr}")
    }

    pub fn add_trade(&self, at_ms: i64, price: &str) {
        self.trades.lock().unwrap().push((at_ms, price.into()));
    }

    pub fn set_down(&self, down: bool) {
        *self.down.lock().unwrap() = down;
    }

    pub fn calls(&self) -> u64 {
        *self.calls.lock().unwrap()
    }
}

fn interval_ms(name: &str) -> i64 {
    match name {
        "1s" => 1_000,
        "5s" => 5_000,
        _ => 60_000,
    }
}

#[tonic::async_trait]
impl TradeHistoryService for FakeTradeHistory {
    async fn query_trades(
        &self,
        _request: Request<marketdata::QueryTradesRequest>,
    ) -> Result<Response<marketdata::QueryTradesResponse>, Status> {
        Err(Status::unimplemented("not scripted"))
    }

    async fn get_candles(
        &self,
        request: Request<marketdata::GetCandlesRequest>,
    ) -> Result<Response<marketdata::GetCandlesResponse>, Status> {
        *self.calls.lock().unwrap() += 1;
        if *self.down.lock().unwrap() {
            return Err(Status::unavailable("trade-history is down (scripted)"));
        }
        let request = request.into_inner();
        let range = request.range.unwrap_or_default();
        let length = interval_ms(&request.interval);
        let mut trades: Vec<(i64, String)> = self
            .trades
            .lock()
            .unwrap()
            .iter()
            .filter(|(at, _)| *at >= range.from_unix_ms && *at < range.to_unix_ms)
            .cloned()
            .collect();
        trades.sort_by_key(|(at, _)| *at);
        let mut candles: Vec<Candle> = Vec::new();
        for (at, price) in trades {
            let open = at.div_euclid(length) * length;
            let price = Some(Decimal { value: price });
            match candles.last_mut() {
                Some(candle) if candle.open_time_unix_ms == open => {
                    candle.close = price;
                    candle.trade_count += 1;
                }
                _ => candles.push(Candle {
                    open_time_unix_ms: open,
                    open: price.clone(),
                    high: price.clone(),
                    low: price.clone(),
                    close: price,
                    trade_count: 1,
                    ..Default::default()
                }),
            }
        }
        Ok(Response::new(marketdata::GetCandlesResponse { candles }))
    }

    async fn import_trades(
        &self,
        _request: Request<tonic::Streaming<marketdata::ImportTradesRequest>>,
    ) -> Result<Response<marketdata::ImportTradesResponse>, Status> {
        Err(Status::unimplemented("not scripted"))
    }
}

/// Serves `router` on a free loopback port until the test ends.
pub async fn serve(router: tonic::transport::server::Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let incoming = tokio_stream::wrappers::TcpListenerStream::new(listener);
    tokio::spawn(router.serve_with_incoming(incoming));
    addr
}

/// An address where nothing listens.
pub async fn closed_address() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    format!("http://{addr}")
}
