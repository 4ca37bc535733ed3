//! Rules in Postgres: every change is a new version; versions are never changed.
use std::collections::BTreeMap;

use sqlx::{PgConnection, PgPool};

use crate::rules::{Kind, Rule, Spec};

/// A rule version to write.
#[derive(Debug, Clone)]
pub struct NewRule {
    pub id: String,
    /// 0: the next version; otherwise it must be the next version (newest + 1).
    pub expected_version: u32,
    pub enabled: bool,
    pub spec: Spec,
    pub description: String,
}

/// Why a version was not written.
#[derive(Debug, thiserror::Error)]
pub enum PutError {
    #[error("rule {id} is a {} rule; a new version must keep its kind", stored.to_proto().as_str_name())]
    KindChanged { id: String, stored: Kind },
    #[error("rule {id} is at version {newest}; the next version is {}, not {asked}", newest + 1)]
    VersionConflict { id: String, newest: u32, asked: u32 },
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}

const COLUMNS: &str =
    "rule_id, version, kind, enabled, parameters, description, changed_by, changed_at_ms";

type RuleRow = (
    String,
    i32,
    String,
    bool,
    serde_json::Value,
    String,
    String,
    i64,
);

/// The newest version of every rule, by id.
pub async fn newest(pool: &PgPool) -> Result<Vec<Rule>, sqlx::Error> {
    let rows: Vec<RuleRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT DISTINCT ON (rule_id) {COLUMNS} FROM rules ORDER BY rule_id, version DESC"
    )))
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(rule).collect()
}

/// Every version of every rule, by id then version.
pub async fn all(pool: &PgPool) -> Result<Vec<Rule>, sqlx::Error> {
    let rows: Vec<RuleRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM rules ORDER BY rule_id, version"
    )))
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(rule).collect()
}

/// Writes the next version of `new.id` in the caller's transaction.
pub async fn put(
    connection: &mut PgConnection,
    new: &NewRule,
    changed_by: &str,
    now_ms: i64,
) -> Result<Rule, PutError> {
    // One writer per rule id at a time, so two changes never take the same version.
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('compliance-rule:' || $1))")
        .bind(&new.id)
        .execute(&mut *connection)
        .await?;
    let newest: Option<(i32, String)> = sqlx::query_as(
        "SELECT version, kind FROM rules WHERE rule_id = $1 ORDER BY version DESC LIMIT 1",
    )
    .bind(&new.id)
    .fetch_optional(&mut *connection)
    .await?;
    let newest_version = match newest {
        Some((version, kind)) => {
            let stored = parse_kind(&kind)?;
            if stored != new.spec.kind() {
                return Err(PutError::KindChanged {
                    id: new.id.clone(),
                    stored,
                });
            }
            u32::try_from(version).unwrap_or(0)
        }
        None => 0,
    };
    if new.expected_version != 0 && new.expected_version != newest_version + 1 {
        return Err(PutError::VersionConflict {
            id: new.id.clone(),
            newest: newest_version,
            asked: new.expected_version,
        });
    }
    let version = newest_version + 1;
    let parameters: serde_json::Map<String, serde_json::Value> = new
        .spec
        .parameters()
        .into_iter()
        .map(|(name, value)| (name, serde_json::Value::String(value)))
        .collect();
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO rules ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
    )))
    .bind(&new.id)
    .bind(i32::try_from(version).unwrap_or(i32::MAX))
    .bind(new.spec.kind().as_str())
    .bind(new.enabled)
    .bind(serde_json::Value::Object(parameters))
    .bind(&new.description)
    .bind(changed_by)
    .bind(now_ms)
    .execute(&mut *connection)
    .await?;
    Ok(Rule {
        id: new.id.clone(),
        version,
        enabled: new.enabled,
        spec: new.spec.clone(),
        description: new.description.clone(),
        changed_by: changed_by.to_string(),
        changed_at_ms: now_ms,
    })
}

fn parse_kind(text: &str) -> Result<Kind, sqlx::Error> {
    Kind::parse(text)
        .ok_or_else(|| sqlx::Error::Decode(format!("unknown rule kind '{text}'").into()))
}

/// A stored row as a rule; stored parameters that no longer parse are a decode error.
fn rule(row: RuleRow) -> Result<Rule, sqlx::Error> {
    let (id, version, kind, enabled, parameters, description, changed_by, changed_at_ms) = row;
    let kind = parse_kind(&kind)?;
    let parameters: BTreeMap<String, String> = parameters
        .as_object()
        .into_iter()
        .flatten()
        .map(|(name, value)| {
            let text = value
                .as_str()
                .map_or_else(|| value.to_string(), str::to_string);
            (name.clone(), text)
        })
        .collect();
    let spec = Spec::parse(kind, &parameters).map_err(|problems| {
        sqlx::Error::Decode(
            format!("rule {id}@{version} has bad stored parameters: {problems:?}").into(),
        )
    })?;
    Ok(Rule {
        id,
        version: u32::try_from(version).unwrap_or(0),
        enabled,
        spec,
        description,
        changed_by,
        changed_at_ms,
    })
}
