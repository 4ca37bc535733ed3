//! Coinbase CDP API keys: the ES256 JSON Web Tokens that authenticate REST requests
//! (with a `uri` claim) and WebSocket subscriptions (without one).
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use p256::SecretKey;
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};
use p256::pkcs8::DecodePrivateKey;
use rand::RngCore;
use serde_json::json;

use crate::{Credentials, SignError};

/// How long a token is valid; the venue refuses longer ones.
pub const TOKEN_LIFETIME_SECONDS: i64 = 120;

/// A token for one REST request: `uri` is `"METHOD host/path"` (no query).
pub fn rest_token(
    credentials: &Credentials,
    method: &str,
    host: &str,
    path: &str,
    now_ms: i64,
) -> Result<String, SignError> {
    token(credentials, Some(format!("{method} {host}{path}")), now_ms)
}

/// A token for one WebSocket subscribe message (the venue wants a fresh one each time).
pub fn websocket_token(credentials: &Credentials, now_ms: i64) -> Result<String, SignError> {
    token(credentials, None, now_ms)
}

/// The EC P-256 private key of a CDP API key, from SEC1 ("EC PRIVATE KEY") or PKCS#8
/// ("PRIVATE KEY") PEM. Keys copied out of the venue's JSON download carry `\n`
/// escapes instead of line breaks; both forms are read.
pub fn signing_key(pem: &str) -> Result<SigningKey, SignError> {
    let pem = pem.trim().replace("\\n", "\n");
    let secret = if pem.contains("-----BEGIN EC PRIVATE KEY-----") {
        SecretKey::from_sec1_pem(&pem).map_err(|_| {
            SignError("the Coinbase secret is not a readable SEC1 EC P-256 private key".into())
        })?
    } else if pem.contains("-----BEGIN PRIVATE KEY-----") {
        SecretKey::from_pkcs8_pem(&pem).map_err(|_| {
            SignError("the Coinbase secret is not a readable PKCS#8 EC P-256 private key".into())
        })?
    } else {
        return Err(SignError(
            "the Coinbase secret must be the API key's EC private key in PEM \
             (-----BEGIN EC PRIVATE KEY----- or -----BEGIN PRIVATE KEY-----)"
                .into(),
        ));
    };
    Ok(SigningKey::from(secret))
}

fn token(credentials: &Credentials, uri: Option<String>, now_ms: i64) -> Result<String, SignError> {
    if credentials.key.is_empty() {
        return Err(SignError(
            "the Coinbase key name is empty; set it to organizations/<org>/apiKeys/<id>".into(),
        ));
    }
    let key = signing_key(&credentials.secret)?;
    let now = now_ms.div_euclid(1000);
    let header = json!({
        "alg": "ES256",
        "kid": credentials.key,
        "nonce": nonce(),
        "typ": "JWT",
    });
    let mut claims = json!({
        "iss": "cdp",
        "sub": credentials.key,
        "nbf": now,
        "exp": now + TOKEN_LIFETIME_SECONDS,
    });
    if let Some(uri) = uri {
        claims["uri"] = json!(uri);
    }
    let signing_input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    // JWS wants the raw 64-byte r || s form, not DER.
    let signature: Signature = key.sign(signing_input.as_bytes());
    Ok(format!(
        "{signing_input}.{}",
        URL_SAFE_NO_PAD.encode(signature.to_bytes())
    ))
}

/// 16 random bytes in hex: the venue refuses a token whose nonce it has seen.
fn nonce() -> String {
    let mut bytes = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut bytes);
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nonces_are_32_hex_digits_and_differ() {
        let (first, second) = (nonce(), nonce());
        assert_eq!(first.len(), 32);
        assert!(first.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(first, second);
    }

    #[test]
    fn a_secret_that_is_not_pem_is_refused_without_echoing_it() {
        let error = signing_key("hunter2-not-a-key").unwrap_err();
        assert!(error.0.contains("PEM"), "{error}");
        assert!(!error.0.contains("hunter2"), "{error}");
        let broken = "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----";
        assert!(signing_key(broken).is_err());
    }

    #[test]
    fn an_empty_key_name_is_refused() {
        let credentials = Credentials {
            key: String::new(),
            secret: String::new(),
            passphrase: String::new(),
        };
        assert!(
            websocket_token(&credentials, 0)
                .unwrap_err()
                .0
                .contains("key name")
        );
    }
}
