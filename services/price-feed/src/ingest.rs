//! Checks on events from the bus before they touch the state: a malformed event is
//! refused (and dead-lettered by the consumer) rather than trusted.
use quorum_domain::{Decimal, Level, Ticker, Trade};

/// Largest price or quantity accepted: far beyond any real market, and small enough
/// that sums and products of a few of them stay exact.
pub const MAX_VALUE: Decimal = Decimal::from_parts(0xA764_0000, 0x0DE0_B6B3, 0, false, 0);

/// Why a ticker is refused, or `Ok`.
pub fn check_ticker(ticker: &Ticker) -> Result<(), String> {
    if ticker.event_ms <= 0 {
        return Err("event_ms must be a positive Unix time in milliseconds".into());
    }
    if let Some(bid) = &ticker.best_bid {
        check_level("best_bid", bid)?;
    }
    if let Some(ask) = &ticker.best_ask {
        check_level("best_ask", ask)?;
    }
    if let Some(last) = ticker.last_price {
        check_price("last_price", last)?;
    }
    Ok(())
}

/// Why a trade is refused, or `Ok`.
pub fn check_trade(trade: &Trade) -> Result<(), String> {
    check_price("price", trade.price)?;
    if trade.quantity <= Decimal::ZERO || trade.quantity > MAX_VALUE {
        return Err(format!(
            "quantity {} must be positive and at most {MAX_VALUE}",
            trade.quantity
        ));
    }
    if trade.traded_at_ms <= 0 {
        return Err("traded_at_ms must be a positive Unix time in milliseconds".into());
    }
    Ok(())
}

fn check_level(field: &str, level: &Level) -> Result<(), String> {
    check_price(&format!("{field}.price"), level.price)?;
    if level.quantity < Decimal::ZERO || level.quantity > MAX_VALUE {
        return Err(format!(
            "{field}.quantity {} must be between 0 and {MAX_VALUE}",
            level.quantity
        ));
    }
    Ok(())
}

fn check_price(field: &str, price: Decimal) -> Result<(), String> {
    if price <= Decimal::ZERO || price > MAX_VALUE {
        return Err(format!(
            "{field} {price} must be positive and at most {MAX_VALUE}"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use quorum_domain::{Side, Venue};
    use rust_decimal::dec;

    fn ticker() -> Ticker {
        Ticker {
            venue: Venue::Coinbase,
            symbol: "BTC-USD".parse().unwrap(),
            best_bid: Some(Level::new(dec!(42000), dec!(0.5))),
            best_ask: Some(Level::new(dec!(42001), dec!(0))),
            last_price: None,
            event_ms: 1_700_000_000_000,
        }
    }

    #[test]
    fn the_largest_value_is_ten_to_the_eighteenth() {
        assert_eq!(MAX_VALUE, dec!(1_000_000_000_000_000_000));
    }

    #[test]
    fn good_tickers_pass_and_bad_fields_are_named() {
        assert_eq!(check_ticker(&ticker()), Ok(()));
        let mut bad = ticker();
        bad.best_bid = Some(Level::new(dec!(0), dec!(1)));
        assert!(
            check_ticker(&bad)
                .unwrap_err()
                .starts_with("best_bid.price")
        );
        let mut bad = ticker();
        bad.best_ask = Some(Level::new(dec!(1), dec!(-1)));
        assert!(
            check_ticker(&bad)
                .unwrap_err()
                .starts_with("best_ask.quantity")
        );
        let mut bad = ticker();
        bad.last_price = Some(MAX_VALUE + dec!(1));
        assert!(check_ticker(&bad).unwrap_err().starts_with("last_price"));
        let mut bad = ticker();
        bad.event_ms = 0;
        assert!(check_ticker(&bad).unwrap_err().starts_with("event_ms"));
    }

    #[test]
    fn trades_need_a_positive_price_and_quantity() {
        let trade = Trade {
            venue: Venue::Okx,
            symbol: "BTC-USDT".parse().unwrap(),
            trade_id: "1".into(),
            price: dec!(42000),
            quantity: dec!(0.01),
            taker_side: Side::Sell,
            traded_at_ms: 1_700_000_000_000,
        };
        assert_eq!(check_trade(&trade), Ok(()));
        let mut bad = trade.clone();
        bad.quantity = dec!(0);
        assert!(check_trade(&bad).unwrap_err().starts_with("quantity"));
        let mut bad = trade;
        bad.price = dec!(-3);
        assert!(check_trade(&bad).unwrap_err().starts_with("price"));
    }
}
