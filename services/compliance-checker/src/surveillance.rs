//! The surveillance report: stored fills and cancels of a range read back and searched
//! with the newest version of every enabled wash-trade and spoofing rule.
use std::collections::HashSet;

use quorum_proto::security::v1 as pb;
use sqlx::PgPool;

use crate::convert;
use crate::history::{self, Range};
use crate::report::{self, Finding, FindingKind};
use crate::rule_store;
use crate::rules::Spec;

/// Findings over `range` for `account` (or every account), oldest first.
pub async fn report(
    pool: &PgPool,
    range: Range,
    account: Option<&str>,
) -> Result<pb::GetSurveillanceReportResponse, sqlx::Error> {
    let rules = rule_store::newest(pool).await?;
    let fills = history::fills_in(pool, range, account).await?;
    let cancels = history::cancels_in(pool, range, account).await?;
    let orders_examined = history::orders_examined(pool, range, account).await?;
    let mut findings: Vec<Finding> = Vec::new();
    for rule in rules.iter().filter(|rule| rule.enabled) {
        match &rule.spec {
            Spec::WashTrade { window_ms } => {
                findings.extend(report::wash_trades(&fills, *window_ms, &rule.label()));
            }
            Spec::Spoofing(limits) => {
                findings.extend(report::spoofing(&cancels, limits, &rule.label()));
            }
            _ => {}
        }
    }
    let findings = distinct(findings);
    Ok(pb::GetSurveillanceReportResponse {
        findings: findings.into_iter().map(convert::finding).collect(),
        orders_examined,
        fills_examined: fills.len() as u64,
    })
}

/// Keeps the first of findings naming the same kind, account and orders (several rules
/// of one kind find the same things), ordered by time.
fn distinct(mut findings: Vec<Finding>) -> Vec<Finding> {
    let mut seen: HashSet<(FindingKind, String, Vec<String>)> = HashSet::new();
    findings.retain(|finding| {
        seen.insert((
            finding.kind,
            finding.account.clone(),
            finding.order_ids.clone(),
        ))
    });
    findings.sort_by(|a, b| {
        (a.at_ms, a.kind, &a.account, &a.order_ids).cmp(&(
            b.at_ms,
            b.kind,
            &b.account,
            &b.order_ids,
        ))
    });
    findings
}
