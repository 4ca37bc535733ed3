//! Conversions between the domain types and the protobuf contracts. Outgoing
//! conversions cannot fail; incoming ones validate and name the offending field.
use rust_decimal::Decimal;

use quorum_proto::common::v1 as common;
use quorum_proto::exchange::v1 as exchange;
use quorum_proto::market::v1 as market;

use crate::{
    BookUpdate, Candle, Fill, Instrument, Level, Liquidity, Order, OrderStatus, OrderType, Side,
    Symbol, Ticker, TimeInForce, Trade, Venue,
};

/// A request field that is missing or wrong, and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {problem}")]
pub struct FieldProblem {
    pub field: String,
    pub problem: String,
}

impl FieldProblem {
    pub fn new(field: impl Into<String>, problem: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            problem: problem.into(),
        }
    }
}

// ---- decimals, symbols, enums --------------------------------------------------------

pub fn decimal(value: Decimal) -> common::Decimal {
    common::Decimal {
        value: value.normalize().to_string(),
    }
}

pub fn optional_decimal(value: Option<Decimal>) -> Option<common::Decimal> {
    value.map(decimal)
}

/// A required decimal field.
pub fn parse_decimal(
    field: &str,
    value: Option<&common::Decimal>,
) -> Result<Decimal, FieldProblem> {
    let text = value
        .map(|value| value.value.trim())
        .filter(|text| !text.is_empty())
        .ok_or_else(|| {
            FieldProblem::new(field, "is required, as a decimal string such as \"0.5\"")
        })?;
    text.parse::<Decimal>()
        .or_else(|_| Decimal::from_scientific(text))
        .map_err(|_| FieldProblem::new(field, format!("'{text}' is not a decimal number")))
}

/// An optional decimal field: absent or empty is `None`.
pub fn parse_optional_decimal(
    field: &str,
    value: Option<&common::Decimal>,
) -> Result<Option<Decimal>, FieldProblem> {
    match value {
        Some(inner) if !inner.value.trim().is_empty() => parse_decimal(field, value).map(Some),
        _ => Ok(None),
    }
}

/// A required canonical symbol.
pub fn parse_symbol(field: &str, text: &str) -> Result<Symbol, FieldProblem> {
    if text.trim().is_empty() {
        return Err(FieldProblem::new(field, "is required, e.g. BTC-USDT"));
    }
    text.parse::<Symbol>()
        .map_err(|error| FieldProblem::new(field, error.to_string()))
}

pub fn venue(value: Venue) -> market::Venue {
    match value {
        Venue::Binance => market::Venue::Binance,
        Venue::Coinbase => market::Venue::Coinbase,
        Venue::Okx => market::Venue::Okx,
        Venue::Gateio => market::Venue::Gateio,
    }
}

/// A venue field where VENUE_UNSPECIFIED means "all venues" (`None`).
pub fn parse_venue_filter(field: &str, value: i32) -> Result<Option<Venue>, FieldProblem> {
    match market::Venue::try_from(value) {
        Ok(market::Venue::Unspecified) => Ok(None),
        Ok(market::Venue::Binance) => Ok(Some(Venue::Binance)),
        Ok(market::Venue::Coinbase) => Ok(Some(Venue::Coinbase)),
        Ok(market::Venue::Okx) => Ok(Some(Venue::Okx)),
        Ok(market::Venue::Gateio) => Ok(Some(Venue::Gateio)),
        Err(_) => Err(FieldProblem::new(field, format!("{value} is not a venue"))),
    }
}

/// A venue field that must name one venue.
pub fn parse_venue(field: &str, value: i32) -> Result<Venue, FieldProblem> {
    parse_venue_filter(field, value)?.ok_or_else(|| {
        FieldProblem::new(
            field,
            "is required: VENUE_BINANCE, VENUE_COINBASE, VENUE_OKX or VENUE_GATEIO",
        )
    })
}

pub fn side(value: Side) -> market::Side {
    match value {
        Side::Buy => market::Side::Buy,
        Side::Sell => market::Side::Sell,
    }
}

pub fn parse_side(field: &str, value: i32) -> Result<Side, FieldProblem> {
    match market::Side::try_from(value) {
        Ok(market::Side::Buy) => Ok(Side::Buy),
        Ok(market::Side::Sell) => Ok(Side::Sell),
        _ => Err(FieldProblem::new(
            field,
            "is required: SIDE_BUY or SIDE_SELL",
        )),
    }
}

pub fn parse_order_type(field: &str, value: i32) -> Result<OrderType, FieldProblem> {
    match exchange::OrderType::try_from(value) {
        Ok(exchange::OrderType::Limit) => Ok(OrderType::Limit),
        Ok(exchange::OrderType::Market) => Ok(OrderType::Market),
        _ => Err(FieldProblem::new(
            field,
            "is required: ORDER_TYPE_LIMIT or ORDER_TYPE_MARKET",
        )),
    }
}

/// A time-in-force field; unspecified is `None` (the caller picks the default).
pub fn parse_time_in_force(field: &str, value: i32) -> Result<Option<TimeInForce>, FieldProblem> {
    match exchange::TimeInForce::try_from(value) {
        Ok(exchange::TimeInForce::Unspecified) => Ok(None),
        Ok(exchange::TimeInForce::Gtc) => Ok(Some(TimeInForce::Gtc)),
        Ok(exchange::TimeInForce::Ioc) => Ok(Some(TimeInForce::Ioc)),
        Ok(exchange::TimeInForce::Fok) => Ok(Some(TimeInForce::Fok)),
        Err(_) => Err(FieldProblem::new(
            field,
            format!("{value} is not a time in force"),
        )),
    }
}

fn order_type(value: OrderType) -> exchange::OrderType {
    match value {
        OrderType::Limit => exchange::OrderType::Limit,
        OrderType::Market => exchange::OrderType::Market,
    }
}

fn time_in_force(value: TimeInForce) -> exchange::TimeInForce {
    match value {
        TimeInForce::Gtc => exchange::TimeInForce::Gtc,
        TimeInForce::Ioc => exchange::TimeInForce::Ioc,
        TimeInForce::Fok => exchange::TimeInForce::Fok,
    }
}

fn order_status(value: OrderStatus) -> exchange::OrderStatus {
    match value {
        OrderStatus::New => exchange::OrderStatus::New,
        OrderStatus::PartiallyFilled => exchange::OrderStatus::PartiallyFilled,
        OrderStatus::Filled => exchange::OrderStatus::Filled,
        OrderStatus::Canceled => exchange::OrderStatus::Canceled,
        OrderStatus::Rejected => exchange::OrderStatus::Rejected,
        OrderStatus::Expired => exchange::OrderStatus::Expired,
    }
}

fn liquidity(value: Liquidity) -> exchange::Liquidity {
    match value {
        Liquidity::Maker => exchange::Liquidity::Maker,
        Liquidity::Taker => exchange::Liquidity::Taker,
    }
}

// ---- market data -----------------------------------------------------------------------

pub fn level(value: &Level) -> market::PriceLevel {
    market::PriceLevel {
        price: Some(decimal(value.price)),
        quantity: Some(decimal(value.quantity)),
    }
}

pub fn levels(values: &[Level]) -> Vec<market::PriceLevel> {
    values.iter().map(level).collect()
}

pub fn parse_level(field: &str, value: &market::PriceLevel) -> Result<Level, FieldProblem> {
    let price = parse_decimal(&format!("{field}.price"), value.price.as_ref())?;
    let quantity = parse_decimal(&format!("{field}.quantity"), value.quantity.as_ref())?;
    if price <= Decimal::ZERO {
        return Err(FieldProblem::new(
            format!("{field}.price"),
            "must be positive",
        ));
    }
    if quantity < Decimal::ZERO {
        return Err(FieldProblem::new(
            format!("{field}.quantity"),
            "must not be negative",
        ));
    }
    Ok(Level::new(price, quantity))
}

pub fn trade(value: &Trade) -> market::Trade {
    market::Trade {
        venue: venue(value.venue).into(),
        symbol: value.symbol.to_string(),
        trade_id: value.trade_id.clone(),
        price: Some(decimal(value.price)),
        quantity: Some(decimal(value.quantity)),
        taker_side: side(value.taker_side).into(),
        traded_at_unix_ms: value.traded_at_ms,
    }
}

/// Validates a trade sent by a client (`field` prefixes the field names).
pub fn parse_trade(field: &str, value: &market::Trade) -> Result<Trade, FieldProblem> {
    let venue = parse_venue(&format!("{field}.venue"), value.venue)?;
    let symbol = parse_symbol(&format!("{field}.symbol"), &value.symbol)?;
    let trade_id = value.trade_id.trim();
    if trade_id.is_empty() || trade_id.len() > 128 {
        return Err(FieldProblem::new(
            format!("{field}.trade_id"),
            "is required (at most 128 characters)",
        ));
    }
    let price = parse_decimal(&format!("{field}.price"), value.price.as_ref())?;
    if price <= Decimal::ZERO {
        return Err(FieldProblem::new(
            format!("{field}.price"),
            "must be positive",
        ));
    }
    let quantity = parse_decimal(&format!("{field}.quantity"), value.quantity.as_ref())?;
    if quantity <= Decimal::ZERO {
        return Err(FieldProblem::new(
            format!("{field}.quantity"),
            "must be positive",
        ));
    }
    let taker_side = parse_side(&format!("{field}.taker_side"), value.taker_side)?;
    if value.traded_at_unix_ms <= 0 {
        return Err(FieldProblem::new(
            format!("{field}.traded_at_unix_ms"),
            "must be a positive Unix time in milliseconds",
        ));
    }
    Ok(Trade {
        venue,
        symbol,
        trade_id: trade_id.to_string(),
        price,
        quantity,
        taker_side,
        traded_at_ms: value.traded_at_unix_ms,
    })
}

pub fn book_update(value: &BookUpdate) -> market::BookUpdate {
    market::BookUpdate {
        venue: venue(value.venue).into(),
        symbol: value.symbol.to_string(),
        sequence: value.sequence,
        snapshot: value.snapshot,
        bids: levels(&value.bids),
        asks: levels(&value.asks),
        event_unix_ms: value.event_ms,
    }
}

pub fn ticker(value: &Ticker) -> market::Ticker {
    market::Ticker {
        venue: venue(value.venue).into(),
        symbol: value.symbol.to_string(),
        best_bid: value.best_bid.map(|level| decimal(level.price)),
        best_bid_quantity: value.best_bid.map(|level| decimal(level.quantity)),
        best_ask: value.best_ask.map(|level| decimal(level.price)),
        best_ask_quantity: value.best_ask.map(|level| decimal(level.quantity)),
        last_price: optional_decimal(value.last_price),
        event_unix_ms: value.event_ms,
    }
}

pub fn candle(value: &Candle) -> market::Candle {
    market::Candle {
        open_time_unix_ms: value.open_time_ms,
        open: Some(decimal(value.open)),
        high: Some(decimal(value.high)),
        low: Some(decimal(value.low)),
        close: Some(decimal(value.close)),
        volume: Some(decimal(value.volume)),
        quote_volume: Some(decimal(value.quote_volume)),
        trade_count: value.trade_count,
    }
}

/// A candle from its protobuf form: every price positive, volumes not negative, high the
/// highest and low the lowest of the four prices; problems name `field.<part>`.
pub fn parse_candle(field: &str, value: &market::Candle) -> Result<Candle, FieldProblem> {
    let part = |name: &str, decimal: Option<&common::Decimal>| {
        parse_decimal(&format!("{field}.{name}"), decimal)
    };
    let candle = Candle {
        open_time_ms: value.open_time_unix_ms,
        open: part("open", value.open.as_ref())?,
        high: part("high", value.high.as_ref())?,
        low: part("low", value.low.as_ref())?,
        close: part("close", value.close.as_ref())?,
        volume: part("volume", value.volume.as_ref())?,
        quote_volume: match value.quote_volume.as_ref() {
            Some(quote) if !quote.value.trim().is_empty() => part("quote_volume", Some(quote))?,
            _ => Decimal::ZERO,
        },
        trade_count: value.trade_count,
    };
    for (name, price) in [
        ("open", candle.open),
        ("high", candle.high),
        ("low", candle.low),
        ("close", candle.close),
    ] {
        if price <= Decimal::ZERO {
            return Err(FieldProblem::new(
                format!("{field}.{name}"),
                "must be positive",
            ));
        }
    }
    if candle.high < candle.open.max(candle.close).max(candle.low) {
        return Err(FieldProblem::new(
            format!("{field}.high"),
            "must be at least open, close and low",
        ));
    }
    if candle.low > candle.open.min(candle.close) {
        return Err(FieldProblem::new(
            format!("{field}.low"),
            "must be at most open and close",
        ));
    }
    if candle.volume < Decimal::ZERO || candle.quote_volume < Decimal::ZERO {
        return Err(FieldProblem::new(
            format!("{field}.volume"),
            "must not be negative",
        ));
    }
    Ok(candle)
}

pub fn instrument(value: &Instrument) -> exchange::Instrument {
    exchange::Instrument {
        symbol: value.symbol.to_string(),
        venue_symbol: value.venue_symbol.clone(),
        base_asset: value.symbol.base().to_string(),
        quote_asset: value.symbol.quote().to_string(),
        tick_size: Some(decimal(value.tick_size)),
        lot_size: Some(decimal(value.lot_size)),
        min_notional: Some(decimal(value.min_notional)),
    }
}

// ---- orders ----------------------------------------------------------------------------

pub fn fill(value: &Fill) -> exchange::Fill {
    exchange::Fill {
        fill_id: value.fill_id.clone(),
        order_id: value.order_id.clone(),
        venue: venue(value.venue).into(),
        symbol: value.symbol.to_string(),
        side: side(value.side).into(),
        price: Some(decimal(value.price)),
        quantity: Some(decimal(value.quantity)),
        fee: Some(decimal(value.fee)),
        fee_asset: value.fee_asset.clone(),
        liquidity: liquidity(value.liquidity).into(),
        filled_at_unix_ms: value.filled_at_ms,
        account: value.account.clone(),
    }
}

pub fn order(value: &Order) -> exchange::Order {
    exchange::Order {
        order_id: value.order_id.clone(),
        client_order_id: value.client_order_id.clone(),
        venue: venue(value.venue).into(),
        symbol: value.symbol.to_string(),
        side: side(value.side).into(),
        r#type: order_type(value.order_type).into(),
        time_in_force: time_in_force(value.time_in_force).into(),
        post_only: value.post_only,
        price: optional_decimal(value.price),
        quantity: Some(decimal(value.quantity)),
        filled_quantity: Some(decimal(value.filled_quantity)),
        average_price: optional_decimal(value.average_price()),
        fee: Some(decimal(value.fee)),
        fee_asset: value.fee_asset.clone(),
        status: order_status(value.status).into(),
        reason: value.reason.clone(),
        created_at_unix_ms: value.created_at_ms,
        updated_at_unix_ms: value.updated_at_ms,
        fills: value.fills.iter().map(fill).collect(),
        account: value.account.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    fn proto_trade() -> market::Trade {
        market::Trade {
            venue: market::Venue::Binance.into(),
            symbol: "btc-usdt".into(),
            trade_id: "12345".into(),
            price: Some(common::Decimal {
                value: "42000.10".into(),
            }),
            quantity: Some(common::Decimal {
                value: "0.5".into(),
            }),
            taker_side: market::Side::Sell.into(),
            traded_at_unix_ms: 1_700_000_000_000,
        }
    }

    #[test]
    fn candles_round_trip_and_bad_parts_are_named() {
        let good = Candle {
            open_time_ms: 60_000,
            open: dec!(100),
            high: dec!(105),
            low: dec!(99),
            close: dec!(104),
            volume: dec!(2),
            quote_volume: dec!(205),
            trade_count: 3,
        };
        assert_eq!(parse_candle("candles[0]", &candle(&good)).unwrap(), good);
        let field_of = |edit: fn(&mut Candle)| {
            let mut bad = good.clone();
            edit(&mut bad);
            parse_candle("candles[2]", &candle(&bad)).unwrap_err().field
        };
        assert_eq!(field_of(|c| c.high = dec!(103)), "candles[2].high");
        assert_eq!(field_of(|c| c.low = dec!(101)), "candles[2].low");
        assert_eq!(field_of(|c| c.open = dec!(0)), "candles[2].open");
        assert_eq!(field_of(|c| c.volume = dec!(-1)), "candles[2].volume");
        let mut missing = candle(&good);
        missing.close = None;
        assert_eq!(parse_candle("c", &missing).unwrap_err().field, "c.close");
    }

    #[test]
    fn a_valid_trade_round_trips() {
        let parsed = parse_trade("trades[0]", &proto_trade()).unwrap();
        assert_eq!(parsed.symbol.as_str(), "BTC-USDT");
        assert_eq!(parsed.price, dec!(42000.10));
        let back = trade(&parsed);
        assert_eq!(back.price.unwrap().value, "42000.1");
        assert_eq!(back.symbol, "BTC-USDT");
    }

    #[test]
    fn bad_trades_name_the_field() {
        type Edit = fn(&mut market::Trade);
        let cases: Vec<(Edit, &str)> = vec![
            (|t| t.venue = 0, "trades[0].venue"),
            (|t| t.venue = 99, "trades[0].venue"),
            (|t| t.symbol = "BTCUSDT".into(), "trades[0].symbol"),
            (|t| t.trade_id = String::new(), "trades[0].trade_id"),
            (|t| t.price = None, "trades[0].price"),
            (
                |t| {
                    t.price = Some(common::Decimal {
                        value: "abc".into(),
                    })
                },
                "trades[0].price",
            ),
            (
                |t| t.price = Some(common::Decimal { value: "-1".into() }),
                "trades[0].price",
            ),
            (
                |t| t.quantity = Some(common::Decimal { value: "0".into() }),
                "trades[0].quantity",
            ),
            (|t| t.taker_side = 0, "trades[0].taker_side"),
            (|t| t.traded_at_unix_ms = 0, "trades[0].traded_at_unix_ms"),
        ];
        for (edit, field) in cases {
            let mut value = proto_trade();
            edit(&mut value);
            let problem = parse_trade("trades[0]", &value).unwrap_err();
            assert_eq!(problem.field, field, "{problem}");
        }
    }

    #[test]
    fn decimals_accept_plain_and_scientific_text() {
        let value = |text: &str| common::Decimal { value: text.into() };
        assert_eq!(
            parse_decimal("q", Some(&value("1e-3"))).unwrap(),
            dec!(0.001)
        );
        assert_eq!(parse_optional_decimal("q", Some(&value(""))).unwrap(), None);
        assert!(parse_decimal("q", None).is_err());
    }
}
