//! A fresh database per test on the shared test Postgres.
use sqlx::{Connection, PgConnection};

/// Admin URL of the test server; `scripts/test.sh` creates this user.
pub const DEFAULT_ADMIN_URL: &str = "postgres://quorum:quorum@127.0.0.1:5432/postgres";

/// A database made for one test. Named `qt_<uuid>`; `scripts/test.sh` drops old ones.
#[derive(Debug, Clone)]
pub struct TestDatabase {
    pub name: String,
    pub url: String,
}

impl TestDatabase {
    /// Creates the database. Panics with how to start Postgres when it is not reachable.
    pub async fn create() -> Self {
        let admin_url = std::env::var("QUORUM_TEST_DATABASE_URL")
            .unwrap_or_else(|_| DEFAULT_ADMIN_URL.to_string());
        let mut admin = PgConnection::connect(&admin_url).await.unwrap_or_else(|error| {
            panic!(
                "test Postgres at {admin_url} is not reachable ({error}). \
                 Run scripts/test.sh, which installs and starts it, or set QUORUM_TEST_DATABASE_URL."
            )
        });
        let name = format!("qt_{}", uuid::Uuid::new_v4().simple());
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut admin)
            .await
            .unwrap_or_else(|error| panic!("cannot create test database {name}: {error}"));
        let _ = admin.close().await;
        let url = replace_database(&admin_url, &name);
        Self { name, url }
    }
}

fn replace_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let prefix = match base.rfind('/') {
        Some(slash) if slash > "postgres://".len() => &base[..slash],
        _ => base,
    };
    match query {
        Some(query) => format!("{prefix}/{name}?{query}"),
        None => format!("{prefix}/{name}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_name_is_swapped() {
        assert_eq!(
            replace_database("postgres://u:p@h:5432/postgres", "qt_1"),
            "postgres://u:p@h:5432/qt_1"
        );
        assert_eq!(
            replace_database("postgres://u:p@h/postgres?sslmode=disable", "qt_1"),
            "postgres://u:p@h/qt_1?sslmode=disable"
        );
    }
}
