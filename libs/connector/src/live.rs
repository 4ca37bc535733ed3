//! Live execution: orders signed with the venue's credentials and sent over its REST API;
//! a venue refusal comes back with the venue's code and message in the status details.
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use quorum_domain::{Decimal, Instrument, Order, OrderStatus, TimeInForce, Venue};
use quorum_venues::{OrderRequest, ParseError, RestRequest, VenueOrderAck};
use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt};

use crate::config::venue_variables;
use crate::paper::{NewOrder, OrderRef};
use crate::state::{Shared, lock, now_ms};

/// Live orders remembered for GetOrder and idempotency; the oldest are forgotten first.
pub const MAX_LIVE_ORDERS: usize = 100_000;

/// Orders this connector sent to the venue, as the venue acknowledged them.
#[derive(Debug, Default)]
pub struct LiveOrders {
    orders: HashMap<String, Order>,
    by_client: HashMap<(String, String), String>,
    arrival: VecDeque<String>,
}

impl LiveOrders {
    pub fn get(&self, account: &str, reference: OrderRef<'_>) -> Option<Order> {
        let order_id = match reference {
            OrderRef::Id(id) => id.to_string(),
            OrderRef::Client(id) => self
                .by_client
                .get(&(account.to_string(), id.to_string()))?
                .clone(),
        };
        self.orders
            .get(&order_id)
            .filter(|order| order.account == account)
            .cloned()
    }

    pub fn open_orders(&self, account: &str, symbol: Option<&quorum_domain::Symbol>) -> Vec<Order> {
        let mut orders: Vec<Order> = self
            .orders
            .values()
            .filter(|order| order.account == account && order.status.is_open())
            .filter(|order| symbol.is_none_or(|symbol| order.symbol == *symbol))
            .cloned()
            .collect();
        orders.sort_by(|a, b| (a.created_at_ms, &a.order_id).cmp(&(b.created_at_ms, &b.order_id)));
        orders
    }

    pub fn remember(&mut self, order: Order) {
        let key = (order.account.clone(), order.client_order_id.clone());
        self.by_client.insert(key, order.order_id.clone());
        if self
            .orders
            .insert(order.order_id.clone(), order.clone())
            .is_none()
        {
            self.arrival.push_back(order.order_id);
        }
        while self.arrival.len() > MAX_LIVE_ORDERS {
            if let Some(old) = self.arrival.pop_front()
                && let Some(order) = self.orders.remove(&old)
            {
                self.by_client
                    .remove(&(order.account, order.client_order_id));
            }
        }
    }
}

/// Sends a checked order to the venue and records what it answered.
pub async fn place(
    shared: &Arc<Shared>,
    request: NewOrder,
    account: String,
    time_in_force: TimeInForce,
    instrument: &Instrument,
) -> Result<Order, Status> {
    let client_order_id = if request.client_order_id.is_empty() {
        format!("q{}", uuid::Uuid::new_v4().simple())
    } else {
        request.client_order_id.clone()
    };
    let now = now_ms();
    let venue_request = OrderRequest {
        client_order_id: client_order_id.clone(),
        side: request.side,
        order_type: request.order_type,
        time_in_force,
        post_only: request.post_only,
        quantity: request.quantity,
        price: request.price,
    };
    let rest = shared
        .protocol
        .place_order_request(instrument, &venue_request, now);
    let ack = send_signed(shared, rest, now).await?;
    let order = Order {
        order_id: ack.venue_order_id,
        client_order_id: if ack.client_order_id.is_empty() {
            client_order_id
        } else {
            ack.client_order_id
        },
        account,
        venue: shared.venue,
        symbol: request.symbol.clone(),
        side: request.side,
        order_type: request.order_type,
        time_in_force,
        post_only: request.post_only,
        price: request.price,
        quantity: request.quantity,
        filled_quantity: Decimal::ZERO,
        fee: Decimal::ZERO,
        fee_asset: request.symbol.quote().to_string(),
        status: status_from_venue(&ack.status),
        reason: String::new(),
        created_at_ms: now,
        updated_at_ms: now,
        fills: Vec::new(),
    };
    lock(&shared.live_orders).remember(order.clone());
    Ok(order)
}

/// Cancels a live order on the venue.
pub async fn cancel(
    shared: &Arc<Shared>,
    mut order: Order,
    instrument: &Instrument,
) -> Result<Order, Status> {
    let now = now_ms();
    let rest = shared
        .protocol
        .cancel_order_request(instrument, &order.order_id, now);
    send_signed(shared, rest, now).await?;
    order.status = OrderStatus::Canceled;
    order.reason = "cancelled by the caller".into();
    order.updated_at_ms = now;
    lock(&shared.live_orders).remember(order.clone());
    Ok(order)
}

async fn send_signed(
    shared: &Arc<Shared>,
    mut rest: RestRequest,
    now: i64,
) -> Result<VenueOrderAck, Status> {
    let venue = shared.venue;
    let credentials = shared.credentials.as_ref().ok_or_else(|| {
        let names = venue_variables(venue);
        Status::failed_precondition(format!(
            "live orders need {} and {}; set them and restart with QUORUM_TRADING_MODE=live",
            names.api_key, names.api_secret
        ))
    })?;
    shared
        .protocol
        .sign(&mut rest, credentials, now)
        .map_err(|error| {
            Status::failed_precondition(format!("cannot sign the request: {error}"))
        })?;
    let response = shared.transport.request(rest).await.map_err(|error| {
        tracing::warn!(%error, %venue, "venue order request failed");
        Status::unavailable(format!("{venue} cannot be reached ({error}); retry later"))
    })?;
    shared
        .protocol
        .parse_order_response(response.status, &response.body)
        .map_err(|error| venue_refusal(venue, error))
}

/// The status for a venue's refusal: its code and message in google.rpc.ErrorInfo.
pub fn venue_refusal(venue: Venue, error: ParseError) -> Status {
    match error {
        ParseError::Venue { code, message } => {
            let mut metadata = HashMap::new();
            metadata.insert("message".to_string(), message.clone());
            let details = ErrorDetails::with_error_info(code.clone(), venue.as_str(), metadata);
            Status::with_error_details(
                Code::FailedPrecondition,
                format!("{venue} refused the request: {code} {message}"),
                details,
            )
        }
        ParseError::Format(problem) => {
            tracing::error!(%problem, %venue, "venue answer not understood");
            Status::unavailable(format!(
                "{venue} answered in a form the connector does not understand; the order's state is unknown, check it on the venue"
            ))
        }
    }
}

/// The venue's status word in the normalized model.
pub fn status_from_venue(word: &str) -> OrderStatus {
    match word.to_ascii_lowercase().as_str() {
        "filled" => OrderStatus::Filled,
        "partially_filled" | "partially-filled" => OrderStatus::PartiallyFilled,
        "canceled" | "cancelled" => OrderStatus::Canceled,
        "rejected" => OrderStatus::Rejected,
        "expired" | "expired_in_match" => OrderStatus::Expired,
        _ => OrderStatus::New,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quorum_domain::{OrderType, Side, Symbol};
    use rust_decimal::dec;

    fn order(id: &str, client: &str, account: &str) -> Order {
        Order {
            order_id: id.into(),
            client_order_id: client.into(),
            account: account.into(),
            venue: Venue::Okx,
            symbol: "BTC-USDT".parse::<Symbol>().unwrap(),
            side: Side::Buy,
            order_type: OrderType::Limit,
            time_in_force: TimeInForce::Gtc,
            post_only: false,
            price: Some(dec!(1)),
            quantity: dec!(1),
            filled_quantity: dec!(0),
            fee: dec!(0),
            fee_asset: "USDT".into(),
            status: OrderStatus::New,
            reason: String::new(),
            created_at_ms: 1,
            updated_at_ms: 1,
            fills: vec![],
        }
    }

    #[test]
    fn venue_refusals_carry_the_venue_code_in_error_info() {
        let status = venue_refusal(
            Venue::Binance,
            ParseError::Venue {
                code: "-2010".into(),
                message: "Account has insufficient balance".into(),
            },
        );
        assert_eq!(status.code(), Code::FailedPrecondition);
        let details = status.get_error_details();
        let info = details.error_info().unwrap();
        assert_eq!(info.reason, "-2010");
        assert_eq!(info.domain, "binance");
        assert!(status.message().contains("insufficient balance"));
        let garbled = venue_refusal(Venue::Binance, ParseError::Format("x".into()));
        assert_eq!(garbled.code(), Code::Unavailable);
    }

    #[test]
    fn status_words_of_every_venue_map() {
        assert_eq!(status_from_venue("NEW"), OrderStatus::New);
        assert_eq!(status_from_venue("live"), OrderStatus::New);
        assert_eq!(
            status_from_venue("PARTIALLY_FILLED"),
            OrderStatus::PartiallyFilled
        );
        assert_eq!(status_from_venue("cancelled"), OrderStatus::Canceled);
        assert_eq!(status_from_venue("EXPIRED"), OrderStatus::Expired);
    }

    #[test]
    fn remembered_orders_are_found_by_either_id_within_their_account() {
        let mut orders = LiveOrders::default();
        orders.remember(order("v-1", "c-1", "desk"));
        assert!(orders.get("desk", OrderRef::Client("c-1")).is_some());
        assert!(orders.get("desk", OrderRef::Id("v-1")).is_some());
        assert!(orders.get("other", OrderRef::Id("v-1")).is_none());
        assert_eq!(orders.open_orders("desk", None).len(), 1);
    }
}
