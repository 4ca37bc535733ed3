//! Binance spot orders: HMAC-SHA256 signing of query plus body, POST and DELETE
//! /api/v3/order, and reading the venue's answer.
use hmac::{Hmac, Mac};
use quorum_domain::{Instrument, OrderType, Side, TimeInForce};
use sha2::Sha256;

use super::wire::{self, OrderAnswer};
use crate::{Credentials, OrderRequest, ParseError, RestRequest, SignError, VenueOrderAck};

/// How long a signed request stays valid at the venue, in milliseconds (its default).
pub const RECV_WINDOW_MS: u32 = 5000;
/// The header carrying the API key.
pub const API_KEY_HEADER: &str = "X-MBX-APIKEY";

/// Adds `recvWindow` and `timestamp` (unless the request has a timestamp already),
/// then `signature` = hex HMAC-SHA256 of the query string followed by the body, and the
/// API key header. Parameters go where the request already carries its parameters: the
/// body when it has one, else the query.
pub(super) fn sign(
    request: &mut RestRequest,
    credentials: &Credentials,
    now_ms: i64,
) -> Result<(), SignError> {
    if credentials.key.is_empty() || credentials.secret.is_empty() {
        return Err(SignError(
            "Binance requests need an API key and its secret".into(),
        ));
    }
    let has_timestamp = [&request.query, &request.body]
        .iter()
        .flat_map(|params| params.split('&'))
        .any(|pair| pair.split('=').next() == Some("timestamp"));
    if !has_timestamp {
        append_param(
            request,
            &format!("recvWindow={RECV_WINDOW_MS}&timestamp={now_ms}"),
        );
    }
    let signature = signature(&credentials.secret, &request.query, &request.body)?;
    append_param(request, &format!("signature={signature}"));
    request
        .headers
        .push((API_KEY_HEADER.into(), credentials.key.clone()));
    Ok(())
}

/// Lowercase hex HMAC-SHA256 of `query` followed by `body`, with no separator.
pub fn signature(secret: &str, query: &str, body: &str) -> Result<String, SignError> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes())
        .map_err(|error| SignError(format!("Binance secret: {error}")))?;
    mac.update(query.as_bytes());
    mac.update(body.as_bytes());
    Ok(hex::encode(mac.finalize().into_bytes()))
}

/// POST /api/v3/order with its parameters in the query, in the venue's documented order.
/// A post-only limit order is `LIMIT_MAKER`, which takes no time in force.
pub(super) fn place_order_request(instrument: &Instrument, order: &OrderRequest) -> RestRequest {
    let side = match order.side {
        Side::Buy => "BUY",
        Side::Sell => "SELL",
    };
    let mut query = format!(
        "symbol={}&side={side}",
        wire::encode_query_value(&instrument.venue_symbol)
    );
    match (order.order_type, order.post_only) {
        (OrderType::Market, _) => query.push_str("&type=MARKET"),
        (OrderType::Limit, true) => query.push_str("&type=LIMIT_MAKER"),
        (OrderType::Limit, false) => {
            let time_in_force = match order.time_in_force {
                TimeInForce::Gtc => "GTC",
                TimeInForce::Ioc => "IOC",
                TimeInForce::Fok => "FOK",
            };
            query.push_str(&format!("&type=LIMIT&timeInForce={time_in_force}"));
        }
    }
    query.push_str(&format!("&quantity={}", order.quantity.normalize()));
    if let (OrderType::Limit, Some(price)) = (order.order_type, order.price) {
        query.push_str(&format!("&price={}", price.normalize()));
    }
    if !order.client_order_id.is_empty() {
        query.push_str(&format!(
            "&newClientOrderId={}",
            wire::encode_query_value(&order.client_order_id)
        ));
    }
    RestRequest {
        method: "POST",
        path: "/api/v3/order".into(),
        query,
        body: String::new(),
        headers: Vec::new(),
    }
}

pub(super) fn cancel_order_request(instrument: &Instrument, venue_order_id: &str) -> RestRequest {
    RestRequest {
        method: "DELETE",
        path: "/api/v3/order".into(),
        query: format!(
            "symbol={}&orderId={}",
            wire::encode_query_value(&instrument.venue_symbol),
            wire::encode_query_value(venue_order_id)
        ),
        body: String::new(),
        headers: Vec::new(),
    }
}

/// An error body (`{"code":-2010,"msg":...}`) is the venue's error whatever the status.
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
        venue_order_id: answer.order_id.to_string(),
        client_order_id: answer
            .orig_client_order_id
            .unwrap_or(answer.client_order_id),
        // The ACK answer carries no status: the venue has accepted the order.
        status: answer.status.unwrap_or_else(|| "NEW".into()),
    })
}

fn append_param(request: &mut RestRequest, param: &str) {
    let params = if request.body.is_empty() {
        &mut request.query
    } else {
        &mut request.body
    };
    if !params.is_empty() {
        params.push('&');
    }
    params.push_str(param);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The venue's documented example 3: parameters in both query and body.
    #[test]
    fn signs_query_followed_by_body_without_a_separator() {
        let signature = signature(
            "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j",
            "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC",
            "quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559",
        )
        .unwrap();
        assert_eq!(
            signature,
            "0fd168b8ddb4876a0358a8d14d0c9f3da0e9b20c5d52b2a00fcf7d1c602f9a77"
        );
    }

    #[test]
    fn signing_puts_timestamp_and_signature_in_the_body_when_it_has_one() {
        let mut request = RestRequest {
            method: "POST",
            path: "/api/v3/order".into(),
            query: "symbol=LTCBTC".into(),
            body: "quantity=1".into(),
            headers: Vec::new(),
        };
        let credentials = Credentials {
            key: "key".into(),
            secret: "secret".into(),
            passphrase: String::new(),
        };
        sign(&mut request, &credentials, 7).unwrap();
        assert_eq!(request.query, "symbol=LTCBTC");
        let (unsigned, signed) = request.body.split_once("&signature=").unwrap();
        assert_eq!(unsigned, "quantity=1&recvWindow=5000&timestamp=7");
        assert_eq!(
            signed,
            signature("secret", "symbol=LTCBTC", unsigned).unwrap()
        );
        assert_eq!(request.header("x-mbx-apikey"), Some("key"));
    }

    #[test]
    fn refuses_to_sign_without_credentials() {
        let mut request = RestRequest::get("/api/v3/account", "");
        let empty = Credentials {
            key: String::new(),
            secret: String::new(),
            passphrase: String::new(),
        };
        assert!(sign(&mut request, &empty, 1).is_err());
        assert!(
            request.query.is_empty(),
            "a refused request is left as it was"
        );
    }
}
