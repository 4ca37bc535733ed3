//! A position in one symbol on one venue, at weighted average cost.
//!
//! The position keeps its signed quantity and the signed cost of that open quantity
//! (quantity x price of the fills that opened it, fees excluded). A fill in the
//! direction of the position (or from flat) adds quantity and cost. A fill against it
//! closes up to the open quantity: the closed part takes its share of the cost with it,
//! `cost x closed / |quantity|` rounded to [`COST_SCALE`] places (all of it when the
//! position closes), and realizes `closed x price - that share` for a long (the mirror
//! for a short). What is left of the fill after the position reaches zero opens the
//! other way at the fill's price. Since the share removed from the cost is exactly the
//! share realized, realized + unrealized stays exactly the cash and value the fills
//! moved: no rounding leaks out of the position.
use quorum_domain::{Decimal, Side, Symbol, Venue};

use crate::validate::LedgerError;

/// Decimal places of the cost share a reduction removes.
pub const COST_SCALE: u32 = 12;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    pub account: String,
    pub venue: Venue,
    pub symbol: Symbol,
    /// Base quantity: positive long, negative short.
    pub quantity: Decimal,
    /// Signed cost of the open quantity in the quote asset (negative for a short).
    pub cost: Decimal,
    /// Realized PnL before fees, in the quote asset.
    pub gross_realized: Decimal,
    /// Fees of every fill, in the quote asset.
    pub fees: Decimal,
    pub fills: u64,
    /// Time of the last fill.
    pub updated_at_ms: i64,
}

/// What one fill did to a position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PositionChange {
    pub position: Position,
    /// Realized by this fill, net of its fee.
    pub realized_pnl: Decimal,
}

impl Position {
    /// A flat position with nothing realized.
    pub fn new(account: &str, venue: Venue, symbol: Symbol) -> Self {
        Self {
            account: account.to_string(),
            venue,
            symbol,
            quantity: Decimal::ZERO,
            cost: Decimal::ZERO,
            gross_realized: Decimal::ZERO,
            fees: Decimal::ZERO,
            fills: 0,
            updated_at_ms: 0,
        }
    }

    pub fn is_flat(&self) -> bool {
        self.quantity.is_zero()
    }

    /// Quote per base of the open quantity, fees excluded; `None` when flat.
    pub fn average_cost(&self) -> Option<Decimal> {
        if self.is_flat() {
            return None;
        }
        self.cost.checked_div(self.quantity)
    }

    /// Realized PnL net of every fee paid on this position.
    pub fn realized_pnl(&self) -> Decimal {
        self.gross_realized - self.fees
    }

    /// `quantity x mark`; `None` when it does not fit a decimal.
    pub fn market_value(&self, mark: Decimal) -> Option<Decimal> {
        self.quantity.checked_mul(mark)
    }

    /// `quantity x mark - cost`: what closing at `mark` would realize before fees.
    pub fn unrealized_pnl(&self, mark: Decimal) -> Option<Decimal> {
        self.market_value(mark)?.checked_sub(self.cost)
    }

    /// The position after a (checked) fill, and what the fill realized net of its fee.
    pub fn after_fill(
        &self,
        side: Side,
        quantity: Decimal,
        price: Decimal,
        fee: Decimal,
        at_ms: i64,
    ) -> Result<PositionChange, LedgerError> {
        let overflow = || LedgerError::Overflow(format!("the position in {}", self.symbol));
        let signed = match side {
            Side::Buy => quantity,
            Side::Sell => -quantity,
        };
        let mut next = self.clone();
        let mut realized = Decimal::ZERO;
        let reduces =
            !self.is_flat() && self.quantity.is_sign_positive() != signed.is_sign_positive();
        let opening = if reduces {
            let closed = quantity.min(self.quantity.abs());
            let closed_signed = if signed.is_sign_positive() {
                closed
            } else {
                -closed
            };
            let share = if closed == self.quantity.abs() {
                self.cost
            } else {
                let fraction = closed
                    .checked_div(self.quantity.abs())
                    .ok_or_else(overflow)?;
                self.cost
                    .checked_mul(fraction)
                    .ok_or_else(overflow)?
                    .round_dp(COST_SCALE)
            };
            // Closing a long sells `closed` at `price`; closing a short buys it back.
            let proceeds = (-closed_signed).checked_mul(price).ok_or_else(overflow)?;
            realized = proceeds.checked_sub(share).ok_or_else(overflow)?;
            next.quantity += closed_signed;
            next.cost = next.cost.checked_sub(share).ok_or_else(overflow)?;
            signed - closed_signed
        } else {
            signed
        };
        if !opening.is_zero() {
            let added = opening.checked_mul(price).ok_or_else(overflow)?;
            next.quantity = next.quantity.checked_add(opening).ok_or_else(overflow)?;
            next.cost = next.cost.checked_add(added).ok_or_else(overflow)?;
        }
        next.gross_realized = next
            .gross_realized
            .checked_add(realized)
            .ok_or_else(overflow)?;
        next.fees = next.fees.checked_add(fee).ok_or_else(overflow)?;
        next.fills += 1;
        next.updated_at_ms = next.updated_at_ms.max(at_ms);
        Ok(PositionChange {
            position: next,
            realized_pnl: realized - fee,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    fn flat() -> Position {
        Position::new("alice", Venue::Binance, "BTC-USDT".parse().unwrap())
    }

    fn fill(
        position: &Position,
        side: Side,
        quantity: Decimal,
        price: Decimal,
        fee: Decimal,
    ) -> PositionChange {
        position.after_fill(side, quantity, price, fee, 1).unwrap()
    }

    #[test]
    fn buys_average_their_cost_without_fees() {
        let first = fill(&flat(), Side::Buy, dec!(1), dec!(100), dec!(0.1));
        assert_eq!(first.realized_pnl, dec!(-0.1));
        let second = fill(&first.position, Side::Buy, dec!(3), dec!(200), dec!(0.6));
        let position = second.position;
        assert_eq!(position.quantity, dec!(4));
        assert_eq!(position.average_cost(), Some(dec!(175)));
        assert_eq!(position.fees, dec!(0.7));
        assert_eq!(position.realized_pnl(), dec!(-0.7));
        assert_eq!(position.unrealized_pnl(dec!(180)), Some(dec!(20)));
        assert_eq!(position.market_value(dec!(180)), Some(dec!(720)));
    }

    #[test]
    fn a_partial_sell_realizes_against_the_average_and_keeps_it() {
        let long = fill(&flat(), Side::Buy, dec!(2), dec!(100), dec!(0)).position;
        let change = fill(&long, Side::Sell, dec!(0.5), dec!(130), dec!(0.25));
        assert_eq!(change.realized_pnl, dec!(15) - dec!(0.25));
        let position = change.position;
        assert_eq!(position.quantity, dec!(1.5));
        assert_eq!(position.average_cost(), Some(dec!(100)));
        assert_eq!(position.gross_realized, dec!(15));
        assert_eq!(position.realized_pnl(), dec!(14.75));
    }

    #[test]
    fn a_sell_through_zero_flips_to_a_short_at_the_fill_price() {
        let long = fill(&flat(), Side::Buy, dec!(1), dec!(100), dec!(0)).position;
        let change = fill(&long, Side::Sell, dec!(3), dec!(90), dec!(0.27));
        assert_eq!(change.realized_pnl, dec!(-10) - dec!(0.27));
        let short = change.position;
        assert_eq!(short.quantity, dec!(-2));
        assert_eq!(short.cost, dec!(-180));
        assert_eq!(short.average_cost(), Some(dec!(90)));
        // A short gains when the price falls.
        assert_eq!(short.unrealized_pnl(dec!(80)), Some(dec!(20)));
        let covered = fill(&short, Side::Buy, dec!(2), dec!(85), dec!(0));
        assert_eq!(covered.realized_pnl, dec!(10));
        assert!(covered.position.is_flat());
        assert_eq!(covered.position.cost, dec!(0));
        assert_eq!(covered.position.average_cost(), None);
        assert_eq!(covered.position.realized_pnl(), dec!(-0.27));
        assert_eq!(covered.position.fills, 3);
    }

    #[test]
    fn a_buy_through_zero_flips_a_short_to_a_long() {
        let short = fill(&flat(), Side::Sell, dec!(2), dec!(50), dec!(0)).position;
        let change = fill(&short, Side::Buy, dec!(5), dec!(40), dec!(0));
        assert_eq!(change.realized_pnl, dec!(20));
        assert_eq!(change.position.quantity, dec!(3));
        assert_eq!(change.position.average_cost(), Some(dec!(40)));
    }

    #[test]
    fn thirds_of_a_cost_leave_no_rounding_in_realized_plus_cost() {
        let long = fill(&flat(), Side::Buy, dec!(3), dec!(100), dec!(0)).position;
        let mut position = long;
        let mut realized = Decimal::ZERO;
        for _ in 0..2 {
            let change = fill(&position, Side::Sell, dec!(1), dec!(101), dec!(0));
            realized += change.realized_pnl;
            position = change.position;
        }
        // The rest closes at the mark: realized + unrealized is what cash and value say.
        let unrealized = position.unrealized_pnl(dec!(101)).unwrap();
        assert_eq!(realized + unrealized, dec!(3));
        assert!(position.cost.scale() <= COST_SCALE);
    }
}
