//! Stored rows to protobuf messages, and the checks on names and roles shared by handlers.
use chrono::{DateTime, Utc};
use quorum_kit::errors::FieldErrors;
use quorum_proto::auth::v1 as pb;

use crate::store::{ApiKey, Principal};

/// Roles a principal may hold.
pub const KNOWN_ROLES: &[&str] = &["admin", "trader", "viewer", "auditor", "service"];

pub fn millis(time: Option<DateTime<Utc>>) -> i64 {
    time.map_or(0, |time| time.timestamp_millis())
}

pub fn principal(row: &Principal) -> pb::Principal {
    let kind = match row.kind.as_str() {
        "service_account" => pb::PrincipalKind::ServiceAccount,
        _ => pb::PrincipalKind::User,
    };
    pb::Principal {
        id: row.id.to_string(),
        name: row.name.clone(),
        kind: kind as i32,
        roles: row.roles.clone(),
        disabled: row.disabled,
        locked_until_unix_ms: millis(row.locked_until.filter(|until| *until > Utc::now())),
        created_at_unix_ms: row.created_at.timestamp_millis(),
    }
}

pub fn api_key(row: &ApiKey) -> pb::ApiKeyInfo {
    pb::ApiKeyInfo {
        id: row.id.to_string(),
        prefix: row.prefix.clone(),
        owner: row.owner.clone(),
        scopes: row.scopes.clone(),
        created_at_unix_ms: row.created_at.timestamp_millis(),
        expires_at_unix_ms: millis(row.expires_at),
        revoked: row.revoked_at.is_some(),
        last_used_unix_ms: millis(row.last_used_at),
    }
}

/// Principal names: 3 to 64 of lowercase letters, digits, '.', '_' and '-'.
pub fn check_name(errors: &mut FieldErrors, field: &str, name: &str) {
    let valid_chars = name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'));
    errors.check(
        (3..=64).contains(&name.len()) && valid_chars,
        field,
        "must be 3 to 64 characters of a-z, 0-9, '.', '_' or '-'",
    );
}

/// Roles must be known; none given means `viewer`.
pub fn checked_roles(errors: &mut FieldErrors, roles: &[String]) -> Vec<String> {
    for (index, role) in roles.iter().enumerate() {
        if !KNOWN_ROLES.contains(&role.as_str()) {
            errors.add(
                &format!("roles[{index}]"),
                format!(
                    "unknown role {role:?}; known roles: {}",
                    KNOWN_ROLES.join(", ")
                ),
            );
        }
    }
    let mut roles = if roles.is_empty() {
        vec!["viewer".to_string()]
    } else {
        roles.to_vec()
    };
    roles.sort();
    roles.dedup();
    roles
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_roles_are_checked() {
        let mut errors = FieldErrors::new();
        check_name(&mut errors, "username", "alice");
        assert!(errors.is_empty());
        check_name(&mut errors, "username", "Al");
        check_name(&mut errors, "username", "bob smith");
        let roles = checked_roles(&mut errors, &["trader".into(), "root".into()]);
        assert_eq!(roles, vec!["root".to_string(), "trader".to_string()]);
        let status = errors.into_result().unwrap_err();
        assert!(
            status.message().contains("roles[1]"),
            "{}",
            status.message()
        );
        let mut none = FieldErrors::new();
        assert_eq!(checked_roles(&mut none, &[]), vec!["viewer".to_string()]);
    }
}
