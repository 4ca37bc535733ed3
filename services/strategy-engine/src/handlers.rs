//! The StrategyEngineService RPCs: instances are created, started and stopped here and
//! run by the loop.
use std::sync::Arc;

use base64::Engine as _;
use quorum_kit::auth::caller;
use quorum_kit::errors::{internal, invalid_field};
use quorum_proto::trading::v1 as pb;
use quorum_proto::trading::v1::strategy_engine_service_server::StrategyEngineService;
use tonic::{Request, Response, Status};

use crate::engine::{Engine, now_ms};
use crate::model::{State, Strategy};
use crate::spec::Spec;
use crate::store::Actor;

/// Runs per ListRuns page when the request says nothing, and at most.
const DEFAULT_PAGE: u32 = 50;
const MAX_PAGE: u32 = 500;

pub struct StrategyHandler {
    engine: Arc<Engine>,
}

impl StrategyHandler {
    pub fn new(engine: Arc<Engine>) -> Self {
        Self { engine }
    }

    fn find(&self, strategy_id: &str) -> Result<Strategy, Status> {
        if strategy_id.trim().is_empty() {
            return Err(invalid_field("strategy_id", "is required"));
        }
        self.engine
            .registry
            .get(strategy_id)
            .ok_or_else(|| Status::not_found(format!("no strategy {strategy_id}")))
    }

    async fn move_to<T>(
        &self,
        request: &Request<T>,
        strategy_id: &str,
        state: State,
        reason: &str,
    ) -> Result<Strategy, Status> {
        let actor = caller(request)?.claims.name.clone();
        let current = self.find(strategy_id)?;
        if current.state.is_live() == state.is_live() {
            return Ok(current);
        }
        let updated = self
            .engine
            .store
            .set_state(strategy_id, state, reason, Some(Actor(&actor)), now_ms())
            .await
            .map_err(|error| internal("storing the strategy's state", error))?
            .ok_or_else(|| Status::not_found(format!("no strategy {strategy_id}")))?;
        self.engine.registry.put(updated.clone());
        Ok(updated)
    }
}

#[tonic::async_trait]
impl StrategyEngineService for StrategyHandler {
    async fn create_strategy(
        &self,
        request: Request<pb::CreateStrategyRequest>,
    ) -> Result<Response<pb::CreateStrategyResponse>, Status> {
        let actor = caller(&request)?.claims.name.clone();
        let spec = Spec::parse(request.get_ref().spec.as_ref())?;
        let now = now_ms();
        let strategy = Strategy {
            strategy_id: uuid::Uuid::now_v7().to_string(),
            spec,
            state: State::Created,
            status_reason: "created; StartStrategy runs it".into(),
            created_at_ms: now,
            updated_at_ms: now,
            runs: 0,
            orders: 0,
        };
        self.engine
            .store
            .insert_strategy(&strategy, Actor(&actor))
            .await
            .map_err(|error| internal("storing the strategy", error))?;
        self.engine.registry.put(strategy.clone());
        Ok(Response::new(pb::CreateStrategyResponse {
            strategy: Some(strategy.to_proto()),
        }))
    }

    async fn start_strategy(
        &self,
        request: Request<pb::StartStrategyRequest>,
    ) -> Result<Response<pb::StartStrategyResponse>, Status> {
        let id = request.get_ref().strategy_id.clone();
        let strategy = self
            .move_to(
                &request,
                &id,
                State::Running,
                "started; acting on the next closed candle",
            )
            .await?;
        Ok(Response::new(pb::StartStrategyResponse {
            strategy: Some(strategy.to_proto()),
        }))
    }

    async fn stop_strategy(
        &self,
        request: Request<pb::StopStrategyRequest>,
    ) -> Result<Response<pb::StopStrategyResponse>, Status> {
        let id = request.get_ref().strategy_id.clone();
        let strategy = self
            .move_to(&request, &id, State::Stopped, "stopped")
            .await?;
        Ok(Response::new(pb::StopStrategyResponse {
            strategy: Some(strategy.to_proto()),
        }))
    }

    async fn get_strategy(
        &self,
        request: Request<pb::GetStrategyRequest>,
    ) -> Result<Response<pb::GetStrategyResponse>, Status> {
        let strategy = self.find(&request.get_ref().strategy_id)?;
        Ok(Response::new(pb::GetStrategyResponse {
            strategy: Some(strategy.to_proto()),
        }))
    }

    async fn list_strategies(
        &self,
        _request: Request<pb::ListStrategiesRequest>,
    ) -> Result<Response<pb::ListStrategiesResponse>, Status> {
        let strategies = self
            .engine
            .registry
            .all()
            .iter()
            .map(Strategy::to_proto)
            .collect();
        Ok(Response::new(pb::ListStrategiesResponse { strategies }))
    }

    async fn list_runs(
        &self,
        request: Request<pb::ListRunsRequest>,
    ) -> Result<Response<pb::ListRunsResponse>, Status> {
        let request = request.into_inner();
        self.find(&request.strategy_id)?;
        let page = request.page.unwrap_or_default();
        if page.page_size > MAX_PAGE {
            return Err(invalid_field(
                "page.page_size",
                format!("must be at most {MAX_PAGE}"),
            ));
        }
        let size = if page.page_size == 0 {
            DEFAULT_PAGE
        } else {
            page.page_size
        };
        let after = if page.page_token.is_empty() {
            None
        } else {
            Some(parse_token(&page.page_token)?)
        };
        let mut runs = self
            .engine
            .store
            .runs(&request.strategy_id, after, i64::from(size) + 1)
            .await
            .map_err(|error| internal("reading runs", error))?;
        let more = runs.len() > size as usize;
        runs.truncate(size as usize);
        let next_page_token = match runs.last() {
            Some(last) if more => make_token(last.candle_open_ms, &last.run_id),
            _ => String::new(),
        };
        Ok(Response::new(pb::ListRunsResponse {
            runs: runs.iter().map(crate::model::Run::to_proto).collect(),
            next_page_token,
        }))
    }
}

/// An opaque page token: the last run's candle open time and id.
fn make_token(candle_open_ms: i64, run_id: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{candle_open_ms}/{run_id}"))
}

fn parse_token(token: &str) -> Result<(i64, String), Status> {
    let bad = || {
        invalid_field(
            "page.page_token",
            "is not a token from a previous ListRuns answer",
        )
    };
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token)
        .map_err(|_| bad())?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    let (open, run_id) = text.split_once('/').ok_or_else(bad)?;
    let open = open.parse::<i64>().map_err(|_| bad())?;
    if !run_id.starts_with("run-") {
        return Err(bad());
    }
    Ok((open, run_id.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_tokens_round_trip_and_garbage_is_refused() {
        let token = make_token(1_700_000_000_000, "run-abc");
        assert_eq!(
            parse_token(&token).unwrap(),
            (1_700_000_000_000, "run-abc".to_string())
        );
        assert!(parse_token("???").is_err());
        assert!(parse_token(&make_token(5, "other")).is_err());
    }
}
