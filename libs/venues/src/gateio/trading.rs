//! Gate.io v4 spot orders: HMAC-SHA512 signing, POST and DELETE /api/v4/spot/orders,
//! and reading the venue's answer.
use hmac::{Hmac, Mac};
use quorum_domain::{Decimal, Instrument, OrderType, Side, TimeInForce};
use sha2::{Digest, Sha512};

use super::wire::{self, OrderAnswer};
use crate::{Credentials, OrderRequest, ParseError, RestRequest, SignError, VenueOrderAck};

/// Prefix the venue requires on a client order id (`text`).
pub const CLIENT_ID_PREFIX: &str = "t-";

/// Adds `KEY`, `SIGN` and `Timestamp` (seconds): `SIGN` is the lowercase hex
/// HMAC-SHA512 of `METHOD\npath\nquery\nhex(SHA512(body))\ntimestamp`.
pub(super) fn sign(
    request: &mut RestRequest,
    credentials: &Credentials,
    now_ms: i64,
) -> Result<(), SignError> {
    if credentials.key.is_empty() || credentials.secret.is_empty() {
        return Err(SignError(
            "Gate.io requests need an API key and its secret".into(),
        ));
    }
    let timestamp = now_ms.div_euclid(1000).to_string();
    let sign = signature(&credentials.secret, request, &timestamp)?;
    request
        .headers
        .push(("KEY".into(), credentials.key.clone()));
    request.headers.push(("SIGN".into(), sign));
    request.headers.push(("Timestamp".into(), timestamp));
    Ok(())
}

/// The `SIGN` header of `request` at `timestamp` (seconds, as sent).
pub fn signature(
    secret: &str,
    request: &RestRequest,
    timestamp: &str,
) -> Result<String, SignError> {
    let body_hash = hex::encode(Sha512::digest(request.body.as_bytes()));
    let text = format!(
        "{}\n{}\n{}\n{}\n{}",
        request.method, request.path, request.query, body_hash, timestamp
    );
    let mut mac = Hmac::<Sha512>::new_from_slice(secret.as_bytes())
        .map_err(|error| SignError(format!("Gate.io secret: {error}")))?;
    mac.update(text.as_bytes());
    Ok(hex::encode(mac.finalize().into_bytes()))
}

/// POST /api/v4/spot/orders with a JSON body. Post-only is time in force `poc`; market
/// orders take `ioc` or `fok`. A market BUY's amount is in the quote currency at this
/// venue: it is quantity × price when the order carries a reference price.
pub(super) fn place_order_request(instrument: &Instrument, order: &OrderRequest) -> RestRequest {
    let side = match order.side {
        Side::Buy => "buy",
        Side::Sell => "sell",
    };
    let time_in_force = match (order.order_type, order.post_only, order.time_in_force) {
        (OrderType::Limit, true, _) => "poc",
        (_, _, TimeInForce::Fok) => "fok",
        (OrderType::Market, _, _) | (_, _, TimeInForce::Ioc) => "ioc",
        (OrderType::Limit, false, TimeInForce::Gtc) => "gtc",
    };
    let mut body = serde_json::json!({
        "currency_pair": instrument.venue_symbol,
        "account": "spot",
        "side": side,
        "amount": amount(order).to_string(),
        "time_in_force": time_in_force,
    });
    match (order.order_type, order.price) {
        (OrderType::Limit, Some(price)) => {
            body["type"] = "limit".into();
            body["price"] = price.normalize().to_string().into();
        }
        (OrderType::Limit, None) => body["type"] = "limit".into(),
        (OrderType::Market, _) => body["type"] = "market".into(),
    }
    if !order.client_order_id.is_empty() {
        body["text"] = format!("{CLIENT_ID_PREFIX}{}", order.client_order_id).into();
    }
    RestRequest {
        method: "POST",
        path: "/api/v4/spot/orders".into(),
        query: String::new(),
        body: body.to_string(),
        headers: json_headers(),
    }
}

/// DELETE /api/v4/spot/orders/{id}?currency_pair=...
pub(super) fn cancel_order_request(instrument: &Instrument, venue_order_id: &str) -> RestRequest {
    RestRequest {
        method: "DELETE",
        path: format!("/api/v4/spot/orders/{}", path_segment(venue_order_id)),
        query: format!("currency_pair={}", instrument.venue_symbol),
        body: String::new(),
        headers: json_headers(),
    }
}

/// An error body (`{"label":..,"message":..}`) is the venue's error whatever the status.
pub(super) fn parse_order_response(status: u16, body: &str) -> Result<VenueOrderAck, ParseError> {
    if let Some(error) = wire::venue_error(body) {
        return Err(error);
    }
    if !(200..300).contains(&status) {
        return Err(ParseError::Venue {
            code: format!("http {status}"),
            message: body.chars().take(200).collect(),
        });
    }
    let answer: OrderAnswer =
        serde_json::from_str(body).map_err(|error| wire::format_error("order answer", error))?;
    Ok(VenueOrderAck {
        venue_order_id: answer.id,
        // Orders placed elsewhere carry texts such as "web" or "apiv4": no client id.
        client_order_id: answer
            .text
            .strip_prefix(CLIENT_ID_PREFIX)
            .unwrap_or_default()
            .to_string(),
        status: answer.status,
    })
}

fn amount(order: &OrderRequest) -> Decimal {
    match (order.order_type, order.side, order.price) {
        // Beyond 28 digits there is no such order: send the quantity for the venue to refuse.
        (OrderType::Market, Side::Buy, Some(price)) => order
            .quantity
            .checked_mul(price)
            .unwrap_or(order.quantity)
            .normalize(),
        _ => order.quantity.normalize(),
    }
}

fn json_headers() -> Vec<(String, String)> {
    vec![
        ("Accept".into(), "application/json".into()),
        ("Content-Type".into(), "application/json".into()),
    ]
}

/// Keeps an id from escaping its path segment.
fn path_segment(id: &str) -> String {
    let mut encoded = String::with_capacity(id.len());
    for byte in id.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_body_hash_is_of_the_exact_body() {
        let mut request = RestRequest::get("/api/v4/spot/orders", "");
        let empty = signature("secret", &request, "1").unwrap();
        request.body = "{}".into();
        assert_ne!(signature("secret", &request, "1").unwrap(), empty);
        // hex(SHA512("")) is the documented hash of an empty body.
        assert_eq!(
            hex::encode(Sha512::digest(b"")),
            "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce\
             47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e"
        );
    }

    #[test]
    fn refuses_to_sign_without_credentials() {
        let mut request = RestRequest::get("/api/v4/spot/accounts", "");
        let empty = Credentials {
            key: String::new(),
            secret: String::new(),
            passphrase: String::new(),
        };
        assert!(sign(&mut request, &empty, 1).is_err());
        assert!(request.headers.is_empty());
    }

    #[test]
    fn ids_cannot_escape_their_path_segment() {
        assert_eq!(path_segment("12345"), "12345");
        assert_eq!(path_segment("1/../x?y"), "1%2F..%2Fx%3Fy");
    }
}
