//! Coinbase Advanced Trade private requests: the bearer token, create and batch-cancel
//! order bodies, and the venue's answers to them.
use quorum_domain::{Decimal, Instrument, OrderType, Side, TimeInForce};
use serde::Deserialize;
use serde_json::{Value, json};

use super::jwt;
use super::wire::{ErrorBody, format_error};
use crate::{Credentials, OrderRequest, ParseError, RestRequest, SignError, VenueOrderAck};

/// The REST host named in a token's `uri` claim.
pub const REST_HOST: &str = "api.coinbase.com";

/// What an accepted create answer reports: the order's state comes later from queries.
pub const ACCEPTED_STATUS: &str = "accepted";
/// What an accepted cancel answer reports.
pub const CANCELED_STATUS: &str = "canceled";

/// Adds `Authorization: Bearer <token>`, the token naming this request's method and path.
pub(super) fn sign(
    request: &mut RestRequest,
    credentials: &Credentials,
    now_ms: i64,
) -> Result<(), SignError> {
    let token = jwt::rest_token(
        credentials,
        request.method,
        REST_HOST,
        &request.path,
        now_ms,
    )?;
    request
        .headers
        .retain(|(name, _)| !name.eq_ignore_ascii_case("Authorization"));
    request
        .headers
        .push(("Authorization".into(), format!("Bearer {token}")));
    Ok(())
}

/// POST /api/v3/brokerage/orders. Sizes are in the base asset; post-only exists only
/// for good-till-cancelled limit orders.
pub(super) fn place_order_request(instrument: &Instrument, order: &OrderRequest) -> RestRequest {
    let side = match order.side {
        Side::Buy => "BUY",
        Side::Sell => "SELL",
    };
    let base_size = plain(order.quantity);
    // A limit order without a price was refused before reaching here; "0" would be
    // refused by the venue too rather than priced by accident.
    let limit_price = plain(order.price.unwrap_or_default());
    let configuration = match (order.order_type, order.time_in_force) {
        (OrderType::Market, _) => json!({"market_market_ioc": {"base_size": base_size}}),
        (OrderType::Limit, TimeInForce::Gtc) => json!({"limit_limit_gtc": {
            "base_size": base_size,
            "limit_price": limit_price,
            "post_only": order.post_only,
        }}),
        (OrderType::Limit, TimeInForce::Ioc) => json!({"sor_limit_ioc": {
            "base_size": base_size,
            "limit_price": limit_price,
        }}),
        (OrderType::Limit, TimeInForce::Fok) => json!({"limit_limit_fok": {
            "base_size": base_size,
            "limit_price": limit_price,
        }}),
    };
    json_post(
        "/api/v3/brokerage/orders",
        json!({
            "client_order_id": order.client_order_id,
            "product_id": instrument.venue_symbol,
            "side": side,
            "order_configuration": configuration,
        }),
    )
}

/// POST /api/v3/brokerage/orders/batch_cancel for one order.
pub(super) fn cancel_order_request(venue_order_id: &str) -> RestRequest {
    json_post(
        "/api/v3/brokerage/orders/batch_cancel",
        json!({"order_ids": [venue_order_id]}),
    )
}

/// Reads a create answer (`success` with `success_response` or `error_response`), a
/// batch-cancel answer (`results[]`), or a refused request (`{"error","message"}`).
pub(super) fn parse_order_response(status: u16, body: &str) -> Result<VenueOrderAck, ParseError> {
    let value: Value = serde_json::from_str(body).map_err(|error| {
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
    if let Some(results) = value.get("results") {
        return cancel_answer(results);
    }
    if value.get("success").is_some() {
        return create_answer(value);
    }
    let refusal = ErrorBody::deserialize(&value)
        .ok()
        .and_then(ErrorBody::refusal);
    Err(refusal.unwrap_or_else(|| {
        format_error(format!(
            "order answer (HTTP {status}) is neither a create nor a cancel answer"
        ))
    }))
}

#[derive(Debug, Deserialize)]
struct CreateAnswer {
    success: bool,
    success_response: Option<CreateSuccess>,
    error_response: Option<CreateFailure>,
    #[serde(default)]
    failure_reason: String,
}

#[derive(Debug, Deserialize)]
struct CreateSuccess {
    order_id: String,
    #[serde(default)]
    client_order_id: String,
}

#[derive(Debug, Deserialize)]
struct CreateFailure {
    #[serde(default)]
    error: String,
    #[serde(default)]
    message: String,
    #[serde(default)]
    error_details: String,
    #[serde(default)]
    preview_failure_reason: String,
    #[serde(default)]
    new_order_failure_reason: String,
}

#[derive(Debug, Deserialize)]
struct CancelResult {
    success: bool,
    #[serde(default)]
    failure_reason: String,
    #[serde(default)]
    order_id: String,
}

fn create_answer(value: Value) -> Result<VenueOrderAck, ParseError> {
    let answer = CreateAnswer::deserialize(value)
        .map_err(|error| format_error(format!("create order answer: {error}")))?;
    if answer.success {
        let accepted = answer
            .success_response
            .ok_or_else(|| format_error("create order answer has no success_response"))?;
        return Ok(VenueOrderAck {
            venue_order_id: accepted.order_id,
            client_order_id: accepted.client_order_id,
            status: ACCEPTED_STATUS.to_string(),
        });
    }
    let Some(failure) = answer.error_response else {
        return Err(ParseError::Venue {
            code: non_empty(answer.failure_reason, "UNKNOWN_FAILURE_REASON"),
            message: String::new(),
        });
    };
    let code = [
        &failure.error,
        &failure.new_order_failure_reason,
        &failure.preview_failure_reason,
    ]
    .into_iter()
    .find(|code| !code.is_empty() && !code.starts_with("UNKNOWN"))
    .cloned()
    .unwrap_or_else(|| non_empty(failure.error.clone(), "UNKNOWN_FAILURE_REASON"));
    let mut message = failure.message;
    for detail in [&failure.error_details, &failure.preview_failure_reason] {
        if !detail.is_empty() && !detail.starts_with("UNKNOWN") && *detail != code {
            message = format!("{message} ({detail})");
        }
    }
    Err(ParseError::Venue { code, message })
}

fn cancel_answer(results: &Value) -> Result<VenueOrderAck, ParseError> {
    let results = Vec::<CancelResult>::deserialize(results)
        .map_err(|error| format_error(format!("batch cancel answer: {error}")))?;
    let result = results
        .into_iter()
        .next()
        .ok_or_else(|| format_error("batch cancel answer has no results"))?;
    if !result.success {
        return Err(ParseError::Venue {
            code: non_empty(result.failure_reason, "UNKNOWN_CANCEL_FAILURE_REASON"),
            message: format!("order {} was not canceled", result.order_id),
        });
    }
    Ok(VenueOrderAck {
        venue_order_id: result.order_id,
        client_order_id: String::new(),
        status: CANCELED_STATUS.to_string(),
    })
}

fn non_empty(text: String, fallback: &str) -> String {
    if text.is_empty() {
        fallback.to_string()
    } else {
        text
    }
}

fn plain(value: Decimal) -> String {
    value.normalize().to_string()
}

fn json_post(path: &str, body: Value) -> RestRequest {
    RestRequest {
        method: "POST",
        path: path.to_string(),
        query: String::new(),
        body: body.to_string(),
        headers: vec![("Content-Type".into(), "application/json".into())],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_without_details_still_names_a_code() {
        let error = parse_order_response(
            200,
            r#"{"success":false,"failure_reason":"UNKNOWN_FAILURE_REASON"}"#,
        )
        .unwrap_err();
        assert!(
            matches!(error, ParseError::Venue { code, .. } if code == "UNKNOWN_FAILURE_REASON")
        );
    }

    #[test]
    fn a_proxy_page_carries_the_http_status() {
        assert!(matches!(
            parse_order_response(503, "Service Unavailable"),
            Err(ParseError::Venue { code, .. }) if code == "503"
        ));
        assert!(matches!(
            parse_order_response(200, "{}"),
            Err(ParseError::Format(_))
        ));
    }
}
