//! Fills from the bus (`exec.fills`), read from the beginning of the stream: each is
//! applied to the ledger and acknowledged only after its journal entry committed. A
//! fill seen before is acknowledged without change; a fill the ledger refuses is
//! dead-lettered; a journal that cannot be written leaves the message pending.
use std::sync::Arc;

use quorum_bus::{BusArgs, ConsumerConfig, HandlerError, Message, StartFrom};
use quorum_domain::Fill;
use quorum_domain::topics::EXECUTION_FILLS;
use quorum_kit::CancellationToken;

use crate::portfolios::{ApplyError, Portfolios};

/// Consumer group of the fills topic.
pub const GROUP: &str = "portfolio-manager";

/// Connects (retrying while Redis is down) and consumes until `shutdown`.
pub async fn run(
    bus: BusArgs,
    consumer_name: String,
    portfolios: Arc<Portfolios>,
    shutdown: CancellationToken,
) {
    let Some(bus) = bus.connect_patiently(&shutdown).await else {
        return;
    };
    tracing::info!(topic = EXECUTION_FILLS, group = GROUP, consumer = %consumer_name, "consuming fills");
    let config = ConsumerConfig {
        start: StartFrom::Beginning,
        ..ConsumerConfig::default()
    };
    bus.consumer(EXECUTION_FILLS, GROUP, &consumer_name, config)
        .run(shutdown, |message| {
            let portfolios = portfolios.clone();
            async move { handle(&portfolios, &message).await }
        })
        .await;
}

/// Applies one message's fill.
pub async fn handle(portfolios: &Portfolios, message: &Message) -> Result<(), HandlerError> {
    let fill: Fill = message.decode()?;
    match portfolios.apply_fill(&fill).await {
        Ok(applied) => {
            tracing::debug!(fill_id = %fill.fill_id, venue = %fill.venue, applied, "fill handled");
            Ok(())
        }
        Err(ApplyError::Invalid(error)) => Err(HandlerError::Poison(format!(
            "fill {} refused: {error}",
            fill.fill_id
        ))),
        Err(error) => Err(HandlerError::Retry(format!(
            "fill {} not applied yet: {error}",
            fill.fill_id
        ))),
    }
}
