//! Position sizing: how much of a strategy's capital an approved decision puts to work.
//! Pure; fractions are f64 (statistics), amounts exact decimals.
use rust_decimal::Decimal;
use rust_decimal::prelude::{FromPrimitive, ToPrimitive};
use serde::{Deserialize, Serialize};

/// Milliseconds in a 365-day year, for annualizing volatility.
const YEAR_MS: f64 = 365.0 * 86_400_000.0;

/// A sizing method with its parameters, validated.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum SizingRule {
    /// `fraction` of capital per order.
    FixedFraction { fraction: f64 },
    /// capital x min(max_fraction, target_volatility / realized volatility), both annualized.
    VolatilityTarget {
        target_volatility: f64,
        max_fraction: f64,
    },
    /// capital x min(kelly_cap, 2p - 1): the Kelly fraction of an even-odds bet whose
    /// win probability p is the consensus agreement. Nothing when p <= 0.5.
    CappedKelly { kelly_cap: f64 },
}

/// What the sizing sees of the market and the decision.
#[derive(Debug, Clone, Copy)]
pub struct SizingInput {
    pub capital: Decimal,
    /// Consensus agreement of the approved decision, in [0, 1].
    pub agreement: f64,
    /// Annualized realized volatility of the strategy's candles, when known.
    pub realized_volatility: Option<f64>,
}

/// Why no amount could be computed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct SizingProblem(pub String);

impl SizingRule {
    /// The fraction of capital to use, in [0, 1].
    pub fn fraction(&self, input: &SizingInput) -> Result<f64, SizingProblem> {
        let fraction = match *self {
            SizingRule::FixedFraction { fraction } => fraction,
            SizingRule::VolatilityTarget {
                target_volatility,
                max_fraction,
            } => match input.realized_volatility {
                Some(realized) if realized.is_finite() && realized > 0.0 => {
                    (target_volatility / realized).min(max_fraction)
                }
                _ => {
                    return Err(SizingProblem(
                        "realized volatility is unknown (too few candles)".into(),
                    ));
                }
            },
            SizingRule::CappedKelly { kelly_cap } => (2.0 * input.agreement - 1.0).min(kelly_cap),
        };
        Ok(fraction.clamp(0.0, 1.0))
    }

    /// The quote amount to put into the order.
    pub fn notional(&self, input: &SizingInput) -> Result<Decimal, SizingProblem> {
        let fraction = self.fraction(input)?;
        let fraction = Decimal::from_f64(fraction)
            .ok_or_else(|| SizingProblem(format!("fraction {fraction} is not a number")))?
            .round_dp(8);
        Ok((input.capital * fraction).round_dp(8))
    }
}

/// Base quantity for `notional` at `price`, rounded down to the lot size; zero when the
/// result is below the lot or the venue's minimum notional.
pub fn quantity(
    notional: Decimal,
    price: Decimal,
    lot_size: Decimal,
    min_notional: Decimal,
) -> Decimal {
    if price <= Decimal::ZERO || notional <= Decimal::ZERO {
        return Decimal::ZERO;
    }
    let raw = notional / price;
    let lots = if lot_size > Decimal::ZERO {
        (raw / lot_size).floor() * lot_size
    } else {
        raw
    };
    if lots <= Decimal::ZERO || lots * price < min_notional {
        return Decimal::ZERO;
    }
    lots.normalize()
}

/// Rounds a quantity down to the lot size.
pub fn round_down_to_lot(quantity: Decimal, lot_size: Decimal) -> Decimal {
    if lot_size <= Decimal::ZERO {
        return quantity;
    }
    ((quantity / lot_size).floor() * lot_size).normalize()
}

/// Annualized close-to-close volatility of equally spaced closes `interval_ms` apart;
/// `None` with fewer than three closes or a non-positive close.
pub fn realized_volatility(closes: &[Decimal], interval_ms: i64) -> Option<f64> {
    if closes.len() < 3 || interval_ms <= 0 {
        return None;
    }
    let mut returns = Vec::with_capacity(closes.len() - 1);
    for pair in closes.windows(2) {
        let (before, after) = (pair[0].to_f64()?, pair[1].to_f64()?);
        if before <= 0.0 || after <= 0.0 {
            return None;
        }
        returns.push((after / before).ln());
    }
    let count = returns.len() as f64;
    let mean = returns.iter().sum::<f64>() / count;
    let variance = returns.iter().map(|r| (r - mean).powi(2)).sum::<f64>() / (count - 1.0);
    let periods_per_year = YEAR_MS / interval_ms as f64;
    Some((variance * periods_per_year).sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    fn input(agreement: f64, realized: Option<f64>) -> SizingInput {
        SizingInput {
            capital: dec!(10000),
            agreement,
            realized_volatility: realized,
        }
    }

    #[test]
    fn fixed_fraction_uses_that_share_of_capital() {
        let rule = SizingRule::FixedFraction { fraction: 0.1 };
        assert_eq!(rule.notional(&input(0.9, None)).unwrap(), dec!(1000));
    }

    #[test]
    fn volatility_target_scales_down_in_a_volatile_market_and_is_capped() {
        let rule = SizingRule::VolatilityTarget {
            target_volatility: 0.2,
            max_fraction: 0.5,
        };
        assert_eq!(rule.notional(&input(0.9, Some(0.8))).unwrap(), dec!(2500));
        assert_eq!(rule.notional(&input(0.9, Some(0.1))).unwrap(), dec!(5000));
        assert!(rule.notional(&input(0.9, None)).is_err());
    }

    #[test]
    fn capped_kelly_follows_agreement_and_never_goes_negative() {
        let rule = SizingRule::CappedKelly { kelly_cap: 0.25 };
        assert_eq!(rule.notional(&input(0.55, None)).unwrap(), dec!(1000));
        assert_eq!(rule.notional(&input(0.95, None)).unwrap(), dec!(2500));
        assert_eq!(rule.notional(&input(0.4, None)).unwrap(), Decimal::ZERO);
    }

    #[test]
    fn quantity_rounds_down_to_the_lot_and_respects_min_notional() {
        assert_eq!(
            quantity(dec!(1000), dec!(30000), dec!(0.001), dec!(10)),
            dec!(0.033)
        );
        assert_eq!(
            quantity(dec!(5), dec!(30000), dec!(0.001), dec!(10)),
            Decimal::ZERO
        );
        assert_eq!(
            quantity(dec!(20), dec!(30000), dec!(0.001), dec!(10)),
            Decimal::ZERO
        );
        assert_eq!(round_down_to_lot(dec!(0.12345), dec!(0.01)), dec!(0.12));
    }

    #[test]
    fn realized_volatility_of_a_constant_series_is_zero_and_of_a_moving_one_positive() {
        let flat = vec![dec!(100); 10];
        assert_eq!(realized_volatility(&flat, 60_000), Some(0.0));
        let moving = [dec!(100), dec!(101), dec!(99), dec!(102), dec!(100)];
        let vol = realized_volatility(&moving, 60_000).unwrap();
        assert!(vol > 1.0 && vol.is_finite(), "{vol}");
        assert_eq!(realized_volatility(&moving[..2], 60_000), None);
    }
}
