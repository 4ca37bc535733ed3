//! Administration rights, bad input, and signing-key rotation.
use quorum_proto::auth::v1::*;
use tonic::Code;

use crate::harness::{Harness, authed};

#[tokio::test]
async fn administration_needs_a_token_and_the_admin_role() {
    let harness = Harness::start().await;
    let request = CreateUserRequest {
        username: "dave".into(),
        password: "dave password 1".into(),
        roles: vec![],
    };
    let anonymous = harness
        .client()
        .create_user(request.clone())
        .await
        .unwrap_err();
    assert_eq!(anonymous.code(), Code::Unauthenticated);

    let admin = harness.admin_token().await;
    let viewer = harness
        .client()
        .create_user(authed(request.clone(), &admin))
        .await
        .unwrap()
        .into_inner()
        .user
        .unwrap();
    assert_eq!(viewer.roles, vec!["viewer".to_string()]);
    let dave = harness
        .login("dave", "dave password 1")
        .await
        .unwrap()
        .access_token;
    let denied = harness
        .client()
        .create_user(authed(
            CreateUserRequest {
                username: "eve".into(),
                password: "eve password 12".into(),
                roles: vec![],
            },
            &dave,
        ))
        .await
        .unwrap_err();
    assert_eq!(denied.code(), Code::PermissionDenied);

    let duplicate = harness
        .client()
        .create_user(authed(request, &admin))
        .await
        .unwrap_err();
    assert_eq!(duplicate.code(), Code::AlreadyExists);

    let garbage = harness
        .client()
        .who_am_i(authed(WhoAmIRequest {}, "not.a.token"))
        .await
        .unwrap_err();
    assert_eq!(garbage.code(), Code::Unauthenticated);
}

#[tokio::test]
async fn bad_input_names_every_field() {
    let harness = Harness::start().await;
    let admin = harness.admin_token().await;
    let error = harness
        .client()
        .create_user(authed(
            CreateUserRequest {
                username: "A".into(),
                password: "short".into(),
                roles: vec!["root".into()],
            },
            &admin,
        ))
        .await
        .unwrap_err();
    assert_eq!(error.code(), Code::InvalidArgument);
    for field in ["username", "password", "roles[0]"] {
        assert!(
            error.message().contains(field),
            "{field} missing in {}",
            error.message()
        );
    }
    let bad_id = harness
        .client()
        .revoke_api_key(authed(RevokeApiKeyRequest { id: "42".into() }, &admin))
        .await
        .unwrap_err();
    assert_eq!(bad_id.code(), Code::InvalidArgument);
    let missing = harness
        .client()
        .set_user_disabled(authed(
            SetUserDisabledRequest {
                username: "ghost".into(),
                disabled: true,
            },
            &admin,
        ))
        .await
        .unwrap_err();
    assert_eq!(missing.code(), Code::NotFound);
    let negative = harness
        .client()
        .create_api_key(authed(
            CreateApiKeyRequest {
                owner: String::new(),
                scopes: vec![],
                ttl_seconds: -1,
            },
            &admin,
        ))
        .await
        .unwrap_err();
    assert_eq!(negative.code(), Code::InvalidArgument);
}

#[tokio::test]
async fn disabled_users_cannot_log_in_or_refresh() {
    let harness = Harness::start().await;
    let admin = harness.admin_token().await;
    harness
        .client()
        .create_user(authed(
            CreateUserRequest {
                username: "frank".into(),
                password: "frank password 1".into(),
                roles: vec!["trader".into()],
            },
            &admin,
        ))
        .await
        .unwrap();
    let tokens = harness.login("frank", "frank password 1").await.unwrap();
    harness
        .client()
        .set_user_disabled(authed(
            SetUserDisabledRequest {
                username: "frank".into(),
                disabled: true,
            },
            &admin,
        ))
        .await
        .unwrap();
    assert_eq!(
        harness
            .login("frank", "frank password 1")
            .await
            .unwrap_err()
            .code(),
        Code::PermissionDenied
    );
    let refresh = harness
        .client()
        .refresh(RefreshRequest {
            refresh_token: tokens.refresh_token,
        })
        .await
        .unwrap_err();
    assert_eq!(refresh.code(), Code::Unauthenticated);
    let own = harness
        .client()
        .set_user_disabled(authed(
            SetUserDisabledRequest {
                username: "admin".into(),
                disabled: true,
            },
            &admin,
        ))
        .await
        .unwrap_err();
    assert_eq!(own.code(), Code::FailedPrecondition);
}

#[tokio::test]
async fn rotation_keeps_old_tokens_valid_and_signs_new_ones_with_the_new_key() {
    let harness = Harness::start().await;
    let before = harness.admin_token().await;
    let rotated = harness
        .client()
        .rotate_signing_key(authed(RotateSigningKeyRequest {}, &before))
        .await
        .unwrap()
        .into_inner();
    let jwks = harness
        .client()
        .get_jwks(GetJwksRequest {})
        .await
        .unwrap()
        .into_inner();
    assert_eq!(jwks.keys.len(), 2);
    let after = harness.admin_token().await;
    assert_eq!(
        quorum_kit::auth::token::peek_key_id(&after).unwrap(),
        rotated.kid
    );
    assert_ne!(
        quorum_kit::auth::token::peek_key_id(&before).unwrap(),
        rotated.kid
    );
    for token in [before, after] {
        harness
            .client()
            .who_am_i(authed(WhoAmIRequest {}, &token))
            .await
            .unwrap();
    }
}
