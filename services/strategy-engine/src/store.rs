//! Postgres: strategy instances and runs, with audit events in the same transactions.
use std::collections::BTreeMap;

use quorum_bus::audit::{self, AuditEntry};
use quorum_bus::events::AuditOutcome;
use quorum_bus::outbox::Outbox;
use quorum_domain::{Decimal, Side};
use sqlx::{PgPool, Row, postgres::PgRow};

use crate::model::{Intent, Outcome, Run, State, Strategy};
use crate::spec::Spec;

/// Who did something, for the audit record.
pub struct Actor<'a>(pub &'a str);

/// How a run ended: what [`Store::finish_run`] writes.
#[derive(Debug, Clone, Default)]
pub struct Ending {
    pub decision_id: String,
    pub detail: String,
    pub order_id: String,
    pub hop_micros: BTreeMap<String, i64>,
}

#[derive(Clone)]
pub struct Store {
    pool: PgPool,
    outbox: Outbox,
}

impl Store {
    pub fn new(pool: PgPool, outbox: Outbox) -> Self {
        Self { pool, outbox }
    }

    pub async fn insert_strategy(&self, strategy: &Strategy, actor: Actor<'_>) -> sqlx::Result<()> {
        let spec = serde_json::to_value(&strategy.spec)
            .map_err(|error| sqlx::Error::Encode(Box::new(error)))?;
        let mut transaction = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO strategies (strategy_id, spec, state, status_reason, created_at_ms, updated_at_ms)
             VALUES ($1, $2, $3, $4, $5, $5)",
        )
        .bind(&strategy.strategy_id)
        .bind(&spec)
        .bind(strategy.state.as_str())
        .bind(&strategy.status_reason)
        .bind(strategy.created_at_ms)
        .execute(&mut *transaction)
        .await?;
        let resource = format!("strategy:{}", strategy.strategy_id);
        let entry = AuditEntry {
            service: crate::SERVICE,
            actor: actor.0,
            action: "strategy.create",
            resource: &resource,
            outcome: AuditOutcome::Success,
            details: serde_json::json!({ "spec": spec }),
        };
        audit::record(&mut transaction, entry).await?;
        transaction.commit().await?;
        self.outbox.wake();
        Ok(())
    }

    /// Moves a strategy to `state`; a person's change (`actor`) is audited, the loop's own
    /// moves between running and waiting are not.
    pub async fn set_state(
        &self,
        strategy_id: &str,
        state: State,
        reason: &str,
        actor: Option<Actor<'_>>,
        now_ms: i64,
    ) -> sqlx::Result<Option<Strategy>> {
        let mut transaction = self.pool.begin().await?;
        let row = sqlx::query(
            "UPDATE strategies SET state = $2, status_reason = $3, updated_at_ms = $4
             WHERE strategy_id = $1 RETURNING *",
        )
        .bind(strategy_id)
        .bind(state.as_str())
        .bind(reason)
        .bind(now_ms)
        .fetch_optional(&mut *transaction)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        if let Some(actor) = actor {
            let resource = format!("strategy:{strategy_id}");
            let action = format!(
                "strategy.{}",
                if state.is_live() { "start" } else { "stop" }
            );
            let entry = AuditEntry {
                service: crate::SERVICE,
                actor: actor.0,
                action: &action,
                resource: &resource,
                outcome: AuditOutcome::Success,
                details: serde_json::json!({ "state": state.as_str(), "reason": reason }),
            };
            audit::record(&mut transaction, entry).await?;
        }
        transaction.commit().await?;
        self.outbox.wake();
        strategy(&row).map(Some)
    }

    pub async fn strategies(&self) -> sqlx::Result<Vec<Strategy>> {
        let rows = sqlx::query("SELECT * FROM strategies ORDER BY created_at_ms, strategy_id")
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(strategy).collect()
    }

    /// Records the start of a run; `false` when the candle was handled before.
    pub async fn begin_run(&self, run: &Run) -> sqlx::Result<bool> {
        let inserted = sqlx::query(
            "INSERT INTO runs (run_id, strategy_id, candle_open_ms, outcome, started_at_ms)
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        )
        .bind(&run.run_id)
        .bind(&run.strategy_id)
        .bind(run.candle_open_ms)
        .bind(Outcome::Started.as_str())
        .bind(run.started_at_ms)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(inserted == 1)
    }

    /// Writes the order a run is about to place, before PlaceOrder is sent.
    pub async fn mark_ordering(
        &self,
        run_id: &str,
        decision_id: &str,
        intent: &Intent,
    ) -> sqlx::Result<()> {
        sqlx::query(
            "UPDATE runs SET outcome = 'ordering', decision_id = $2, client_order_id = $3,
                    side = $4, quantity = $5, price = $6
             WHERE run_id = $1",
        )
        .bind(run_id)
        .bind(decision_id)
        .bind(&intent.client_order_id)
        .bind(side_name(intent.side))
        .bind(intent.quantity.to_string())
        .bind(intent.price.to_string())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Ends a run; an order placed or rejected is audited in the same transaction.
    pub async fn finish_run(
        &self,
        run: &Run,
        outcome: Outcome,
        ending: &Ending,
        now_ms: i64,
    ) -> sqlx::Result<()> {
        let hops = serde_json::to_value(&ending.hop_micros)
            .map_err(|error| sqlx::Error::Encode(Box::new(error)))?;
        let mut transaction = self.pool.begin().await?;
        sqlx::query(
            "UPDATE runs SET outcome = $2, detail = $3, order_id = $4, finished_at_ms = $5,
                    hop_micros = $6, decision_id = CASE WHEN $7 = '' THEN decision_id ELSE $7 END
             WHERE run_id = $1",
        )
        .bind(&run.run_id)
        .bind(outcome.as_str())
        .bind(&ending.detail)
        .bind(&ending.order_id)
        .bind(now_ms)
        .bind(&hops)
        .bind(&ending.decision_id)
        .execute(&mut *transaction)
        .await?;
        let placed = i64::from(outcome == Outcome::OrderPlaced);
        sqlx::query(
            "UPDATE strategies SET runs = runs + 1, orders = orders + $2 WHERE strategy_id = $1",
        )
        .bind(&run.strategy_id)
        .bind(placed)
        .execute(&mut *transaction)
        .await?;
        if let (Some(intent), Outcome::OrderPlaced | Outcome::OrderRejected) =
            (&run.intent, outcome)
        {
            let resource = format!("strategy:{}", run.strategy_id);
            let entry = AuditEntry {
                service: crate::SERVICE,
                actor: &format!("svc:{}", crate::SERVICE),
                action: "strategy.order",
                resource: &resource,
                outcome: if outcome == Outcome::OrderPlaced {
                    AuditOutcome::Success
                } else {
                    AuditOutcome::Failure
                },
                details: serde_json::json!({
                    "run_id": run.run_id,
                    "decision_id": if ending.decision_id.is_empty() { &run.decision_id } else { &ending.decision_id },
                    "client_order_id": intent.client_order_id,
                    "order_id": ending.order_id,
                    "side": side_name(intent.side),
                    "quantity": intent.quantity.to_string(),
                    "price": intent.price.to_string(),
                    "detail": ending.detail,
                }),
            };
            audit::record(&mut transaction, entry).await?;
        }
        transaction.commit().await?;
        self.outbox.wake();
        Ok(())
    }

    /// Runs a crash or restart left in flight.
    pub async fn in_flight_runs(&self) -> sqlx::Result<Vec<Run>> {
        let rows = sqlx::query(
            "SELECT * FROM runs WHERE outcome IN ('started', 'ordering') ORDER BY started_at_ms",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(run).collect()
    }

    /// A strategy's runs, newest candle first, after the `(candle_open_ms, run_id)` of
    /// the previous page.
    pub async fn runs(
        &self,
        strategy_id: &str,
        after: Option<(i64, String)>,
        limit: i64,
    ) -> sqlx::Result<Vec<Run>> {
        let (after_open, after_id) = after.unwrap_or((i64::MAX, String::new()));
        let rows = sqlx::query(
            "SELECT * FROM runs WHERE strategy_id = $1
               AND (candle_open_ms, run_id) < ($2, CASE WHEN $3 = '' THEN 'zzzz' ELSE $3 END)
             ORDER BY candle_open_ms DESC, run_id DESC LIMIT $4",
        )
        .bind(strategy_id)
        .bind(after_open)
        .bind(&after_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(run).collect()
    }
}

fn side_name(side: Side) -> &'static str {
    match side {
        Side::Buy => "buy",
        Side::Sell => "sell",
    }
}

fn decode_error(what: &str) -> sqlx::Error {
    sqlx::Error::Decode(format!("stored {what} does not decode").into())
}

fn strategy(row: &PgRow) -> sqlx::Result<Strategy> {
    let spec: serde_json::Value = row.try_get("spec")?;
    let spec: Spec = serde_json::from_value(spec).map_err(|_| decode_error("spec"))?;
    let state: String = row.try_get("state")?;
    Ok(Strategy {
        strategy_id: row.try_get("strategy_id")?,
        spec,
        state: State::parse(&state).ok_or_else(|| decode_error("state"))?,
        status_reason: row.try_get("status_reason")?,
        created_at_ms: row.try_get("created_at_ms")?,
        updated_at_ms: row.try_get("updated_at_ms")?,
        runs: u64::try_from(row.try_get::<i64, _>("runs")?).unwrap_or(0),
        orders: u64::try_from(row.try_get::<i64, _>("orders")?).unwrap_or(0),
    })
}

fn run(row: &PgRow) -> sqlx::Result<Run> {
    let outcome: String = row.try_get("outcome")?;
    let side: String = row.try_get("side")?;
    let quantity: String = row.try_get("quantity")?;
    let price: String = row.try_get("price")?;
    let quantity = quantity.parse::<Decimal>().ok();
    let price = price.parse::<Decimal>().ok();
    let client_order_id: String = row.try_get("client_order_id")?;
    let side = match side.as_str() {
        "buy" => Some(Side::Buy),
        "sell" => Some(Side::Sell),
        _ => None,
    };
    let intent = match (side, quantity, price) {
        (Some(side), Some(quantity), Some(price)) if !client_order_id.is_empty() => Some(Intent {
            client_order_id,
            side,
            quantity,
            price,
        }),
        _ => None,
    };
    let hops: serde_json::Value = row.try_get("hop_micros")?;
    Ok(Run {
        run_id: row.try_get("run_id")?,
        strategy_id: row.try_get("strategy_id")?,
        candle_open_ms: row.try_get("candle_open_ms")?,
        decision_id: row.try_get("decision_id")?,
        outcome: Outcome::parse(&outcome).ok_or_else(|| decode_error("outcome"))?,
        detail: row.try_get("detail")?,
        intent,
        order_id: row.try_get("order_id")?,
        started_at_ms: row.try_get("started_at_ms")?,
        finished_at_ms: row.try_get("finished_at_ms")?,
        hop_micros: serde_json::from_value(hops).unwrap_or_default(),
    })
}
