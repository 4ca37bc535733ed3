//! The order step: PlaceOrder at the venue's connector (a market IOC order under the
//! run's client order id), and what its answer means for the run.
use quorum_domain::convert;
use quorum_proto::exchange::v1 as exchange;
use tonic::Code;

use super::Finish;
use crate::engine::Engine;
use crate::model::{Intent, Outcome, Strategy};
use crate::peers::{CALL_DEADLINE, request};

impl Engine {
    pub(super) async fn place(&self, strategy: &Strategy, intent: &Intent) -> Placed {
        let spec = &strategy.spec;
        let Some(mut connector) = self.peers.connector(spec.venue) else {
            return Placed::Refused(format!("no connector for {}", spec.venue));
        };
        let message = exchange::PlaceOrderRequest {
            client_order_id: intent.client_order_id.clone(),
            symbol: spec.symbol.to_string(),
            side: convert::side(intent.side).into(),
            r#type: exchange::OrderType::Market.into(),
            time_in_force: exchange::TimeInForce::Ioc.into(),
            post_only: false,
            quantity: Some(convert::decimal(intent.quantity)),
            price: None,
            account: spec.account.clone(),
        };
        match connector.place_order(request(message, CALL_DEADLINE)).await {
            Ok(response) => match response.into_inner().order {
                Some(order) => Placed::Accepted(Box::new(order)),
                None => Placed::Unknown("the connector answered without the order".into()),
            },
            // Refused before anything was placed.
            Err(status)
                if matches!(
                    status.code(),
                    Code::InvalidArgument
                        | Code::NotFound
                        | Code::FailedPrecondition
                        | Code::PermissionDenied
                        | Code::Unauthenticated
                        | Code::ResourceExhausted
                ) =>
            {
                Placed::Refused(format!(
                    "{}: {}",
                    spec.venue.connector_service(),
                    status.message()
                ))
            }
            Err(status) => Placed::Unknown(format!(
                "{}: {}",
                spec.venue.connector_service(),
                status.message()
            )),
        }
    }
}

/// What PlaceOrder led to.
pub(super) enum Placed {
    Accepted(Box<exchange::Order>),
    /// Refused before anything was placed.
    Refused(String),
    /// No answer: the order may or may not exist.
    Unknown(String),
}

pub(super) fn order_finish(order: exchange::Order) -> Finish {
    let rejected = order.status == i32::from(exchange::OrderStatus::Rejected);
    let mut finish = if rejected {
        Finish::new(
            Outcome::OrderRejected,
            format!("rejected: {}", order.reason),
        )
    } else {
        let status = exchange::OrderStatus::try_from(order.status)
            .map_or("unknown", |status| status.as_str_name());
        let filled = order
            .filled_quantity
            .as_ref()
            .map_or("0", |q| q.value.as_str())
            .to_string();
        Finish::new(Outcome::OrderPlaced, format!("{status}, filled {filled}"))
    };
    finish.ending.order_id = order.order_id;
    finish
}
