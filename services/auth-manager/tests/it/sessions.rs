//! Login, lockout, refresh rotation, API keys, password change, and the audit trail.
use quorum_proto::auth::v1::*;
use tonic::Code;

use crate::harness::{ADMIN_PASSWORD, Harness, audit_actions, authed, eventually};

async fn create_trader(harness: &Harness, name: &str, password: &str) {
    let admin = harness.admin_token().await;
    harness
        .client()
        .create_user(authed(
            CreateUserRequest {
                username: name.into(),
                password: password.into(),
                roles: vec!["trader".into()],
            },
            &admin,
        ))
        .await
        .unwrap();
}

#[tokio::test]
async fn repeated_failures_lock_the_account_until_an_admin_unlocks_it() {
    let harness = Harness::start().await;
    create_trader(&harness, "alice", "alice password 1").await;
    for _ in 0..3 {
        let error = harness.login("alice", "wrong password").await.unwrap_err();
        assert_eq!(error.code(), Code::Unauthenticated);
        assert_eq!(error.message(), "invalid username or password");
    }
    let locked = harness
        .login("alice", "alice password 1")
        .await
        .unwrap_err();
    assert_eq!(locked.code(), Code::Unauthenticated);
    assert!(locked.message().contains("locked"), "{}", locked.message());

    let admin = harness.admin_token().await;
    let unlocked = harness
        .client()
        .unlock_user(authed(
            UnlockUserRequest {
                username: "alice".into(),
            },
            &admin,
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(unlocked.user.unwrap().locked_until_unix_ms, 0);
    assert!(harness.login("alice", "alice password 1").await.is_ok());

    let redis_url = harness.redis.url.clone();
    eventually("lockout audit events on the bus", || {
        let redis_url = redis_url.clone();
        async move {
            let actions = audit_actions(&redis_url).await;
            actions.contains(&("auth.lockout".into(), "success".into()))
                && actions.contains(&("auth.unlock".into(), "success".into()))
                && actions
                    .iter()
                    .filter(|(action, outcome)| action == "auth.login" && outcome == "denied")
                    .count()
                    == 3
        }
    })
    .await;
}

#[tokio::test]
async fn unknown_users_get_the_same_answer_as_wrong_passwords() {
    let harness = Harness::start().await;
    let error = harness.login("nobody", "some password").await.unwrap_err();
    assert_eq!(error.code(), Code::Unauthenticated);
    assert_eq!(error.message(), "invalid username or password");
    let empty = harness.login("", "").await.unwrap_err();
    assert_eq!(empty.code(), Code::InvalidArgument);
}

#[tokio::test]
async fn refresh_rotates_and_a_reused_token_signs_every_session_out() {
    let harness = Harness::start().await;
    let first = harness.login("admin", ADMIN_PASSWORD).await.unwrap();
    let other_session = harness.login("admin", ADMIN_PASSWORD).await.unwrap();
    let second = harness
        .client()
        .refresh(RefreshRequest {
            refresh_token: first.refresh_token.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .tokens
        .unwrap();
    assert_ne!(second.refresh_token, first.refresh_token);

    let reused = harness
        .client()
        .refresh(RefreshRequest {
            refresh_token: first.refresh_token,
        })
        .await
        .unwrap_err();
    assert_eq!(reused.code(), Code::Unauthenticated);
    assert!(
        reused.message().contains("already used"),
        "{}",
        reused.message()
    );
    for token in [second.refresh_token, other_session.refresh_token] {
        let revoked = harness
            .client()
            .refresh(RefreshRequest {
                refresh_token: token,
            })
            .await
            .unwrap_err();
        assert_eq!(revoked.code(), Code::Unauthenticated);
    }
    let malformed = harness
        .client()
        .refresh(RefreshRequest {
            refresh_token: "abc".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(malformed.code(), Code::InvalidArgument);
}

#[tokio::test]
async fn logout_revokes_the_refresh_token() {
    let harness = Harness::start().await;
    let tokens = harness.login("admin", ADMIN_PASSWORD).await.unwrap();
    harness
        .client()
        .logout(LogoutRequest {
            refresh_token: tokens.refresh_token.clone(),
        })
        .await
        .unwrap();
    let error = harness
        .client()
        .refresh(RefreshRequest {
            refresh_token: tokens.refresh_token,
        })
        .await
        .unwrap_err();
    assert_eq!(error.code(), Code::Unauthenticated);
}

#[tokio::test]
async fn api_keys_log_in_until_revoked_and_are_stored_hashed() {
    let harness = Harness::start().await;
    create_trader(&harness, "bot-owner", "owner password 1").await;
    let owner = harness
        .login("bot-owner", "owner password 1")
        .await
        .unwrap()
        .access_token;
    let created = harness
        .client()
        .create_api_key(authed(
            CreateApiKeyRequest {
                owner: String::new(),
                scopes: vec!["read".into()],
                ttl_seconds: 0,
            },
            &owner,
        ))
        .await
        .unwrap()
        .into_inner();
    let info = created.info.unwrap();
    assert!(created.api_key.starts_with(&info.prefix));
    assert_eq!(info.owner, "bot-owner");

    let stored: Vec<String> = sqlx::query_scalar("SELECT key_hash FROM auth_manager.api_keys")
        .fetch_all(&sqlx::PgPool::connect(&harness.database.url).await.unwrap())
        .await
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert!(!stored[0].contains(&created.api_key[info.prefix.len()..]));

    let tokens = harness
        .client()
        .login_with_api_key(LoginWithApiKeyRequest {
            api_key: created.api_key.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .tokens
        .unwrap();
    assert!(tokens.refresh_token.is_empty());
    let me = harness
        .client()
        .who_am_i(authed(WhoAmIRequest {}, &tokens.access_token))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(me.name, "bot-owner");
    assert_eq!(me.scopes, vec!["read".to_string()]);

    let mut wrong = created.api_key.clone();
    wrong.push('x');
    let refused = harness
        .client()
        .login_with_api_key(LoginWithApiKeyRequest { api_key: wrong })
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::Unauthenticated);

    harness
        .client()
        .revoke_api_key(authed(
            RevokeApiKeyRequest {
                id: info.id.clone(),
            },
            &owner,
        ))
        .await
        .unwrap();
    let revoked = harness
        .client()
        .login_with_api_key(LoginWithApiKeyRequest {
            api_key: created.api_key,
        })
        .await
        .unwrap_err();
    assert_eq!(revoked.code(), Code::Unauthenticated);
    let listed = harness
        .client()
        .list_api_keys(authed(
            ListApiKeysRequest {
                owner: String::new(),
            },
            &owner,
        ))
        .await
        .unwrap()
        .into_inner();
    assert!(listed.keys[0].revoked);
}

#[tokio::test]
async fn changing_the_password_requires_the_current_one_and_ends_sessions() {
    let harness = Harness::start().await;
    create_trader(&harness, "carol", "carol password 1").await;
    let tokens = harness.login("carol", "carol password 1").await.unwrap();
    let wrong = harness
        .client()
        .change_password(authed(
            ChangePasswordRequest {
                current_password: "nope nope nope".into(),
                new_password: "carol password 2".into(),
            },
            &tokens.access_token,
        ))
        .await
        .unwrap_err();
    assert_eq!(wrong.code(), Code::Unauthenticated);
    let weak = harness
        .client()
        .change_password(authed(
            ChangePasswordRequest {
                current_password: "carol password 1".into(),
                new_password: "short".into(),
            },
            &tokens.access_token,
        ))
        .await
        .unwrap_err();
    assert_eq!(weak.code(), Code::InvalidArgument);
    harness
        .client()
        .change_password(authed(
            ChangePasswordRequest {
                current_password: "carol password 1".into(),
                new_password: "carol password 2".into(),
            },
            &tokens.access_token,
        ))
        .await
        .unwrap();
    assert!(harness.login("carol", "carol password 2").await.is_ok());
    assert_eq!(
        harness
            .login("carol", "carol password 1")
            .await
            .unwrap_err()
            .code(),
        Code::Unauthenticated
    );
    let ended = harness
        .client()
        .refresh(RefreshRequest {
            refresh_token: tokens.refresh_token,
        })
        .await
        .unwrap_err();
    assert_eq!(ended.code(), Code::Unauthenticated);
}

#[tokio::test]
async fn audit_events_survive_a_redis_outage() {
    let mut harness = Harness::start().await;
    harness.redis.kill();
    // Logins while the bus is down still succeed; their audit events wait in the outbox.
    for _ in 0..3 {
        harness.login("admin", ADMIN_PASSWORD).await.unwrap();
    }
    harness.redis.restart().await;
    let redis_url = harness.redis.url.clone();
    eventually("outbox relayed after Redis came back", || {
        let redis_url = redis_url.clone();
        async move {
            audit_actions(&redis_url)
                .await
                .iter()
                .filter(|(action, outcome)| action == "auth.login" && outcome == "success")
                .count()
                >= 3
        }
    })
    .await;
}
