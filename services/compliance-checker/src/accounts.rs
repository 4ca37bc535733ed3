//! Account statuses: ACTIVE, SUSPENDED or CLOSED. An account never set is ACTIVE.
use quorum_proto::security::v1 as pb;
use sqlx::{PgConnection, PgPool};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountStatus {
    Active,
    Suspended,
    Closed,
}

impl AccountStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AccountStatus::Active => "active",
            AccountStatus::Suspended => "suspended",
            AccountStatus::Closed => "closed",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "active" => Some(AccountStatus::Active),
            "suspended" => Some(AccountStatus::Suspended),
            "closed" => Some(AccountStatus::Closed),
            _ => None,
        }
    }

    /// The status a wire value names; `None` for UNSPECIFIED and unknown values.
    pub fn from_proto(value: i32) -> Option<Self> {
        match pb::AccountStatus::try_from(value).ok()? {
            pb::AccountStatus::Unspecified => None,
            pb::AccountStatus::Active => Some(AccountStatus::Active),
            pb::AccountStatus::Suspended => Some(AccountStatus::Suspended),
            pb::AccountStatus::Closed => Some(AccountStatus::Closed),
        }
    }

    pub fn to_proto(self) -> pb::AccountStatus {
        match self {
            AccountStatus::Active => pb::AccountStatus::Active,
            AccountStatus::Suspended => pb::AccountStatus::Suspended,
            AccountStatus::Closed => pb::AccountStatus::Closed,
        }
    }
}

/// An account's status and the reason given when it was set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Standing {
    pub status: AccountStatus,
    pub reason: String,
}

impl Standing {
    /// What an account nobody has set a status for has.
    pub fn default_active() -> Self {
        Self {
            status: AccountStatus::Active,
            reason: String::new(),
        }
    }
}

/// The account's standing; ACTIVE when none was ever set.
pub async fn get(pool: &PgPool, account: &str) -> Result<Standing, sqlx::Error> {
    let row: Option<(String, String)> =
        sqlx::query_as("SELECT status, reason FROM account_statuses WHERE account = $1")
            .bind(account)
            .fetch_optional(pool)
            .await?;
    row.map_or_else(|| Ok(Standing::default_active()), standing)
}

/// Sets the account's standing in the caller's transaction; returns the previous one.
pub async fn set(
    connection: &mut PgConnection,
    account: &str,
    new: &Standing,
    changed_by: &str,
    now_ms: i64,
) -> Result<Standing, sqlx::Error> {
    // Serializes concurrent changes of one account, including its first.
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('compliance-account:' || $1))")
        .bind(account)
        .execute(&mut *connection)
        .await?;
    let previous: Option<(String, String)> =
        sqlx::query_as("SELECT status, reason FROM account_statuses WHERE account = $1")
            .bind(account)
            .fetch_optional(&mut *connection)
            .await?;
    let previous = previous.map_or_else(|| Ok(Standing::default_active()), standing)?;
    sqlx::query(
        "INSERT INTO account_statuses (account, status, reason, changed_by, changed_at_ms) \
         VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (account) DO UPDATE SET status = EXCLUDED.status, reason = EXCLUDED.reason, \
             changed_by = EXCLUDED.changed_by, changed_at_ms = EXCLUDED.changed_at_ms",
    )
    .bind(account)
    .bind(new.status.as_str())
    .bind(&new.reason)
    .bind(changed_by)
    .bind(now_ms)
    .execute(&mut *connection)
    .await?;
    Ok(previous)
}

fn standing((status, reason): (String, String)) -> Result<Standing, sqlx::Error> {
    let status = AccountStatus::parse(&status)
        .ok_or_else(|| sqlx::Error::Decode(format!("unknown account status '{status}'").into()))?;
    Ok(Standing { status, reason })
}
