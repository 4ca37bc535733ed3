//! OKX private requests: the HMAC signature headers, place and cancel order bodies, and
//! the venue's answers to them.
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, SecondsFormat};
use hmac::{Hmac, Mac};
use quorum_domain::{Decimal, Instrument, OrderType, Side, TimeInForce};
use serde_json::json;
use sha2::Sha256;

use super::wire::{Envelope, OrderRow, format_error};
use crate::{Credentials, OrderRequest, ParseError, RestRequest, SignError, VenueOrderAck};

/// What an accepted place or cancel answer reports: OKX only says the request was
/// taken, the order's state comes later from the order queries.
pub const ACCEPTED_STATUS: &str = "accepted";

/// The longest `clOrdId` OKX accepts (letters and digits only).
const CLIENT_ORDER_ID_MAX: usize = 32;

/// Adds OK-ACCESS-KEY, -SIGN, -TIMESTAMP and -PASSPHRASE. The signature is
/// Base64(HMAC-SHA256(secret, timestamp + METHOD + path?query + body)).
pub(super) fn sign(
    request: &mut RestRequest,
    credentials: &Credentials,
    now_ms: i64,
) -> Result<(), SignError> {
    if credentials.key.is_empty()
        || credentials.secret.is_empty()
        || credentials.passphrase.is_empty()
    {
        return Err(SignError(
            "OKX needs the API key, its secret and its passphrase; set all three".into(),
        ));
    }
    let timestamp = iso_timestamp(now_ms)?;
    let prehash = format!(
        "{timestamp}{}{}{}",
        request.method,
        request.path_and_query(),
        request.body
    );
    let mut mac = Hmac::<Sha256>::new_from_slice(credentials.secret.as_bytes())
        .map_err(|error| SignError(format!("the OKX secret cannot key HMAC-SHA256: {error}")))?;
    mac.update(prehash.as_bytes());
    let signature = STANDARD.encode(mac.finalize().into_bytes());
    for (name, value) in [
        ("OK-ACCESS-KEY", credentials.key.clone()),
        ("OK-ACCESS-SIGN", signature),
        ("OK-ACCESS-TIMESTAMP", timestamp),
        ("OK-ACCESS-PASSPHRASE", credentials.passphrase.clone()),
    ] {
        set_header(request, name, value);
    }
    Ok(())
}

/// ISO-8601 in UTC with milliseconds, e.g. `2020-12-08T09:08:57.715Z`.
pub fn iso_timestamp(now_ms: i64) -> Result<String, SignError> {
    DateTime::from_timestamp_millis(now_ms)
        .map(|time| time.to_rfc3339_opts(SecondsFormat::Millis, true))
        .ok_or_else(|| SignError(format!("{now_ms} ms is not a representable time")))
}

/// POST /api/v5/trade/order for a spot cash order. Market orders state their size in
/// the base asset (`tgtCcy`), since OKX reads a market BUY size as quote otherwise.
pub(super) fn place_order_request(instrument: &Instrument, order: &OrderRequest) -> RestRequest {
    let side = match order.side {
        Side::Buy => "buy",
        Side::Sell => "sell",
    };
    let mut body = json!({
        "instId": instrument.venue_symbol,
        "tdMode": "cash",
        "clOrdId": client_order_id(&order.client_order_id),
        "side": side,
        "ordType": order_type(order),
        "sz": plain(order.quantity),
    });
    match order.order_type {
        OrderType::Market => body["tgtCcy"] = json!("base_ccy"),
        // A limit order without a price was refused before reaching here; "0" would
        // be refused by the venue too rather than priced by accident.
        OrderType::Limit => body["px"] = json!(plain(order.price.unwrap_or_default())),
    }
    json_post("/api/v5/trade/order", body)
}

/// POST /api/v5/trade/cancel-order.
pub(super) fn cancel_order_request(instrument: &Instrument, venue_order_id: &str) -> RestRequest {
    json_post(
        "/api/v5/trade/cancel-order",
        json!({"instId": instrument.venue_symbol, "ordId": venue_order_id}),
    )
}

/// `{"code":"0","data":[{"ordId","clOrdId","sCode":"0"}]}` is an acceptance; any
/// non-zero `code` or `sCode` is the venue's refusal, the per-order one preferred.
pub(super) fn parse_order_response(status: u16, body: &str) -> Result<VenueOrderAck, ParseError> {
    let envelope: Envelope<OrderRow> = serde_json::from_str(body).map_err(|error| {
        if status >= 400 {
            // A gateway or proxy error page rather than the venue's JSON.
            ParseError::Venue {
                code: status.to_string(),
                message: body.trim().chars().take(200).collect(),
            }
        } else {
            format_error(format!("order answer: {error}"))
        }
    })?;
    let row = envelope.data.into_iter().next();
    if let Some(row) = row
        .as_ref()
        .filter(|row| !row.s_code.is_empty() && row.s_code != "0")
    {
        return Err(ParseError::Venue {
            code: row.s_code.clone(),
            message: row.s_msg.clone(),
        });
    }
    if envelope.code != "0" {
        return Err(ParseError::Venue {
            code: envelope.code,
            message: envelope.msg,
        });
    }
    let row = row.ok_or_else(|| format_error("order answer has an empty data array"))?;
    if row.ord_id.is_empty() {
        return Err(format_error("order answer has no ordId"));
    }
    Ok(VenueOrderAck {
        venue_order_id: row.ord_id,
        client_order_id: row.cl_ord_id,
        status: ACCEPTED_STATUS.to_string(),
    })
}

fn order_type(order: &OrderRequest) -> &'static str {
    match (order.order_type, order.post_only, order.time_in_force) {
        (OrderType::Market, _, _) => "market",
        (OrderType::Limit, true, _) => "post_only",
        (OrderType::Limit, false, TimeInForce::Gtc) => "limit",
        (OrderType::Limit, false, TimeInForce::Ioc) => "ioc",
        (OrderType::Limit, false, TimeInForce::Fok) => "fok",
    }
}

/// OKX takes 1 to 32 letters and digits: other characters (a UUID's dashes) are dropped.
fn client_order_id(id: &str) -> String {
    id.chars()
        .filter(char::is_ascii_alphanumeric)
        .take(CLIENT_ORDER_ID_MAX)
        .collect()
}

fn plain(value: Decimal) -> String {
    value.normalize().to_string()
}

fn json_post(path: &str, body: serde_json::Value) -> RestRequest {
    RestRequest {
        method: "POST",
        path: path.to_string(),
        query: String::new(),
        body: body.to_string(),
        headers: vec![("Content-Type".into(), "application/json".into())],
    }
}

fn set_header(request: &mut RestRequest, name: &str, value: String) {
    request
        .headers
        .retain(|(existing, _)| !existing.eq_ignore_ascii_case(name));
    request.headers.push((name.to_string(), value));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(order_type: OrderType, time_in_force: TimeInForce, post_only: bool) -> OrderRequest {
        OrderRequest {
            client_order_id: "b6f1-4c2e".into(),
            side: Side::Buy,
            order_type,
            time_in_force,
            post_only,
            quantity: Decimal::new(1, 2),
            price: Some(Decimal::new(420001, 1)),
        }
    }

    #[test]
    fn timestamps_are_iso_with_milliseconds() {
        assert_eq!(
            iso_timestamp(1_607_418_537_715).unwrap(),
            "2020-12-08T09:08:57.715Z"
        );
        assert_eq!(iso_timestamp(0).unwrap(), "1970-01-01T00:00:00.000Z");
    }

    #[test]
    fn order_types_follow_the_venue_words() {
        assert_eq!(
            order_type(&order(OrderType::Market, TimeInForce::Ioc, false)),
            "market"
        );
        assert_eq!(
            order_type(&order(OrderType::Limit, TimeInForce::Gtc, true)),
            "post_only"
        );
        assert_eq!(
            order_type(&order(OrderType::Limit, TimeInForce::Gtc, false)),
            "limit"
        );
        assert_eq!(
            order_type(&order(OrderType::Limit, TimeInForce::Ioc, false)),
            "ioc"
        );
        assert_eq!(
            order_type(&order(OrderType::Limit, TimeInForce::Fok, false)),
            "fok"
        );
    }

    #[test]
    fn client_order_ids_keep_only_letters_and_digits() {
        assert_eq!(client_order_id("b6f1-4c2e"), "b6f14c2e");
        assert_eq!(client_order_id(&"a".repeat(40)).len(), CLIENT_ORDER_ID_MAX);
    }

    #[test]
    fn an_unreadable_success_body_is_a_format_error() {
        assert!(matches!(
            parse_order_response(200, "<html>"),
            Err(ParseError::Format(_))
        ));
        assert!(matches!(
            parse_order_response(502, "Bad Gateway"),
            Err(ParseError::Venue { code, .. }) if code == "502"
        ));
    }
}
