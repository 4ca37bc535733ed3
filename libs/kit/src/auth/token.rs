//! Compact JWTs signed with Ed25519 (JWS alg `EdDSA`): issuing and verifying.
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};

/// Issuer written into and required from every Quorum token.
pub const ISSUER: &str = "quorum-auth";
/// Clock skew tolerated when checking `exp` and `nbf`, in seconds.
pub const LEEWAY_SECONDS: i64 = 30;

/// What a token says about its bearer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    /// Principal id.
    pub sub: String,
    /// Human-readable principal name (user name, service name).
    pub name: String,
    /// "user", "service_account" or "service".
    pub kind: String,
    #[serde(default)]
    pub roles: Vec<String>,
    #[serde(default)]
    pub scopes: Vec<String>,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    pub jti: String,
}

impl Claims {
    pub fn has_role(&self, role: &str) -> bool {
        self.roles.iter().any(|held| held == role)
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct Header {
    alg: String,
    typ: String,
    kid: String,
}

/// Why a token was refused. Messages are safe to return to the caller.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("token is not a well-formed JWT")]
    Malformed,
    #[error("token algorithm must be EdDSA")]
    WrongAlgorithm,
    #[error("token signed with unknown key id {0}")]
    UnknownKey(String),
    #[error("token signature is invalid")]
    BadSignature,
    #[error("token has expired")]
    Expired,
    #[error("token is not valid yet")]
    NotYetValid,
    #[error("token issuer is not {ISSUER}")]
    WrongIssuer,
}

/// Key id of a verifying key: base64url of the first 12 bytes of SHA-256 of the key.
pub fn key_id(key: &VerifyingKey) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(key.as_bytes());
    B64.encode(&digest[..12])
}

/// Signs claims into a compact JWT carrying `kid` in its header.
pub fn sign(key: &SigningKey, kid: &str, claims: &Claims) -> String {
    let header = Header {
        alg: "EdDSA".into(),
        typ: "JWT".into(),
        kid: kid.into(),
    };
    // Serializing these plain structs cannot fail.
    let header_json = serde_json::to_vec(&header).unwrap_or_default();
    let claims_json = serde_json::to_vec(claims).unwrap_or_default();
    let signing_input = format!("{}.{}", B64.encode(header_json), B64.encode(claims_json));
    let signature = key.sign(signing_input.as_bytes());
    format!("{signing_input}.{}", B64.encode(signature.to_bytes()))
}

/// The `kid` from a token's header, without verifying anything.
pub fn peek_key_id(token: &str) -> Result<String, TokenError> {
    let header_part = token.split('.').next().ok_or(TokenError::Malformed)?;
    let header: Header = decode_json(header_part)?;
    Ok(header.kid)
}

/// Verifies signature, algorithm, issuer and validity window at `now_unix` seconds.
pub fn verify(token: &str, key: &VerifyingKey, now_unix: i64) -> Result<Claims, TokenError> {
    let mut parts = token.split('.');
    let (Some(header_part), Some(claims_part), Some(signature_part), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(TokenError::Malformed);
    };
    let header: Header = decode_json(header_part)?;
    if header.alg != "EdDSA" {
        return Err(TokenError::WrongAlgorithm);
    }
    let signature_bytes = B64
        .decode(signature_part)
        .map_err(|_| TokenError::Malformed)?;
    let signature =
        Signature::from_slice(&signature_bytes).map_err(|_| TokenError::BadSignature)?;
    let signing_input = &token[..header_part.len() + 1 + claims_part.len()];
    key.verify(signing_input.as_bytes(), &signature)
        .map_err(|_| TokenError::BadSignature)?;
    let claims: Claims = decode_json(claims_part)?;
    if claims.iss != ISSUER {
        return Err(TokenError::WrongIssuer);
    }
    if claims.exp + LEEWAY_SECONDS <= now_unix {
        return Err(TokenError::Expired);
    }
    if claims.nbf - LEEWAY_SECONDS > now_unix {
        return Err(TokenError::NotYetValid);
    }
    Ok(claims)
}

fn decode_json<T: serde::de::DeserializeOwned>(part: &str) -> Result<T, TokenError> {
    let bytes = B64.decode(part).map_err(|_| TokenError::Malformed)?;
    serde_json::from_slice(&bytes).map_err(|_| TokenError::Malformed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(now: i64) -> Claims {
        Claims {
            iss: ISSUER.into(),
            sub: "u-1".into(),
            name: "alice".into(),
            kind: "user".into(),
            roles: vec!["trader".into()],
            scopes: vec![],
            iat: now,
            nbf: now,
            exp: now + 900,
            jti: "j-1".into(),
        }
    }

    fn key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&[seed; 32])
    }

    #[test]
    fn round_trip_keeps_claims_and_kid() {
        let signing = key(7);
        let kid = key_id(&signing.verifying_key());
        let token = sign(&signing, &kid, &claims(1_000));
        assert_eq!(peek_key_id(&token).unwrap(), kid);
        assert_eq!(
            verify(&token, &signing.verifying_key(), 1_100).unwrap(),
            claims(1_000)
        );
    }

    #[test]
    fn other_key_is_refused() {
        let token = sign(&key(7), "k", &claims(1_000));
        assert_eq!(
            verify(&token, &key(8).verifying_key(), 1_100),
            Err(TokenError::BadSignature)
        );
    }

    #[test]
    fn tampered_claims_are_refused() {
        let signing = key(7);
        let token = sign(&signing, "k", &claims(1_000));
        let mut forged = claims(1_000);
        forged.roles = vec!["admin".into()];
        let forged_part = B64.encode(serde_json::to_vec(&forged).unwrap());
        let parts: Vec<&str> = token.split('.').collect();
        let tampered = format!("{}.{}.{}", parts[0], forged_part, parts[2]);
        assert_eq!(
            verify(&tampered, &signing.verifying_key(), 1_100),
            Err(TokenError::BadSignature)
        );
    }

    #[test]
    fn expiry_and_not_before_are_enforced_with_leeway() {
        let signing = key(7);
        let token = sign(&signing, "k", &claims(1_000));
        let verifying = signing.verifying_key();
        assert!(verify(&token, &verifying, 1_900 + LEEWAY_SECONDS - 1).is_ok());
        assert_eq!(
            verify(&token, &verifying, 1_900 + LEEWAY_SECONDS),
            Err(TokenError::Expired)
        );
        assert_eq!(
            verify(&token, &verifying, 1_000 - LEEWAY_SECONDS - 1),
            Err(TokenError::NotYetValid)
        );
    }

    #[test]
    fn garbage_is_malformed_not_a_panic() {
        let verifying = key(7).verifying_key();
        for input in ["", "a", "a.b", "a.b.c", "a.b.c.d", "....", "é.é.é"] {
            assert!(verify(input, &verifying, 0).is_err(), "{input}");
        }
    }

    #[test]
    fn wrong_issuer_is_refused() {
        let signing = key(7);
        let mut other = claims(1_000);
        other.iss = "someone-else".into();
        let token = sign(&signing, "k", &other);
        assert_eq!(
            verify(&token, &signing.verifying_key(), 1_100),
            Err(TokenError::WrongIssuer)
        );
    }
}
