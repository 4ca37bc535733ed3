//! CheckOrder: validates the intent, gathers the account (portfolio-manager), the mark
//! (price-feed), the trading state, the limits and the order rate, evaluates every rule,
//! and audits a denial.
use chrono::{DateTime, Utc};
use quorum_bus::audit::AuditEntry;
use quorum_bus::events::AuditOutcome;
use quorum_domain::convert::{parse_decimal, parse_side, parse_symbol, parse_venue_filter};
use quorum_domain::{Side, Symbol, Venue};
use quorum_kit::errors::FieldErrors;
use quorum_proto::trading::v1 as pb;
use quorum_store::errors::database_status;
use rust_decimal::Decimal;
use tonic::Status;

use crate::rules::{self, Account, Inputs, Order, Verdict};
use crate::store;
use crate::{Shared, state};

/// The audit action of denied checks.
pub const AUDIT_ACTION: &str = "risk.check_order";

/// Longest account name accepted.
pub const MAX_ACCOUNT_LENGTH: usize = 128;

/// A validated order intent.
#[derive(Debug, Clone, PartialEq)]
pub struct Intent {
    pub account: String,
    pub venue: Option<Venue>,
    pub symbol: Symbol,
    pub order: Order,
    pub client_order_id: String,
    pub origin: String,
}

/// Checks the intent's fields, naming every bad one.
pub fn validate(request: &pb::CheckOrderRequest) -> Result<Intent, Status> {
    let Some(intent) = request.order.as_ref() else {
        return Err(quorum_kit::errors::invalid_field(
            "order",
            "is required: the order intent to check",
        ));
    };
    let mut errors = FieldErrors::new();
    if let Some(problem) = account_problem(&intent.account) {
        errors.add("order.account", problem);
    }
    let venue = parse_venue_filter("order.venue", intent.venue)
        .map_err(|problem| errors.add(&problem.field, problem.problem))
        .ok()
        .flatten();
    let symbol = parse_symbol("order.symbol", &intent.symbol)
        .map_err(|problem| errors.add(&problem.field, problem.problem))
        .ok();
    let side = parse_side("order.side", intent.side)
        .map_err(|problem| errors.add(&problem.field, problem.problem))
        .ok();
    let mut positive =
        |field: &str, value: Option<&quorum_proto::common::v1::Decimal>| match parse_decimal(
            field, value,
        ) {
            Ok(amount) if amount > Decimal::ZERO => Some(amount),
            Ok(amount) => {
                errors.add(field, format!("must be greater than 0 (got {amount})"));
                None
            }
            Err(problem) => {
                errors.add(&problem.field, problem.problem);
                None
            }
        };
    let quantity = positive("order.quantity", intent.quantity.as_ref());
    let price = positive("order.price", intent.price.as_ref());
    errors.into_result()?;
    match (symbol, side, quantity, price) {
        (Some(symbol), Some(side), Some(quantity), Some(price)) => Ok(Intent {
            account: intent.account.trim().to_string(),
            venue,
            symbol,
            order: Order {
                side,
                quantity,
                price,
            },
            client_order_id: intent.client_order_id.clone(),
            origin: intent.origin.clone(),
        }),
        _ => Err(Status::invalid_argument("order: invalid")),
    }
}

/// What is wrong with an account name, if anything.
pub fn account_problem(account: &str) -> Option<String> {
    let account = account.trim();
    if account.is_empty() {
        Some("is required".to_string())
    } else if account.chars().count() > MAX_ACCOUNT_LENGTH {
        Some(format!("must be at most {MAX_ACCOUNT_LENGTH} characters"))
    } else if account.chars().any(char::is_control) {
        Some("must not contain control characters".to_string())
    } else {
        None
    }
}

/// Runs every rule for a validated intent; `actor` is who asked.
pub async fn check_order(
    shared: &Shared,
    actor: &str,
    intent: &Intent,
) -> Result<pb::CheckOrderResponse, Status> {
    let account = intent.account.as_str();
    let limits = shared.limits_of(account).await?;
    let state = state::current(&shared.pool)
        .await
        .map_err(|error| database_status("reading the trading state failed", error))?;
    let now = Utc::now();
    let now_ms = now.timestamp_millis();
    let (portfolio, first_equity, mark) = tokio::join!(
        shared.peers.portfolio(account),
        shared
            .peers
            .first_equity_since(account, day_start_ms(now), now_ms),
        shared
            .peers
            .mark(intent.symbol.as_str(), shared.mark_max_age_ms, now_ms),
    );
    let portfolio = portfolio?.unwrap_or_default();
    let day_start_equity = match (first_equity?, portfolio.equity) {
        (Some(equity), _) => Some(equity),
        (None, Some(equity)) => Some(
            store::day_open_equity(&shared.pool, account, now.date_naive(), equity)
                .await
                .map_err(|error| {
                    database_status("recording the day's opening equity failed", error)
                })?,
        ),
        (None, None) => None,
    };
    let check_id = uuid::Uuid::now_v7().to_string();
    let orders_last_minute = shared.rate.count(account, &check_id).await?;
    let holding = portfolio.holding(intent.symbol.as_str());
    let position = holding.map(|holding| holding.quantity).unwrap_or_default();
    let position_value = holding
        .and_then(|holding| holding.value)
        .unwrap_or(position * intent.order.price);
    let inputs = Inputs {
        order: intent.order,
        account: Account {
            position,
            position_value,
            gross_exposure: portfolio.gross_exposure,
            net_exposure: portfolio.net_exposure,
            equity: portfolio.equity,
            day_start_equity,
        },
        limits: &limits,
        state: state.state,
        mark: &mark,
        orders_last_minute,
    };
    let verdicts = rules::evaluate(&inputs);
    let denied_by: Vec<String> = verdicts
        .iter()
        .filter(|verdict| !verdict.passed)
        .map(|verdict| verdict.rule.to_string())
        .collect();
    store::touch_checked(&shared.pool, account)
        .await
        .map_err(|error| database_status("recording the checked account failed", error))?;
    if !denied_by.is_empty() {
        audit_denial(shared, actor, intent, &check_id, state.state, &verdicts).await?;
    }
    Ok(pb::CheckOrderResponse {
        approved: denied_by.is_empty(),
        state: state::to_proto(state.state).into(),
        rules: verdicts.iter().map(rule_result).collect(),
        denied_by,
        check_id,
    })
}

/// The start of the UTC day of `now`, in Unix milliseconds.
pub fn day_start_ms(now: DateTime<Utc>) -> i64 {
    const DAY_MS: i64 = 86_400_000;
    now.timestamp_millis().div_euclid(DAY_MS) * DAY_MS
}

fn rule_result(verdict: &Verdict) -> pb::RuleResult {
    pb::RuleResult {
        rule: verdict.rule.to_string(),
        passed: verdict.passed,
        limit: verdict.limit.clone(),
        actual: verdict.actual.clone(),
        message: verdict.message.clone(),
    }
}

async fn audit_denial(
    shared: &Shared,
    actor: &str,
    intent: &Intent,
    check_id: &str,
    state: quorum_bus::events::TradingState,
    verdicts: &[Verdict],
) -> Result<(), Status> {
    let failed: Vec<serde_json::Value> = verdicts
        .iter()
        .filter(|verdict| !verdict.passed)
        .map(|verdict| {
            serde_json::json!({
                "rule": verdict.rule,
                "limit": verdict.limit,
                "actual": verdict.actual,
                "message": verdict.message,
            })
        })
        .collect();
    let side = match intent.order.side {
        Side::Buy => "buy",
        Side::Sell => "sell",
    };
    let resource = format!("account:{}", intent.account);
    let entry = AuditEntry {
        service: crate::SERVICE,
        actor,
        action: AUDIT_ACTION,
        resource: &resource,
        outcome: AuditOutcome::Denied,
        details: serde_json::json!({
            "check_id": check_id,
            "symbol": intent.symbol.as_str(),
            "venue": intent.venue.map(|venue| venue.to_string()),
            "side": side,
            "quantity": intent.order.quantity.normalize().to_string(),
            "price": intent.order.price.normalize().to_string(),
            "client_order_id": intent.client_order_id,
            "origin": intent.origin,
            "state": rules::state_name(state),
            "failed": failed,
        }),
    };
    let outcome = async {
        let mut transaction = shared.pool.begin().await?;
        quorum_bus::audit::record(&mut transaction, entry).await?;
        transaction.commit().await
    }
    .await;
    outcome.map_err(|error| database_status("auditing the denied check failed", error))?;
    shared.outbox.wake();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use quorum_proto::common::v1::Decimal as ProtoDecimal;
    use quorum_proto::market::v1 as market;
    use rust_decimal::dec;

    fn amount(value: &str) -> Option<ProtoDecimal> {
        Some(ProtoDecimal {
            value: value.into(),
        })
    }

    fn request() -> pb::CheckOrderRequest {
        pb::CheckOrderRequest {
            order: Some(pb::OrderIntent {
                account: "alice".into(),
                venue: market::Venue::Binance.into(),
                symbol: "BTC-USDT".into(),
                side: market::Side::Sell.into(),
                quantity: amount("0.5"),
                price: amount("42000"),
                client_order_id: "c-1".into(),
                origin: "strategy-7".into(),
            }),
        }
    }

    #[test]
    fn a_good_intent_is_read() {
        let intent = validate(&request()).unwrap();
        assert_eq!(intent.account, "alice");
        assert_eq!(intent.venue, Some(Venue::Binance));
        assert_eq!(intent.order.side, Side::Sell);
        assert_eq!(intent.order.signed_quantity(), dec!(-0.5));
    }

    #[test]
    fn every_bad_field_is_named() {
        let mut request = request();
        let order = request.order.as_mut().unwrap();
        order.account = " ".into();
        order.symbol = "btc".into();
        order.side = 0;
        order.quantity = amount("0");
        order.price = None;
        let status = validate(&request).unwrap_err();
        assert_eq!(status.code(), tonic::Code::InvalidArgument);
        for field in [
            "order.account",
            "order.symbol",
            "order.side",
            "order.quantity",
            "order.price",
        ] {
            assert!(status.message().contains(field), "{field}: {status:?}");
        }
        let status = validate(&pb::CheckOrderRequest { order: None }).unwrap_err();
        assert!(status.message().starts_with("order:"), "{status:?}");
    }

    #[test]
    fn the_utc_day_starts_at_midnight() {
        let noon = DateTime::from_timestamp_millis(1_700_049_600_000).unwrap();
        assert_eq!(day_start_ms(noon), 1_700_006_400_000);
        assert!(account_problem("x".repeat(129).as_str()).is_some());
        assert_eq!(account_problem("desk-1"), None);
    }
}
