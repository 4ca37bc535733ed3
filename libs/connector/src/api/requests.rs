//! Reading Exchange requests into checked values; every problem names its field.
use quorum_domain::convert::{
    FieldProblem, parse_decimal, parse_optional_decimal, parse_order_type, parse_side,
    parse_time_in_force,
};
use quorum_kit::errors::{FieldErrors, invalid_field};
use quorum_proto::exchange::v1::{MarketDataKind, PlaceOrderRequest};
use tonic::Status;

use crate::paper::{NewOrder, OrderRef, account_name, check_id};

/// INVALID_ARGUMENT for one field problem.
pub fn field_status(problem: FieldProblem) -> Status {
    invalid_field(&problem.field, problem.problem)
}

/// The account of a request ("default" when empty).
pub fn account(text: &str) -> Result<String, Status> {
    account_name(text).map_err(field_status)
}

/// A PlaceOrder request as a new order (the symbol is checked by the caller).
pub fn new_order(
    request: &PlaceOrderRequest,
    symbol: quorum_domain::Symbol,
    account: String,
) -> Result<NewOrder, Status> {
    let side = parse_side("side", request.side);
    let order_type = parse_order_type("type", request.r#type);
    let time_in_force = parse_time_in_force("time_in_force", request.time_in_force);
    let quantity = parse_decimal("quantity", request.quantity.as_ref());
    let price = parse_optional_decimal("price", request.price.as_ref());
    let client_order_id = request.client_order_id.trim().to_string();
    let client_id_check = if client_order_id.is_empty() {
        Ok(())
    } else {
        check_id("client_order_id", &client_order_id)
    };
    // Every problem is reported at once, so a caller fixes the request in one go.
    let problems = [
        client_id_check.err(),
        side.as_ref().err().cloned(),
        order_type.as_ref().err().cloned(),
        time_in_force.as_ref().err().cloned(),
        quantity.as_ref().err().cloned(),
        price.as_ref().err().cloned(),
    ];
    let mut errors = FieldErrors::new();
    for problem in problems.into_iter().flatten() {
        errors.add(&problem.field, problem.problem);
    }
    errors.into_result()?;
    match (side, order_type, time_in_force, quantity, price) {
        (Ok(side), Ok(order_type), Ok(time_in_force), Ok(quantity), Ok(price)) => Ok(NewOrder {
            account,
            client_order_id,
            symbol,
            side,
            order_type,
            time_in_force,
            post_only: request.post_only,
            quantity,
            price,
        }),
        _ => Err(Status::invalid_argument("the order is not valid")),
    }
}

/// One of `order_id` and `client_order_id`, exactly.
pub fn order_ref<'a>(order_id: &'a str, client_order_id: &'a str) -> Result<OrderRef<'a>, Status> {
    match (order_id.trim(), client_order_id.trim()) {
        ("", "") => Err(invalid_field(
            "order_id",
            "give order_id or client_order_id to name the order",
        )),
        (id, "") => Ok(OrderRef::Id(id)),
        ("", client) => Ok(OrderRef::Client(client)),
        _ => Err(invalid_field(
            "client_order_id",
            "give either order_id or client_order_id, not both",
        )),
    }
}

/// Which kinds of market data a stream wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kinds {
    pub trades: bool,
    pub book: bool,
    pub ticker: bool,
}

/// StreamMarketData kinds; empty means all.
pub fn kinds(values: &[i32]) -> Result<Kinds, Status> {
    if values.is_empty() {
        return Ok(Kinds {
            trades: true,
            book: true,
            ticker: true,
        });
    }
    let mut kinds = Kinds {
        trades: false,
        book: false,
        ticker: false,
    };
    for (position, value) in values.iter().enumerate() {
        match MarketDataKind::try_from(*value) {
            Ok(MarketDataKind::Trades) => kinds.trades = true,
            Ok(MarketDataKind::Book) => kinds.book = true,
            Ok(MarketDataKind::Ticker) => kinds.ticker = true,
            _ => {
                return Err(invalid_field(
                    &format!("kinds[{position}]"),
                    "must be MARKET_DATA_KIND_TRADES, MARKET_DATA_KIND_BOOK or MARKET_DATA_KIND_TICKER",
                ));
            }
        }
    }
    Ok(kinds)
}

#[cfg(test)]
mod tests {
    use super::*;
    use quorum_proto::common::v1::Decimal as ProtoDecimal;
    use quorum_proto::exchange::v1::{OrderType, TimeInForce};
    use quorum_proto::market::v1::Side;
    use tonic::Code;
    use tonic_types::StatusExt;

    fn decimal(text: &str) -> Option<ProtoDecimal> {
        Some(ProtoDecimal { value: text.into() })
    }

    fn symbol() -> quorum_domain::Symbol {
        "BTC-USDT".parse().unwrap()
    }

    #[test]
    fn a_limit_order_reads_into_a_new_order() {
        let request = PlaceOrderRequest {
            client_order_id: "c1".into(),
            symbol: "BTC-USDT".into(),
            side: Side::Sell as i32,
            r#type: OrderType::Limit as i32,
            time_in_force: TimeInForce::Ioc as i32,
            post_only: false,
            quantity: decimal("0.5"),
            price: decimal("60000.1"),
            account: String::new(),
        };
        let order = new_order(&request, symbol(), "default".into()).unwrap();
        assert_eq!(order.side, quorum_domain::Side::Sell);
        assert_eq!(order.time_in_force, Some(quorum_domain::TimeInForce::Ioc));
        assert_eq!(order.price.unwrap().to_string(), "60000.1");
    }

    #[test]
    fn every_bad_field_is_listed() {
        let request = PlaceOrderRequest {
            quantity: decimal("lots"),
            client_order_id: "no spaces please".into(),
            ..PlaceOrderRequest::default()
        };
        let status = new_order(&request, symbol(), "default".into()).unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument);
        let details = status.get_error_details();
        let fields: Vec<String> = details
            .bad_request()
            .unwrap()
            .field_violations
            .iter()
            .map(|violation| violation.field.clone())
            .collect();
        assert_eq!(fields, ["client_order_id", "side", "type", "quantity"]);
    }

    #[test]
    fn orders_are_named_by_exactly_one_id_and_kinds_are_checked() {
        assert_eq!(order_ref("o1", "").unwrap(), OrderRef::Id("o1"));
        assert_eq!(order_ref("", "c1").unwrap(), OrderRef::Client("c1"));
        assert_eq!(order_ref("", "").unwrap_err().code(), Code::InvalidArgument);
        assert_eq!(
            order_ref("o", "c").unwrap_err().code(),
            Code::InvalidArgument
        );
        assert!(kinds(&[]).unwrap().book);
        let only_trades = kinds(&[MarketDataKind::Trades as i32]).unwrap();
        assert!(only_trades.trades && !only_trades.book && !only_trades.ticker);
        let status = kinds(&[0]).unwrap_err();
        assert!(status.message().contains("kinds[0]"));
    }
}
