//! Realized PnL and fees of a time range, summed per quote asset in the journal, in the
//! valuation asset: amounts in another quote are converted at that quote's mark, and
//! are unknown (`None`, never zero) without one.
use quorum_domain::Decimal;
use quorum_ledger::Marks;

/// `(realized, fees)` of `rows` (quote asset, realized net of fees, fees).
pub fn in_valuation(
    rows: &[(String, Decimal, Decimal)],
    marks: &Marks,
    valuation_asset: &str,
) -> (Option<Decimal>, Option<Decimal>) {
    let mut realized = Some(Decimal::ZERO);
    let mut fees = Some(Decimal::ZERO);
    for (quote, quote_realized, quote_fees) in rows {
        let price = marks
            .price_of(quote, valuation_asset)
            .map(|(price, _)| price);
        let convert = |amount: Decimal| match price {
            Some(price) if price == Decimal::ONE => Some(amount),
            Some(price) => amount.checked_mul(price),
            None => None,
        };
        realized = realized
            .zip(convert(*quote_realized))
            .and_then(|(a, b)| a.checked_add(b));
        fees = fees
            .zip(convert(*quote_fees))
            .and_then(|(a, b)| a.checked_add(b));
    }
    (realized, fees)
}

#[cfg(test)]
mod tests {
    use super::*;
    use quorum_ledger::Mark;

    #[test]
    fn quotes_other_than_the_valuation_asset_need_a_mark() {
        let rows = vec![
            ("USDT".to_string(), Decimal::from(10), Decimal::from(2)),
            ("BTC".to_string(), Decimal::new(1, 3), Decimal::new(1, 4)),
        ];
        assert_eq!(in_valuation(&rows, &Marks::new(), "USDT"), (None, None));
        let mut marks = Marks::new();
        marks.set(
            "BTC-USDT".parse().unwrap(),
            Mark {
                price: Decimal::from(50_000),
                at_ms: 1,
            },
        );
        assert_eq!(
            in_valuation(&rows, &marks, "USDT"),
            (Some(Decimal::from(60)), Some(Decimal::from(7)))
        );
        assert_eq!(
            in_valuation(&[], &Marks::new(), "USDT"),
            (Some(Decimal::ZERO), Some(Decimal::ZERO))
        );
    }
}
