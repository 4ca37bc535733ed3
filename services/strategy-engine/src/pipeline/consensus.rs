//! The consensus step: the proposal for a closed candle (the strategy's recent candles
//! and context), asked of consensus-engine's Decide within the decide deadline.
use quorum_domain::convert;
use quorum_domain::{Candle, CandleClosed};
use quorum_proto::ai::v1 as ai;

use crate::engine::Engine;
use crate::model::Strategy;
use crate::peers::request;

impl Engine {
    pub(super) async fn decide(
        &self,
        strategy: &Strategy,
        event: &CandleClosed,
        candles: &[Candle],
        proposal_id: &str,
    ) -> Result<ai::ConsensusDecision, String> {
        let spec = &strategy.spec;
        let horizon_ms = spec.interval_ms() * i64::from(self.settings.horizon_bars);
        let proposal = ai::Proposal {
            proposal_id: proposal_id.to_string(),
            kind: ai::ProposalKind::Direction.into(),
            symbol: spec.symbol.to_string(),
            venue: convert::venue(spec.venue).into(),
            interval: spec.interval.clone(),
            horizon_ms,
            as_of_unix_ms: event.closed_at_ms,
            question: format!(
                "Buy, sell or hold {} on {} for the next {} {} candles?",
                spec.symbol, spec.venue, self.settings.horizon_bars, spec.interval
            ),
            candles: candles.iter().map(convert::candle).collect(),
            context: [
                ("strategy_id".to_string(), strategy.strategy_id.clone()),
                ("account".to_string(), spec.account.clone()),
            ]
            .into_iter()
            .collect(),
        };
        let message = ai::DecideRequest {
            proposal: Some(proposal),
            voters: spec.voters.clone(),
            threshold: spec.threshold,
            quorum: spec.quorum,
            max_rounds: spec.max_rounds,
            voter_deadline_ms: None,
        };
        let mut client = self.peers.consensus.clone();
        match client
            .decide(request(message, self.settings.decide_deadline))
            .await
        {
            Ok(response) => response
                .into_inner()
                .decision
                .ok_or_else(|| "consensus-engine answered without a decision".to_string()),
            Err(status) => Err(format!("consensus-engine: {}", status.message())),
        }
    }
}
