//! What every test needs: a fresh database, a private Redis, an in-test trade-history,
//! the service, and helpers to register scripted voters and ask for decisions.
use consensus_engine::{Config, SERVICE, start};
use quorum_kit::KitConfig;
use quorum_proto::ai::v1 as ai;
use quorum_proto::ai::v1::consensus_service_client::ConsensusServiceClient;
use quorum_testkit::{TestDatabase, TestRedis, TestServer};
use sqlx::PgPool;
use tonic::transport::Channel;

use crate::fakes::{FakeTradeHistory, Script, ScriptedVoter};

pub use quorum_testkit::eventually;

pub type Client = ConsensusServiceClient<Channel>;

pub struct Harness {
    pub db: TestDatabase,
    pub redis: TestRedis,
    pub server: TestServer,
    pub client: Client,
    pub trade_history: FakeTradeHistory,
}

impl Harness {
    /// The service with default settings, except a resolver that runs every 100 ms.
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    pub async fn start_with(adjust: impl FnOnce(&mut Config)) -> Self {
        let db = TestDatabase::create().await;
        let redis = TestRedis::start().await;
        let trade_history = FakeTradeHistory::default();
        let mut config = Config::new(db.url.clone(), redis.url.clone());
        config.trade_history_addr = Some(trade_history.serve().await);
        config.resolver_interval_ms = 100;
        adjust(&mut config);
        let server = TestServer::start(SERVICE, KitConfig::for_tests(), move |kit| {
            start(kit, config)
        })
        .await;
        let client = ConsensusServiceClient::new(server.channel());
        Self {
            db,
            redis,
            server,
            client,
            trade_history,
        }
    }

    /// Serves a scripted voter and registers it with `weight` (FIXED).
    pub async fn voter(&mut self, name: &str, script: Script, weight: f64) -> ScriptedVoter {
        self.voter_with_mode(name, script, weight, ai::WeightMode::Fixed)
            .await
    }

    pub async fn voter_with_mode(
        &mut self,
        name: &str,
        script: Script,
        weight: f64,
        mode: ai::WeightMode,
    ) -> ScriptedVoter {
        let voter = ScriptedVoter::new(name, script);
        let address = voter.serve().await;
        let response = self.register(name, &address, weight, mode).await.unwrap();
        assert!(response.warning.is_empty(), "{}", response.warning);
        voter
    }

    pub async fn register(
        &mut self,
        name: &str,
        address: &str,
        weight: f64,
        mode: ai::WeightMode,
    ) -> Result<ai::RegisterVoterResponse, tonic::Status> {
        let request = ai::RegisterVoterRequest {
            voter: Some(ai::VoterInfo {
                name: name.into(),
                address: address.into(),
                weight,
                weight_mode: mode.into(),
                enabled: true,
                ..Default::default()
            }),
        };
        self.client
            .register_voter(self.server.request(request, &["admin"]))
            .await
            .map(tonic::Response::into_inner)
    }

    /// Decide as a trader.
    pub async fn decide(
        &mut self,
        request: ai::DecideRequest,
    ) -> Result<ai::ConsensusDecision, tonic::Status> {
        self.client
            .decide(self.server.request(request, &["trader"]))
            .await
            .map(|response| response.into_inner().decision.unwrap())
    }

    pub async fn get(&mut self, decision_id: &str) -> Result<ai::ConsensusDecision, tonic::Status> {
        let request = ai::GetDecisionRequest {
            decision_id: decision_id.into(),
        };
        self.client
            .get_decision(self.server.request(request, &["viewer"]))
            .await
            .map(|response| response.into_inner().decision.unwrap())
    }

    pub async fn list(
        &mut self,
        request: ai::ListDecisionsRequest,
    ) -> Result<ai::ListDecisionsResponse, tonic::Status> {
        self.client
            .list_decisions(self.server.request(request, &["viewer"]))
            .await
            .map(tonic::Response::into_inner)
    }

    pub async fn stats(&mut self, voter: &str) -> Result<Vec<ai::VoterStats>, tonic::Status> {
        let request = ai::GetVoterStatsRequest {
            voter: voter.into(),
        };
        self.client
            .get_voter_stats(self.server.request(request, &["viewer"]))
            .await
            .map(|response| response.into_inner().stats)
    }

    /// A direct connection to the service's database, as an operator would have.
    pub async fn sql(&self) -> PgPool {
        PgPool::connect(&self.db.url).await.unwrap()
    }
}

/// A DIRECTION proposal on BTC-USDT with a one-minute horizon.
pub fn direction(proposal_id: &str) -> ai::DecideRequest {
    ai::DecideRequest {
        proposal: Some(ai::Proposal {
            proposal_id: proposal_id.into(),
            kind: ai::ProposalKind::Direction.into(),
            symbol: "BTC-USDT".into(),
            venue: quorum_proto::market::v1::Venue::Binance.into(),
            interval: "1m".into(),
            horizon_ms: 60_000,
            question: "Which way for BTC-USDT over the next minute?".into(),
            ..Default::default()
        }),
        voter_deadline_ms: Some(500),
        ..Default::default()
    }
}

/// Votes of one round by voter name.
pub fn vote<'a>(round: &'a ai::RoundSummary, voter: &str) -> &'a ai::RecordedVote {
    round
        .votes
        .iter()
        .find(|vote| vote.voter == voter)
        .unwrap_or_else(|| panic!("no vote of {voter} in round {}", round.round))
}

/// Every event of a bus topic, as JSON.
pub async fn topic_events(redis_url: &str, topic: &str) -> Vec<serde_json::Value> {
    let client = redis::Client::open(redis_url).unwrap();
    let mut connection = client.get_multiplexed_async_connection().await.unwrap();
    let reply: redis::streams::StreamRangeReply = redis::cmd("XRANGE")
        .arg(format!("quorum:{topic}"))
        .arg("-")
        .arg("+")
        .query_async(&mut connection)
        .await
        .unwrap();
    reply
        .ids
        .iter()
        .filter_map(|entry| {
            let data: String = entry.get("data")?;
            serde_json::from_str(&data).ok()
        })
        .collect()
}
