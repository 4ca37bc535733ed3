//! Requests read and validated into the service's types (bad fields are INVALID_ARGUMENT
//! naming the field), and the service's types written back as protobuf.
use std::collections::BTreeMap;

use quorum_domain::convert::{self as domain, FieldProblem};
use quorum_kit::errors::{FieldErrors, invalid_field};
use quorum_proto::common::v1 as common;
use quorum_proto::security::v1 as pb;
use quorum_proto::trading::v1::OrderIntent;
use tonic::Status;

use crate::accounts::{AccountStatus, Standing};
use crate::evaluate::{Evaluation, Intent};
use crate::history::Range;
use crate::report::{Finding, FindingKind};
use crate::rule_store::NewRule;
use crate::rules::{self, Kind, Rule, Spec};

/// Longest account name.
pub const MAX_ACCOUNT_LENGTH: usize = 128;
/// Longest rule description, and longest status reason.
pub const MAX_TEXT_LENGTH: usize = 1000;

/// The order of a CheckOrder request.
pub fn intent(order: Option<&OrderIntent>) -> Result<Intent, Status> {
    let order = order.ok_or_else(|| invalid_field("order", "is required"))?;
    let mut errors = FieldErrors::new();
    check_account(&mut errors, "order.account", &order.account);
    let venue = problem(&mut errors, domain::parse_venue("order.venue", order.venue));
    let symbol = problem(
        &mut errors,
        domain::parse_symbol("order.symbol", &order.symbol),
    );
    let side = problem(&mut errors, domain::parse_side("order.side", order.side));
    let quantity = positive(&mut errors, "order.quantity", order.quantity.as_ref());
    let price = positive(&mut errors, "order.price", order.price.as_ref());
    let notional = match (quantity, price) {
        (Some(quantity), Some(price)) => {
            let notional = quantity.checked_mul(price);
            if notional.is_none() {
                errors.add(
                    "order.quantity",
                    "price x quantity is too large for a decimal",
                );
            }
            notional
        }
        _ => None,
    };
    errors.into_result()?;
    match (venue, symbol, side, quantity, price, notional) {
        (Some(venue), Some(symbol), Some(side), Some(quantity), Some(price), Some(notional)) => {
            Ok(Intent {
                account: order.account.trim().to_string(),
                venue,
                symbol,
                side,
                quantity,
                price,
                notional,
                client_order_id: order.client_order_id.clone(),
                origin: order.origin.clone(),
            })
        }
        _ => Err(invalid_field("order", "is not a valid order intent")),
    }
}

/// The rule of a PutRule request.
pub fn new_rule(rule: Option<&pb::Rule>) -> Result<NewRule, Status> {
    let rule = rule.ok_or_else(|| invalid_field("rule", "is required"))?;
    let mut errors = FieldErrors::new();
    if let Some(problem) = rules::id_problem(&rule.id) {
        errors.add("rule.id", problem);
    }
    if rule.description.chars().count() > MAX_TEXT_LENGTH {
        errors.add(
            "rule.description",
            format!("must be at most {MAX_TEXT_LENGTH} characters"),
        );
    }
    let spec = match Kind::from_proto(rule.kind) {
        None => {
            errors.add(
                "rule.kind",
                "is required: RULE_KIND_RESTRICTED_SYMBOLS, RULE_KIND_ACCOUNT_LIMITS, RULE_KIND_WASH_TRADE, RULE_KIND_SPOOFING or RULE_KIND_ACCOUNT_STATUS",
            );
            None
        }
        Some(kind) => {
            let parameters: BTreeMap<String, String> = rule
                .parameters
                .iter()
                .map(|(name, value)| (name.clone(), value.clone()))
                .collect();
            match Spec::parse(kind, &parameters) {
                Ok(spec) => Some(spec),
                Err(problems) => {
                    for (name, problem) in problems {
                        errors.add(&format!("rule.parameters.{name}"), problem);
                    }
                    None
                }
            }
        }
    };
    errors.into_result()?;
    let spec = spec.ok_or_else(|| invalid_field("rule.kind", "is required"))?;
    Ok(NewRule {
        id: rule.id.clone(),
        expected_version: rule.version,
        enabled: rule.enabled,
        spec,
        description: rule.description.trim().to_string(),
    })
}

/// The account and new standing of a SetAccountStatus request.
pub fn account_status(request: &pb::SetAccountStatusRequest) -> Result<(String, Standing), Status> {
    let mut errors = FieldErrors::new();
    check_account(&mut errors, "account", &request.account);
    let status = AccountStatus::from_proto(request.status);
    if status.is_none() {
        errors.add(
            "status",
            "is required: ACCOUNT_STATUS_ACTIVE, ACCOUNT_STATUS_SUSPENDED or ACCOUNT_STATUS_CLOSED",
        );
    }
    let reason = request.reason.trim().to_string();
    if reason.chars().count() > MAX_TEXT_LENGTH {
        errors.add(
            "reason",
            format!("must be at most {MAX_TEXT_LENGTH} characters"),
        );
    }
    if reason.is_empty()
        && matches!(
            status,
            Some(AccountStatus::Suspended | AccountStatus::Closed)
        )
    {
        errors.add("reason", "is required to suspend or close an account");
    }
    errors.into_result()?;
    let status = status.ok_or_else(|| invalid_field("status", "is required"))?;
    Ok((
        request.account.trim().to_string(),
        Standing { status, reason },
    ))
}

/// The account of a GetAccountStatus request.
pub fn account(field: &str, account: &str) -> Result<String, Status> {
    let mut errors = FieldErrors::new();
    check_account(&mut errors, field, account);
    errors.into_result()?;
    Ok(account.trim().to_string())
}

/// The range and account filter of a GetSurveillanceReport request.
pub fn report_request(
    request: &pb::GetSurveillanceReportRequest,
    max_range_ms: i64,
) -> Result<(Range, Option<String>), Status> {
    let range = request
        .range
        .ok_or_else(|| invalid_field("range", "is required: from_unix_ms and to_unix_ms"))?;
    let mut errors = FieldErrors::new();
    if range.from_unix_ms < 0 {
        errors.add("range.from_unix_ms", "must not be negative");
    }
    if range.from_unix_ms > range.to_unix_ms {
        errors.add(
            "range.from_unix_ms",
            format!(
                "{} is after range.to_unix_ms {}",
                range.from_unix_ms, range.to_unix_ms
            ),
        );
    } else if range.to_unix_ms - range.from_unix_ms > max_range_ms {
        errors.add("range", format!("must span at most {max_range_ms} ms"));
    }
    let account = request.account.trim();
    if !account.is_empty() {
        check_account(&mut errors, "account", account);
    }
    errors.into_result()?;
    let filter = (!account.is_empty()).then(|| account.to_string());
    Ok((
        Range {
            from_ms: range.from_unix_ms,
            to_ms: range.to_unix_ms,
        },
        filter,
    ))
}

pub fn rule(rule: &Rule) -> pb::Rule {
    pb::Rule {
        id: rule.id.clone(),
        version: rule.version,
        kind: rule.spec.kind().to_proto() as i32,
        enabled: rule.enabled,
        parameters: rule.spec.parameters().into_iter().collect(),
        description: rule.description.clone(),
        changed_by: rule.changed_by.clone(),
        changed_unix_ms: rule.changed_at_ms,
    }
}

pub fn check_response(evaluation: Evaluation, check_id: String) -> pb::CheckOrderResponse {
    pb::CheckOrderResponse {
        passed: evaluation.passed(),
        violations: evaluation
            .violations
            .into_iter()
            .map(|violation| pb::Violation {
                rule_id: violation.rule_id,
                rule_version: violation.rule_version,
                kind: violation.kind.to_proto() as i32,
                message: violation.message,
            })
            .collect(),
        evaluated: evaluation.evaluated,
        check_id,
    }
}

pub fn finding(finding: Finding) -> pb::Finding {
    let kind = match finding.kind {
        FindingKind::WashTrade => pb::FindingKind::WashTrade,
        FindingKind::Spoofing => pb::FindingKind::Spoofing,
    };
    pb::Finding {
        kind: kind as i32,
        account: finding.account,
        symbol: finding.symbol,
        order_ids: finding.order_ids,
        description: finding.description,
        at_unix_ms: finding.at_ms,
    }
}

fn check_account(errors: &mut FieldErrors, field: &str, account: &str) {
    let account = account.trim();
    if account.is_empty() {
        errors.add(field, "is required");
    } else if account.len() > MAX_ACCOUNT_LENGTH || account.chars().any(char::is_control) {
        errors.add(
            field,
            format!("must be at most {MAX_ACCOUNT_LENGTH} bytes without control characters"),
        );
    }
}

fn problem<T>(errors: &mut FieldErrors, parsed: Result<T, FieldProblem>) -> Option<T> {
    match parsed {
        Ok(value) => Some(value),
        Err(problem) => {
            errors.add(&problem.field, problem.problem);
            None
        }
    }
}

fn positive(
    errors: &mut FieldErrors,
    field: &str,
    value: Option<&common::Decimal>,
) -> Option<quorum_domain::Decimal> {
    let value = problem(errors, domain::parse_decimal(field, value))?;
    if value <= quorum_domain::Decimal::ZERO {
        errors.add(field, format!("must be greater than 0, not {value}"));
        return None;
    }
    Some(value)
}
