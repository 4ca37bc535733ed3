//! Checks of a new order against the instrument's trading rules, naming the field at fault.
use quorum_domain::convert::FieldProblem;
use quorum_domain::{Decimal, Instrument, OrderType, Side, Symbol, TimeInForce};

/// Longest accepted client order id and account name.
pub const MAX_ID_LENGTH: usize = 64;

/// An order as a caller asks for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOrder {
    /// Paper account; empty means "default".
    pub account: String,
    /// Caller's idempotency key; empty means one is generated.
    pub client_order_id: String,
    pub symbol: Symbol,
    pub side: Side,
    pub order_type: OrderType,
    /// Required for limit orders; market orders are IOC unless FOK is asked.
    pub time_in_force: Option<TimeInForce>,
    pub post_only: bool,
    pub quantity: Decimal,
    /// Limit price; must be absent for market orders.
    pub price: Option<Decimal>,
}

/// The account name an order or query refers to ("default" when empty).
pub fn account_name(account: &str) -> Result<String, FieldProblem> {
    let account = account.trim();
    if account.is_empty() {
        return Ok("default".into());
    }
    check_id("account", account)?;
    Ok(account.to_string())
}

/// An id made of letters, digits and `-_.:`, at most [`MAX_ID_LENGTH`] long.
pub fn check_id(field: &str, id: &str) -> Result<(), FieldProblem> {
    let fine = id.len() <= MAX_ID_LENGTH
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'));
    if fine {
        Ok(())
    } else {
        Err(FieldProblem::new(
            field,
            format!("must be at most {MAX_ID_LENGTH} letters, digits or - _ . :"),
        ))
    }
}

/// Checks `order` against `instrument` and returns its time in force.
pub fn check(order: &NewOrder, instrument: &Instrument) -> Result<TimeInForce, FieldProblem> {
    if !order.client_order_id.is_empty() {
        check_id("client_order_id", &order.client_order_id)?;
    }
    if order.quantity <= Decimal::ZERO {
        return Err(FieldProblem::new("quantity", "must be positive"));
    }
    if !instrument.on_lot(order.quantity) {
        return Err(FieldProblem::new(
            "quantity",
            format!(
                "must be a multiple of the lot size {} of {}",
                instrument.lot_size.normalize(),
                instrument.symbol
            ),
        ));
    }
    match order.order_type {
        OrderType::Market => check_market(order),
        OrderType::Limit => check_limit(order, instrument),
    }
}

fn check_market(order: &NewOrder) -> Result<TimeInForce, FieldProblem> {
    if order.price.is_some() {
        return Err(FieldProblem::new(
            "price",
            "must be empty for a market order (use ORDER_TYPE_LIMIT to set a price)",
        ));
    }
    if order.post_only {
        return Err(FieldProblem::new(
            "post_only",
            "a market order always takes liquidity; use a limit order",
        ));
    }
    match order.time_in_force {
        None | Some(TimeInForce::Ioc) => Ok(TimeInForce::Ioc),
        Some(TimeInForce::Fok) => Ok(TimeInForce::Fok),
        Some(TimeInForce::Gtc) => Err(FieldProblem::new(
            "time_in_force",
            "a market order cannot rest: use TIME_IN_FORCE_IOC, TIME_IN_FORCE_FOK or leave it unset",
        )),
    }
}

fn check_limit(order: &NewOrder, instrument: &Instrument) -> Result<TimeInForce, FieldProblem> {
    let price = order.price.ok_or_else(|| {
        FieldProblem::new("price", "is required for a limit order, e.g. \"42000.5\"")
    })?;
    if price <= Decimal::ZERO {
        return Err(FieldProblem::new("price", "must be positive"));
    }
    if !instrument.on_tick(price) {
        return Err(FieldProblem::new(
            "price",
            format!(
                "must be a multiple of the tick size {} of {}",
                instrument.tick_size.normalize(),
                instrument.symbol
            ),
        ));
    }
    let time_in_force = order.time_in_force.ok_or_else(|| {
        FieldProblem::new(
            "time_in_force",
            "is required for a limit order: TIME_IN_FORCE_GTC, TIME_IN_FORCE_IOC or TIME_IN_FORCE_FOK",
        )
    })?;
    if order.post_only && time_in_force != TimeInForce::Gtc {
        return Err(FieldProblem::new(
            "post_only",
            "needs TIME_IN_FORCE_GTC: a post-only order exists to rest on the book",
        ));
    }
    check_notional(price * order.quantity, instrument)?;
    Ok(time_in_force)
}

/// The venue's minimum order value, checked on `notional` in the quote asset.
pub fn check_notional(notional: Decimal, instrument: &Instrument) -> Result<(), FieldProblem> {
    if notional < instrument.min_notional {
        return Err(FieldProblem::new(
            "quantity",
            format!(
                "the order is worth {} {} but {} needs at least {}",
                notional.normalize(),
                instrument.symbol.quote(),
                instrument.symbol,
                instrument.min_notional.normalize()
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use quorum_domain::Venue;
    use rust_decimal::dec;

    fn instrument() -> Instrument {
        Instrument {
            venue: Venue::Binance,
            symbol: "BTC-USDT".parse().unwrap(),
            venue_symbol: "BTCUSDT".into(),
            tick_size: dec!(0.01),
            lot_size: dec!(0.0001),
            min_notional: dec!(5),
        }
    }

    fn limit() -> NewOrder {
        NewOrder {
            account: String::new(),
            client_order_id: "c-1".into(),
            symbol: "BTC-USDT".parse().unwrap(),
            side: Side::Buy,
            order_type: OrderType::Limit,
            time_in_force: Some(TimeInForce::Gtc),
            post_only: false,
            quantity: dec!(0.01),
            price: Some(dec!(60000.01)),
        }
    }

    #[test]
    fn good_orders_pass_and_market_orders_default_to_ioc() {
        assert_eq!(check(&limit(), &instrument()), Ok(TimeInForce::Gtc));
        let market = NewOrder {
            order_type: OrderType::Market,
            time_in_force: None,
            price: None,
            ..limit()
        };
        assert_eq!(check(&market, &instrument()), Ok(TimeInForce::Ioc));
    }

    #[test]
    fn each_bad_order_names_its_field() {
        type Edit = fn(&mut NewOrder);
        let cases: Vec<(Edit, &str)> = vec![
            (|o| o.quantity = dec!(0), "quantity"),
            (|o| o.quantity = dec!(-1), "quantity"),
            (|o| o.quantity = dec!(0.00015), "quantity"),
            (
                |o| {
                    o.quantity = dec!(0.0001);
                    o.price = Some(dec!(10000));
                },
                "quantity",
            ),
            (|o| o.price = None, "price"),
            (|o| o.price = Some(dec!(0)), "price"),
            (|o| o.price = Some(dec!(60000.001)), "price"),
            (|o| o.time_in_force = None, "time_in_force"),
            (
                |o| {
                    o.post_only = true;
                    o.time_in_force = Some(TimeInForce::Ioc);
                },
                "post_only",
            ),
            (
                |o| o.client_order_id = "has space".into(),
                "client_order_id",
            ),
            (
                |o| {
                    o.order_type = OrderType::Market;
                    o.time_in_force = None;
                },
                "price",
            ),
            (
                |o| {
                    o.order_type = OrderType::Market;
                    o.price = None;
                },
                "time_in_force",
            ),
        ];
        for (edit, field) in cases {
            let mut order = limit();
            edit(&mut order);
            let problem = check(&order, &instrument()).unwrap_err();
            assert_eq!(problem.field, field, "{problem}");
        }
    }

    #[test]
    fn accounts_default_and_are_checked() {
        assert_eq!(account_name(" ").unwrap(), "default");
        assert_eq!(account_name("desk-1").unwrap(), "desk-1");
        assert_eq!(account_name("a/b").unwrap_err().field, "account");
    }
}
