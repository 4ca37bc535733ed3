//! Between the ledger's views and the PortfolioService messages, and from a protobuf
//! fill to the domain fill (naming the field at fault).
use quorum_domain::convert::{
    FieldProblem, decimal, optional_decimal, parse_decimal, parse_side, parse_symbol, parse_venue,
    venue,
};
use quorum_domain::{Fill, Liquidity};
use quorum_ledger::{PortfolioView, PositionView};
use quorum_proto::exchange::v1 as exchange;
use quorum_proto::trading::v1 as trading;

use crate::equity::EquityPoint;

pub fn portfolio(view: &PortfolioView) -> trading::Portfolio {
    trading::Portfolio {
        account: view.account.clone(),
        venue: view
            .venue
            .map(|value| venue(value).into())
            .unwrap_or_default(),
        balances: view
            .balances
            .iter()
            .map(|(asset, quantity)| trading::AssetBalance {
                asset: asset.clone(),
                quantity: Some(decimal(*quantity)),
            })
            .collect(),
        positions: view.positions.iter().map(position).collect(),
        exposures: view
            .exposures
            .iter()
            .map(|exposure| trading::Exposure {
                asset: exposure.asset.clone(),
                quantity: Some(decimal(exposure.quantity)),
                value: optional_decimal(exposure.value),
            })
            .collect(),
        equity: optional_decimal(view.equity),
        realized_pnl: optional_decimal(view.realized_pnl),
        unrealized_pnl: optional_decimal(view.unrealized_pnl),
        fees: optional_decimal(view.fees),
        gross_exposure: optional_decimal(view.gross_exposure),
        net_exposure: optional_decimal(view.net_exposure),
        updated_unix_ms: view.updated_at_ms,
        fills: view.fills,
    }
}

pub fn position(view: &PositionView) -> trading::Position {
    let position = &view.position;
    trading::Position {
        account: position.account.clone(),
        venue: venue(position.venue).into(),
        symbol: position.symbol.to_string(),
        quantity: Some(decimal(position.quantity)),
        average_cost: optional_decimal(position.average_cost()),
        realized_pnl: Some(decimal(position.realized_pnl())),
        unrealized_pnl: optional_decimal(view.unrealized_pnl),
        mark_price: optional_decimal(view.mark.map(|mark| mark.price)),
        marked_unix_ms: view.mark.map(|mark| mark.at_ms).unwrap_or_default(),
        fees: Some(decimal(position.fees)),
        market_value: optional_decimal(view.market_value),
    }
}

pub fn equity_point(point: &EquityPoint) -> trading::EquityPoint {
    trading::EquityPoint {
        at_unix_ms: point.at_ms,
        equity: Some(decimal(point.equity)),
        cash: Some(decimal(point.cash)),
        positions_value: Some(decimal(point.positions_value)),
    }
}

/// The domain fill of an ApplyFill request's `fill`; every problem is named, as
/// `fill.<field>`. The ledger checks amounts and ids.
pub fn parse_fill(value: &exchange::Fill) -> Result<Fill, Vec<FieldProblem>> {
    let mut problems = Vec::new();
    let venue = take(&mut problems, parse_venue("fill.venue", value.venue));
    let symbol = take(&mut problems, parse_symbol("fill.symbol", &value.symbol));
    let side = take(&mut problems, parse_side("fill.side", value.side));
    let price = take(
        &mut problems,
        parse_decimal("fill.price", value.price.as_ref()),
    );
    let quantity = take(
        &mut problems,
        parse_decimal("fill.quantity", value.quantity.as_ref()),
    );
    let fee = match value.fee.as_ref() {
        Some(fee) if !fee.value.trim().is_empty() => {
            take(&mut problems, parse_decimal("fill.fee", Some(fee)))
        }
        // No fee given: none was charged.
        _ => Some(rust_decimal::Decimal::ZERO),
    };
    let liquidity = take(
        &mut problems,
        parse_liquidity("fill.liquidity", value.liquidity),
    );
    match (venue, symbol, side, price, quantity, fee, liquidity) {
        (
            Some(venue),
            Some(symbol),
            Some(side),
            Some(price),
            Some(quantity),
            Some(fee),
            Some(liquidity),
        ) => Ok(Fill {
            fill_id: value.fill_id.clone(),
            order_id: value.order_id.clone(),
            account: value.account.clone(),
            venue,
            symbol,
            side,
            price,
            quantity,
            fee,
            fee_asset: value.fee_asset.clone(),
            liquidity,
            filled_at_ms: value.filled_at_unix_ms,
        }),
        _ => Err(problems),
    }
}

fn take<T>(problems: &mut Vec<FieldProblem>, parsed: Result<T, FieldProblem>) -> Option<T> {
    parsed.map_err(|problem| problems.push(problem)).ok()
}

fn parse_liquidity(field: &str, value: i32) -> Result<Liquidity, FieldProblem> {
    match exchange::Liquidity::try_from(value) {
        Ok(exchange::Liquidity::Maker) => Ok(Liquidity::Maker),
        Ok(exchange::Liquidity::Taker) => Ok(Liquidity::Taker),
        _ => Err(FieldProblem::new(
            field,
            "is required: LIQUIDITY_MAKER or LIQUIDITY_TAKER",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quorum_proto::common::v1 as common;
    use quorum_proto::market::v1 as market;

    fn dec(text: &str) -> Option<common::Decimal> {
        Some(common::Decimal { value: text.into() })
    }

    fn good() -> exchange::Fill {
        exchange::Fill {
            fill_id: "f-1".into(),
            order_id: "o-1".into(),
            venue: market::Venue::Okx.into(),
            symbol: "btc-usdt".into(),
            side: market::Side::Sell.into(),
            price: dec("42000"),
            quantity: dec("0.5"),
            fee: None,
            fee_asset: String::new(),
            liquidity: exchange::Liquidity::Maker.into(),
            filled_at_unix_ms: 7,
            account: "alice".into(),
        }
    }

    #[test]
    fn a_good_fill_parses_with_no_fee_as_zero() {
        let fill = parse_fill(&good()).unwrap();
        assert_eq!(fill.symbol.as_str(), "BTC-USDT");
        assert_eq!(fill.fee, rust_decimal::Decimal::ZERO);
        assert_eq!(fill.liquidity, Liquidity::Maker);
    }

    #[test]
    fn every_bad_field_is_named() {
        let bad = exchange::Fill {
            venue: 0,
            symbol: "BTCUSDT".into(),
            side: 0,
            price: dec("x"),
            quantity: None,
            fee: dec("y"),
            liquidity: 0,
            ..good()
        };
        let fields: Vec<String> = parse_fill(&bad)
            .unwrap_err()
            .into_iter()
            .map(|problem| problem.field)
            .collect();
        assert_eq!(
            fields,
            [
                "fill.venue",
                "fill.symbol",
                "fill.side",
                "fill.price",
                "fill.quantity",
                "fill.fee",
                "fill.liquidity"
            ]
        );
    }
}
